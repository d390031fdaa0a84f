import { Bar, BarChart, CartesianGrid, Cell, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

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
