import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Button } from '../../components/forms';
import { Card, Loaded } from '../../components/states';
import { get } from '../../lib/api';
import { date, FACTOR_LABELS } from '../../lib/format';
import { isAdmin, useMe } from '../../lib/session';
import type { BacktestSuggestionResponse, SuggestedConfig, Suggestion, SuggestionPart } from '../../lib/suggestion-types';

type Horizon = 30 | 60 | 90;
const HORIZONS: Horizon[] = [30, 60, 90];
const FACTORS = ['payment_recency', 'mrr_trend', 'failed_payments', 'usage', 'support', 'sentiment'] as const;

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${Math.round(100 * x)} %`);
const share = (config: SuggestedConfig, f: (typeof FACTORS)[number]) => {
  const total = FACTORS.reduce((s, k) => s + (config.weights[k] ?? 0), 0);
  return total > 0 ? (config.weights[f] ?? 0) / total : 0;
};

const NOT_READY: Record<BacktestSuggestionResponse['status'], string> = {
  not_built: 'The score history has not been reconstructed yet: it is built after the first Stripe sync.',
  building: 'The score history is being reconstructed; the suggestion appears when it is done.',
  failed: 'The score history could not be reconstructed, so there is nothing to fit a suggestion to.',
  ready: 'No suggestion yet.',
};

function Weights({ s }: { s: Suggestion }) {
  const suggested = s.suggested!;
  return (
    <table className="w-full text-sm">
      <caption className="sr-only">Weights and thresholds: current and suggested</caption>
      <thead>
        <tr className="text-slate-600">
          <th scope="col" className="pr-4 text-left">
            Factor
          </th>
          <th scope="col" className="pr-4 text-right">
            Current
          </th>
          <th scope="col" className="text-right">
            Suggested
          </th>
        </tr>
      </thead>
      <tbody>
        {FACTORS.map((f) => (
          <tr key={f}>
            <th scope="row" className="pr-4 text-left font-normal">
              {FACTOR_LABELS[f]}
              {!s.fitted.includes(f) && (
                // Its weight is the current one on the suggestion's scale, so the number and its share may differ.
                <span className="block text-xs text-slate-600">
                  Not fitted: the replayed history has no data for it. Its weight is carried over, on the suggestion’s scale.
                </span>
              )}
            </th>
            <td className="pr-4 text-right tabular-nums">
              {s.current.weights[f]} <span className="text-slate-600">({pct(share(s.current, f))})</span>
            </td>
            <td className="text-right tabular-nums">
              {suggested.weights[f]} <span className="text-slate-600">({pct(share(suggested, f))})</span>
            </td>
          </tr>
        ))}
        <tr>
          <th scope="row" className="pr-4 pt-2 text-left font-normal">
            Healthy (green) from
          </th>
          <td className="pr-4 pt-2 text-right tabular-nums">{s.current.thresholds.green}</td>
          <td className="pt-2 text-right tabular-nums">{suggested.thresholds.green}</td>
        </tr>
        <tr>
          <th scope="row" className="pr-4 text-left font-normal">
            At risk (yellow) from
          </th>
          <td className="pr-4 text-right tabular-nums">{s.current.thresholds.yellow}</td>
          <td className="text-right tabular-nums">{suggested.thresholds.yellow}</td>
        </tr>
      </tbody>
    </table>
  );
}

const ROWS: { label: string; value: (m: SuggestionPart) => string }[] = [
  { label: 'Churners flagged ahead (red or yellow)', value: (m) => `${m.redOrYellow.caught} of ${m.churners}` },
  { label: 'False alarms (flagged, stayed)', value: (m) => `${m.redOrYellow.falseAlarms} of ${m.stayers}` },
  { label: 'Precision (red or yellow)', value: (m) => pct(m.redOrYellow.precision.value) },
  { label: 'Recall (red or yellow)', value: (m) => pct(m.redOrYellow.recall.value) },
  { label: 'F1 (what the search maximizes)', value: (m) => (m.f1 === null ? '—' : m.f1.toFixed(2)) },
  { label: 'Churners flagged red', value: (m) => `${m.red.caught} of ${m.churners}` },
  { label: 'Red false alarms', value: (m) => String(m.red.falseAlarms) },
];

function Metrics({ s }: { s: Suggestion }) {
  const fit = s.fit!;
  const report = s.report!;
  const split = s.split!;
  return (
    <div className="overflow-x-auto" tabIndex={0} role="region" aria-label="Fit and report metrics">
      <table className="w-full min-w-[36rem] text-sm">
        <caption className="sr-only">The backtest of the current and suggested configurations on the older and the newer part</caption>
        <thead>
          <tr className="text-slate-600">
            <td />
            <th scope="colgroup" colSpan={2} className="px-2 text-center">
              Older part: fitted on
              <span className="block text-xs font-normal">
                churns {date(split.fit.churnsFrom)} – {date(split.fit.churnsTo)}
              </span>
            </th>
            <th scope="colgroup" colSpan={2} className="px-2 text-center">
              Newer part: checked on
              <span className="block text-xs font-normal">
                churns {date(split.report.churnsFrom)} – {date(split.report.churnsTo)}
              </span>
            </th>
          </tr>
          <tr className="text-slate-600">
            <td />
            <th scope="col" className="px-2 text-right">
              Current
            </th>
            <th scope="col" className="px-2 text-right">
              Suggested
            </th>
            <th scope="col" className="px-2 text-right">
              Current
            </th>
            <th scope="col" className="px-2 text-right">
              Suggested
            </th>
          </tr>
        </thead>
        <tbody>
          {ROWS.map((r) => (
            <tr key={r.label}>
              <th scope="row" className="pr-4 text-left font-normal">
                {r.label}
              </th>
              {[fit.current, fit.suggested, report.current, report.suggested].map((m, i) => (
                <td key={i} className="px-2 text-right tabular-nums">
                  {r.value(m)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Body({ data, onUse, admin }: { data: BacktestSuggestionResponse; onUse: (config: SuggestedConfig) => void; admin: boolean }) {
  const s = data.suggestion;
  if (!s) return <p className="text-sm text-slate-600">{NOT_READY[data.status]}</p>;
  if (s.status === 'too_few_churns' || !s.suggested || !s.fit || !s.report || !s.split)
    return (
      <p role="status" className="text-sm text-slate-700">
        {s.verdict}
      </p>
    );
  const suggested = s.suggested;
  return (
    <div className="space-y-4">
      <p role="status" className={`text-sm ${s.status === 'suggested' ? 'text-green-800' : 'text-slate-700'}`}>
        {s.verdict}
      </p>
      {s.reason && <p className="text-sm font-medium">{s.reason}</p>}
      <Weights s={s} />
      <Metrics s={s} />
      {s.status === 'suggested' && admin && (
        <div className="space-y-1">
          <Button variant="secondary" onClick={() => onUse(suggested)}>
            Use these values
          </Button>
          <p className="text-xs text-slate-600">Fills the form above; nothing changes until you save it.</p>
        </div>
      )}
      {s.status === 'suggested' && !admin && <p className="text-xs text-slate-600">Only admins and owners can apply these values.</p>}
    </div>
  );
}

/**
 * Suggested weights and thresholds, fitted to the older part of the organization's reconstructed history and checked
 * on the newer part, both shown beside the current configuration. It never saves: "Use these values" (admins only,
 * and only when the newer part shows an improvement) hands the configuration to `onUse`, which fills the form.
 */
export function BacktestSuggestion({ onUse, horizon: fixed }: { onUse: (config: SuggestedConfig) => void; horizon?: Horizon }) {
  const me = useMe();
  const [chosen, setChosen] = useState<Horizon>(30);
  const horizon = fixed ?? chosen;
  const query = useQuery({
    queryKey: ['backtest-suggestion', horizon],
    queryFn: () => get<BacktestSuggestionResponse>(`/scoring/backtest/suggestion?horizon=${horizon}`),
  });
  return (
    <Card
      title="Suggested weights and thresholds"
      level={3}
      actions={
        fixed === undefined ? (
          <label className="flex items-center gap-2 text-sm">
            <span>Days ahead</span>
            <select
              value={chosen}
              onChange={(e) => setChosen(Number(e.target.value) as Horizon)}
              className="rounded-md border border-slate-300 px-2 py-1"
            >
              {HORIZONS.map((h) => (
                <option key={h} value={h}>
                  {h}
                </option>
              ))}
            </select>
          </label>
        ) : undefined
      }
    >
      <p className="mb-3 text-sm text-slate-600">
        Fitted to your older churns, then checked on the newer ones it never saw. Only the newer part can show an improvement.
      </p>
      <Loaded query={query}>{(data) => <Body data={data} onUse={onUse} admin={isAdmin(me.data)} />}</Loaded>
    </Card>
  );
}
