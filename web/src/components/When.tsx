import { ago, dateTime } from '../lib/format';

/** A moment in the one date style: relative text, the exact date and time on hover (and in `dateTime`). */
export function When({ at, never = 'never', className }: { at: string | null | undefined; never?: string; className?: string }) {
  if (!at) return <span className={className}>{never}</span>;
  return (
    <time dateTime={at} title={dateTime(at)} className={className}>
      {ago(at)}
    </time>
  );
}
