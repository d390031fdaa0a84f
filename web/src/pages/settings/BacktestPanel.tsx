import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Button, FormError } from '../../components/forms';
import { Card, EmptyState, Loaded } from '../../components/states';
import { errorMessage, get, post } from '../../lib/api';
import { date, dateTime, plural } from '../../lib/format';
import { isAdmin, useMe } from '../../lib/session';
import type { Backtest, BacktestWhatIf, ScoringConfig } from '../../lib/types';
import { Choice, Results, WhatIf } from './BacktestResults';

const HORIZONS = [30, 60, 90] as const;
type Horizon = (typeof HORIZONS)[number];
function Status({ data, admin, onRebuild, rebuilding }: { data: Backtest; admin: boolean; onRebuild: () => void; rebuilding: boolean }) {
  const button = admin && (
    <Button variant="secondary" onClick={onRebuild} disabled={rebuilding || data.status === 'building'}>
      {rebuilding || data.status === 'building' ? 'Rebuilding…' : 'Rebuild'}
    </Button>
  );
  const text = {
    not_built: 'Not built yet: the score history is reconstructed after the first sync.',
    building: 'Building: the score history is being reconstructed from the billing history…',
    ready: `Ready: built ${dateTime(data.builtAt)} from ${plural(data.reconstructedCustomers, 'customer')}’ billing history, ${date(
      data.historyStart,
    )} to ${date(data.historyEnd)} (${plural(data.points, 'weekly point')}).`,
    failed: `The last rebuild failed${data.error ? `: ${data.error}` : '.'}`,
  }[data.status];
  return (
    <div className="flex flex-wrap items-center justify-between gap-3">
      <p role="status" className={`min-w-0 text-sm break-words ${data.status === 'failed' ? 'text-red-800' : 'text-slate-700'}`}>
        {text}
      </p>
      {button}
    </div>
  );
}

function Explanation() {
  return (
    <Card title="How to read the backtest and what it cannot tell" level={3}>
      <div className="space-y-2 text-sm text-slate-700">
        <p>
          PulseScore rebuilds each customer&apos;s score week by week from the billing records as they stood at the time — nothing that
          happened later is used — and asks, for every customer who churned, whether the score had flagged it 30, 60 or 90 days before.
          <strong> Precision</strong> is how often a flag was right, <strong>recall</strong> how much of the churn was flagged,{' '}
          <strong>lift</strong> how many times better than picking customers at random. Voluntary churn (they chose to leave) and
          involuntary churn (failed payments) are told apart: a billing score usually sees the second coming much better.
        </p>
        <p>
          Where few customers are behind a number, it shows the count and a 95 % range instead: with 3 churners, one more or less moves the
          rate by a third.
        </p>
        <p>
          What it cannot tell: only billing factors can be replayed (product usage and support are not part of the past scores); churn
          before the synced history is not seen; a false alarm may be a customer your team saved, which billing data cannot show; and a
          score that foresaw past churn may do less well when your customers change.
        </p>
      </div>
    </Card>
  );
}

/** Settings → Scoring → Backtest: how well the score foresaw the customers who really churned. */
export function BacktestPanel({ candidate }: { candidate: ScoringConfig | null }) {
  const me = useMe();
  const admin = isAdmin(me.data);
  const [horizon, setHorizon] = useState<Horizon>(30);
  // After a rebuild is asked for: the build time it replaces, followed until a new one is ready.
  const [replacing, setReplacing] = useState<string | null | undefined>(undefined);
  const backtest = useQuery({
    queryKey: ['backtest', horizon],
    queryFn: () => get<Backtest>(`/scoring/backtest?horizon=${horizon}`),
    refetchInterval: (q) => {
      const d = q.state.data;
      if (!d) return false;
      const waiting = replacing !== undefined && d.builtAt === replacing && d.status !== 'failed';
      return d.status === 'building' || waiting ? 2000 : false;
    },
  });
  const rebuild = useMutation({
    mutationFn: () => post('/scoring/backtest/rebuild'),
    onSuccess: () => setReplacing(backtest.data?.builtAt ?? null),
  });
  const ready = backtest.data?.status === 'ready';
  const whatIf = useQuery({
    queryKey: ['backtest-what-if', horizon, backtest.data?.builtAt, candidate],
    queryFn: () => post<BacktestWhatIf>('/scoring/backtest/preview', { config: candidate, horizon }),
    enabled: candidate !== null && ready,
  });
  return (
    <section aria-labelledby="scoring-backtest" className="space-y-4">
      <div>
        <h2 id="scoring-backtest" className="text-lg font-semibold">
          Backtest
        </h2>
        <p className="text-sm text-slate-600">
          How well the score foresaw the customers who really churned, replayed over your Stripe history.
        </p>
      </div>
      <Choice
        name="backtest-horizon"
        legend="Days ahead"
        value={horizon}
        options={HORIZONS.map((h) => ({ value: h, label: `${h} days` }))}
        onChange={setHorizon}
      />
      <Loaded query={backtest}>
        {(data) => (
          <div className="space-y-4">
            <Status data={data} admin={admin} onRebuild={() => rebuild.mutate()} rebuilding={rebuild.isPending} />
            <FormError>{rebuild.error && errorMessage(rebuild.error)}</FormError>
            {candidate && (
              <Card id="backtest-what-if" title={`What-if: the previewed settings, ${horizon} days ahead`} level={3}>
                {!ready ? (
                  <p className="text-sm text-slate-600">The previewed settings can be backtested once the score history is ready.</p>
                ) : (
                  <Loaded query={whatIf}>{(w) => <WhatIf data={w} />}</Loaded>
                )}
              </Card>
            )}
            {data.result ? (
              <Results data={data} result={data.result} />
            ) : (
              <EmptyState title="No backtest yet">
                {data.status === 'failed'
                  ? 'The score history could not be reconstructed.'
                  : 'Once the score history is reconstructed from your billing data, the numbers appear here.'}
              </EmptyState>
            )}
          </div>
        )}
      </Loaded>
      <Explanation />
    </section>
  );
}
