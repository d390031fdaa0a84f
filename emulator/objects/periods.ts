export type Interval = 'day' | 'week' | 'month' | 'year';

/** Adds `n` billing intervals to a unix time, keeping the day of month the way Stripe's billing anchor does. */
export function addInterval(unix: number, interval: Interval, n: number): number {
  const d = new Date(unix * 1000);
  switch (interval) {
    case 'day':
      return unix + n * 86400;
    case 'week':
      return unix + n * 7 * 86400;
    case 'month': {
      const day = d.getUTCDate();
      const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()));
      const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
      target.setUTCDate(Math.min(day, lastDay));
      return Math.floor(target.getTime() / 1000);
    }
    case 'year':
      return addInterval(unix, 'month', 12 * n);
  }
}

/** The billing period that contains `now`, for a subscription anchored at `anchor`. */
export function periodAt(anchor: number, interval: Interval, count: number, now: number): { start: number; end: number } {
  let start = anchor;
  let end = addInterval(anchor, interval, count);
  let k = 1;
  while (end <= now) {
    start = end;
    k += 1;
    end = addInterval(anchor, interval, count * k);
  }
  return { start, end };
}
