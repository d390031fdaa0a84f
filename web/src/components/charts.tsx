import { Bar, BarChart, CartesianGrid, Cell, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

import { shortDate } from '../lib/format';
import { RISK_COLORS } from './RiskBadge';

// No animation: a chart that grows for a second and a half shows numbers that are not the data (and moves for
// people who asked for less motion).

/** Bars of the ten score buckets, coloured by the risk level they fall in. */
export function HistogramChart({
  buckets,
  thresholds,
}: {
  buckets: { from: number; to: number; count: number }[];
  thresholds: { green: number; yellow: number };
}) {
  const data = buckets.map((b) => ({ ...b, label: `${b.from}–${b.to}` }));
  const color = (from: number) =>
    from >= thresholds.green ? RISK_COLORS.green : from >= thresholds.yellow ? RISK_COLORS.yellow : RISK_COLORS.red;
  return (
    <div className="h-56" role="img" aria-label={`Score histogram: ${data.map((d) => `${d.label}: ${d.count}`).join(', ')}`}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="label" tick={{ fontSize: 11 }} />
          <YAxis allowDecimals={false} tick={{ fontSize: 11 }} />
          <Tooltip />
          <Bar dataKey="count" name="Customers" isAnimationActive={false}>
            {data.map((d) => (
              <Cell key={d.label} fill={color(d.from)} />
            ))}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

export function LineSeries({
  data,
  label,
  format,
  domain,
}: {
  data: { x: string; y: number }[];
  label: string;
  format: (n: number) => string;
  domain?: [number, number];
}) {
  return (
    <div className="h-56" role="img" aria-label={`${label}: ${data.map((d) => `${d.x} ${format(d.y)}`).join(', ')}`}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ top: 8, right: 16, bottom: 0, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="x" tick={{ fontSize: 11 }} />
          <YAxis tickFormatter={format} tick={{ fontSize: 11 }} width={70} domain={domain ?? ['auto', 'auto']} />
          <Tooltip formatter={(v) => format(Number(v))} />
          <Line
            type="monotone"
            dataKey="y"
            name={label}
            stroke="#4f46e5"
            strokeWidth={2}
            dot={data.length < 30}
            isAnimationActive={false}
          />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

const COMPUTED_COLOR = '#4f46e5';
const RECONSTRUCTED_COLOR = '#64748b';

/** A line sample for the chart's legend: solid for computed scores, dashed for reconstructed ones. */
function LegendLine({ dashed }: { dashed: boolean }) {
  return (
    <svg width="24" height="8" aria-hidden="true" className="shrink-0">
      <line
        x1="0"
        y1="4"
        x2="24"
        y2="4"
        stroke={dashed ? RECONSTRUCTED_COLOR : COMPUTED_COLOR}
        strokeWidth="2"
        strokeDasharray={dashed ? '4 3' : undefined}
      />
    </svg>
  );
}

/**
 * A customer's score over time. Each entry is a change (a score holds until the next one), so the lines are steps
 * on a time axis. Entries reconstructed from the billing history (before the first computed score) are drawn
 * dashed and lighter, and the legend says so: they are what the score would have been, not what anyone saw then.
 */
export function ScoreHistoryChart({
  points,
  now = Date.now(),
}: {
  points: { at: string; score: number | null; reconstructed: boolean }[];
  now?: number;
}) {
  const series = (reconstructed: boolean) =>
    points.filter((p) => p.reconstructed === reconstructed).map((p) => ({ t: Date.parse(p.at), y: p.score }));
  const rebuilt = series(true);
  const computed = series(false);
  const describe = (list: { t: number; y: number | null }[]) =>
    list.map((d) => `${shortDate(new Date(d.t).toISOString())} ${d.y ?? 'no score'}`).join(', ');
  const label = [
    rebuilt.length > 0 && `reconstructed from billing history: ${describe(rebuilt)}`,
    computed.length > 0 && `computed: ${describe(computed)}`,
  ]
    .filter(Boolean)
    .join('; ');
  // The dashed line runs on to the first computed score, so that the two read as one history; the latest score
  // holds until now.
  const firstComputed = computed[0];
  if (firstComputed && rebuilt.length > 0) rebuilt.push({ ...firstComputed });
  const last = computed.length > 0 ? computed : rebuilt;
  const latest = last.at(-1);
  if (latest && latest.t < now) last.push({ t: now, y: latest.y });
  // Ticks at even steps of the time the chart spans (Recharts would otherwise put them on data points).
  const times = [...rebuilt, ...computed].map((d) => d.t);
  const [from, to] = [Math.min(...times), Math.max(...times)];
  const ticks = to > from ? Array.from({ length: 6 }, (_, i) => Math.round(from + ((to - from) * i) / 5)) : [from];
  return (
    <figure className="space-y-2">
      <div className="h-56" role="img" aria-label={`Score history, ${label}`}>
        <ResponsiveContainer width="100%" height="100%">
          <LineChart margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis
              dataKey="t"
              type="number"
              scale="time"
              domain={[from, to]}
              ticks={ticks}
              interval="preserveStartEnd"
              tickFormatter={(v: number) => shortDate(new Date(v).toISOString())}
              tick={{ fontSize: 11 }}
              minTickGap={24}
            />
            <YAxis domain={[0, 100]} tick={{ fontSize: 11 }} width={32} />
            <Tooltip labelFormatter={(v) => shortDate(new Date(Number(v)).toISOString())} formatter={(v) => Math.round(Number(v))} />
            {rebuilt.length > 0 && (
              <Line
                data={rebuilt}
                dataKey="y"
                name="Reconstructed"
                type="stepAfter"
                stroke={RECONSTRUCTED_COLOR}
                strokeWidth={2}
                strokeDasharray="4 3"
                dot={false}
                isAnimationActive={false}
              />
            )}
            {computed.length > 0 && (
              <Line
                data={computed}
                dataKey="y"
                name="Score"
                type="stepAfter"
                stroke={COMPUTED_COLOR}
                strokeWidth={2}
                dot={computed.length < 30}
                isAnimationActive={false}
              />
            )}
          </LineChart>
        </ResponsiveContainer>
      </div>
      <figcaption className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-700">
        {computed.length > 0 && (
          <span className="flex items-center gap-1.5">
            <LegendLine dashed={false} /> Computed by PulseScore
          </span>
        )}
        {rebuilt.length > 0 && (
          <span className="flex items-center gap-1.5">
            <LegendLine dashed /> Reconstructed from billing history
          </span>
        )}
      </figcaption>
      {rebuilt.length > 0 && (
        <p className="text-xs text-slate-600">
          The dashed part is the score rebuilt week by week from the billing records as they stood at the time, before PulseScore computed
          this customer&apos;s first score.
        </p>
      )}
    </figure>
  );
}
