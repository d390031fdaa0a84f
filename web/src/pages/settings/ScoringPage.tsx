import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { Button, FormError } from '../../components/forms';
import { Card, Loaded } from '../../components/states';
import { errorMessage, get, post, put } from '../../lib/api';
import { FACTOR_LABELS } from '../../lib/format';
import { BacktestPanel } from './BacktestPanel';
import { BacktestSuggestion } from './BacktestSuggestion';
import { isAdmin, useMe } from '../../lib/session';
import type { ScoringConfig, ScoringPreview } from '../../lib/types';
import type { DataSources } from '../../lib/usage-types';

const LEVEL_WORDS: Record<string, string> = {
  green: 'Healthy (green)',
  yellow: 'At risk (yellow)',
  red: 'Critical (red)',
  none: 'No score',
  churned: 'Churned (counted apart)',
};

const FACTORS = ['payment_recency', 'mrr_trend', 'failed_payments', 'usage', 'support', 'sentiment'] as const;

/** What the usage, support and sentiment weights apply to, from what the data sources hold now. */
function sourceNotes(sources: DataSources | undefined): Partial<Record<(typeof FACTORS)[number], string>> {
  if (!sources) return {};
  const { customersWithUsage, tickets } = sources.status;
  return {
    usage:
      customersWithUsage > 0
        ? `${customersWithUsage.toLocaleString()} ${customersWithUsage === 1 ? 'customer has' : 'customers have'} product usage; for the others this weight goes to the other factors.`
        : 'No product usage received yet (Settings → Data sources): this weight goes to the other factors.',
    support:
      tickets > 0
        ? `Support tickets are connected (${tickets.toLocaleString()}): every customer is scored on them, no open ticket being a good sign.`
        : 'No support tickets received yet (Settings → Data sources): this weight goes to the other factors.',
    sentiment: `Counts for customers with a CSM sentiment recorded in the last ${sources.settings.sentimentDays} days; for the others this weight goes to the other factors.`,
  };
}

/** Field names in the API's validation messages, as the form names them. */
const LABELS: Record<string, string> = {
  'weights.payment_recency': 'The payment recency weight',
  'weights.mrr_trend': 'The MRR trend weight',
  'weights.failed_payments': 'The failed payments weight',
  'weights.usage': 'The product usage weight',
  'weights.support': 'The support weight',
  'weights.sentiment': 'The CSM sentiment weight',
  'thresholds.green': 'The healthy threshold',
  'thresholds.yellow': 'The at-risk threshold',
};

/** The same rules the API applies, so that the form explains a problem before saving. */
export function validate(config: ScoringConfig): string | null {
  const weights = Object.values(config.weights);
  if (weights.some((w) => !Number.isFinite(w) || w < 0)) return 'Weights must be 0 or more.';
  // Sentiment alone cannot score customers: it is absent for most, and expires.
  const { sentiment: _sentiment, ...others } = config.weights;
  if (!Object.values(others).some((w) => w > 0)) return 'At least one weight besides CSM sentiment must be above 0.';
  const { green, yellow } = config.thresholds;
  if (!(yellow > 0 && yellow < green && green <= 100)) return 'Thresholds must satisfy 0 < yellow < green ≤ 100.';
  return null;
}

function Editor({ saved }: { saved: ScoringConfig }) {
  const me = useMe();
  const admin = isAdmin(me.data);
  const client = useQueryClient();
  const [config, setConfig] = useState<ScoringConfig>(saved);
  useEffect(() => setConfig(saved), [saved]);
  const total = FACTORS.reduce((s, f) => s + (config.weights[f] || 0), 0);
  const problem = validate(config);
  const sources = useQuery({ queryKey: ['data-sources'], queryFn: () => get<DataSources>('/data-sources') });
  const notes = sourceNotes(sources.data);
  const preview = useMutation({ mutationFn: (c: ScoringConfig) => post<ScoringPreview>('/scoring/preview', c) });
  const save = useMutation({
    mutationFn: (c: ScoringConfig) => put<ScoringConfig>('/scoring/config', c),
    onSuccess: (c) => {
      client.setQueryData(['scoring-config'], c);
      preview.reset();
      // Scores are recomputed in the background; lists refresh as they arrive.
      setTimeout(() => void client.invalidateQueries(), 1500);
    },
  });
  const setWeight = (f: (typeof FACTORS)[number], v: number) => setConfig({ ...config, weights: { ...config.weights, [f]: v } });
  const setThreshold = (k: 'green' | 'yellow', v: number) => setConfig({ ...config, thresholds: { ...config.thresholds, [k]: v } });
  // The settings last previewed (and still in the form) are backtested beside the saved ones.
  // A preview speaks for the settings it was asked for: once the form moves on, its numbers (and its what-if
  // backtest) are not shown as current.
  const previewed = preview.data && JSON.stringify(preview.variables) === JSON.stringify(config) ? preview.data : null;
  const candidate = previewed && preview.variables ? preview.variables : null;
  return (
    <>
      <section aria-labelledby="scoring-configuration" className="space-y-4">
        <div>
          <h2 id="scoring-configuration" className="text-lg font-semibold">
            Configuration
          </h2>
          <p className="text-sm text-slate-600">
            How this organization&apos;s health scores are computed: the weight of each factor and the scores where the risk levels begin.
          </p>
        </div>
        <Card title="Weights" level={3}>
          <p className="mb-3 text-sm text-slate-600">
            Each factor counts in proportion to its weight; the percentages show the normalised share.
          </p>
          <div className="space-y-4">
            {FACTORS.map((f) => (
              <div key={f}>
                <div className="flex items-center justify-between gap-3 text-sm">
                  <label htmlFor={`w-${f}`} className="font-medium">
                    {FACTOR_LABELS[f]}
                  </label>
                  <span className="tabular-nums text-slate-700">
                    {total > 0 ? Math.round((100 * (config.weights[f] || 0)) / total) : 0}%
                  </span>
                </div>
                <div className="mt-1 flex items-center gap-3">
                  <input
                    id={`w-${f}`}
                    type="range"
                    min={0}
                    max={100}
                    step={1}
                    value={config.weights[f]}
                    disabled={!admin}
                    onChange={(e) => setWeight(f, Number(e.target.value))}
                    className="flex-1"
                  />
                  <input
                    type="number"
                    min={0}
                    max={1000}
                    aria-label={`${FACTOR_LABELS[f]} weight`}
                    value={config.weights[f]}
                    disabled={!admin}
                    onChange={(e) => setWeight(f, Number(e.target.value))}
                    className="w-20 rounded-md border border-slate-300 px-2 py-1 text-sm"
                  />
                </div>
                {notes[f] && <p className="mt-1 text-xs text-slate-600">{notes[f]}</p>}
              </div>
            ))}
          </div>
        </Card>
        <Card title="Risk levels" level={3}>
          <div className="flex flex-wrap gap-6 text-sm">
            <label className="space-y-1">
              <span className="block font-medium">Healthy (green) from</span>
              <input
                type="number"
                min={1}
                max={100}
                value={config.thresholds.green}
                disabled={!admin}
                onChange={(e) => setThreshold('green', Number(e.target.value))}
                className="w-24 rounded-md border border-slate-300 px-2 py-1"
              />
            </label>
            <label className="space-y-1">
              <span className="block font-medium">At risk (yellow) from</span>
              <input
                type="number"
                min={1}
                max={99}
                value={config.thresholds.yellow}
                disabled={!admin}
                onChange={(e) => setThreshold('yellow', Number(e.target.value))}
                className="w-24 rounded-md border border-slate-300 px-2 py-1"
              />
            </label>
            <p className="self-end text-slate-600">Critical (red) below {config.thresholds.yellow}.</p>
          </div>
        </Card>
        <FormError>{problem}</FormError>
        {admin ? (
          <div className="flex flex-wrap gap-2">
            <Button variant="secondary" disabled={Boolean(problem) || preview.isPending} onClick={() => preview.mutate(config)}>
              {preview.isPending ? 'Previewing…' : 'Preview'}
            </Button>
            <Button disabled={Boolean(problem) || save.isPending} onClick={() => save.mutate(config)}>
              {save.isPending ? 'Saving…' : 'Save and re-score'}
            </Button>
            <Button variant="secondary" onClick={() => setConfig(saved)}>
              Reset
            </Button>
          </div>
        ) : (
          <p className="text-sm text-slate-600">Only admins and owners can change scoring settings.</p>
        )}
        <FormError>{(preview.error && errorMessage(preview.error, LABELS)) || (save.error && errorMessage(save.error, LABELS))}</FormError>
        {save.isSuccess && (
          <p role="status" className="text-sm text-green-800">
            Saved. Every customer is being re-scored.
          </p>
        )}
        {preview.data && !previewed && (
          <p role="status" className="text-sm text-slate-600">
            The settings changed since the last preview{problem ? '' : ': preview them again to see what they would change'}.
          </p>
        )}
        {previewed && (
          <Card title="Preview" level={3}>
            <p role="status" className="text-sm">
              <strong>{previewed.changed}</strong> of {previewed.customers} customers would change level.
            </p>
            <p className="mt-1 text-sm">
              <a href="#backtest-what-if" className="text-indigo-700 underline">
                How these settings would have foreseen past churn
              </a>
              , beside the saved ones: see the backtest below.
            </p>
            <table className="mt-3 text-sm">
              <caption className="sr-only">Risk distribution now and with these settings</caption>
              <thead>
                <tr className="text-slate-600">
                  <th scope="col" className="pr-4 text-left">
                    Level
                  </th>
                  <th scope="col" className="pr-4 text-right">
                    Now
                  </th>
                  <th scope="col" className="text-right">
                    With these settings
                  </th>
                </tr>
              </thead>
              <tbody>
                {(['green', 'yellow', 'red', 'none', 'churned'] as const).map((k) => (
                  <tr key={k}>
                    <th scope="row" className="pr-4 text-left font-normal">
                      {LEVEL_WORDS[k]}
                    </th>
                    <td className="pr-4 text-right tabular-nums">{previewed.current[k]}</td>
                    <td className="text-right tabular-nums">{previewed.distribution[k]}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {previewed.changes.length > 0 && (
              <ul className="mt-3 max-h-48 overflow-auto text-sm" tabIndex={0} aria-label="Customers that would change level">
                {previewed.changes.slice(0, 50).map((c) => (
                  <li key={c.id}>
                    <Link to={`/customers/${c.id}`} className="text-indigo-700 underline">
                      {c.name ?? c.email ?? c.id}
                    </Link>
                    {c.name && c.email ? <span className="text-slate-500"> ({c.email})</span> : null}: {LEVEL_WORDS[c.from ?? 'none']} →{' '}
                    {LEVEL_WORDS[c.to ?? 'none']}
                  </li>
                ))}
              </ul>
            )}
            {previewed.changed > Math.min(50, previewed.changes.length) && (
              <p className="mt-1 text-xs text-slate-600">
                The first {Math.min(50, previewed.changes.length)} of {previewed.changed.toLocaleString()} are listed.
              </p>
            )}
          </Card>
        )}
      </section>
      <BacktestPanel candidate={candidate} />
      <BacktestSuggestion
        onUse={(suggested) => {
          // Fills the form and previews it (with its backtest beside the saved one's); saving stays the admin's step.
          setConfig(suggested);
          preview.mutate(suggested);
          document.getElementById('scoring-configuration')?.scrollIntoView({ behavior: 'smooth', block: 'start' });
        }}
      />
    </>
  );
}

export function ScoringPage() {
  const config = useQuery({ queryKey: ['scoring-config'], queryFn: () => get<ScoringConfig>('/scoring/config') });
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold">Scoring</h1>
      <Loaded query={config}>{(c) => <Editor saved={c} />}</Loaded>
    </div>
  );
}
