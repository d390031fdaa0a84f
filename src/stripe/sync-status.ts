import Stripe from 'stripe';
import type { StreamCursor, SyncRetry, SyncRunRow } from './sync-runs.repo.js';
import { streamOf } from './sync.streams.js';

/**
 * What a sync looks like to the people waiting for it: the lists it walks in words, how far each has come against
 * what the last complete sync found, a retry in progress with its reason, and — when it cannot go on — what to do.
 * The banner and the Integrations tile both render this one object, so they can never disagree.
 */

/** The lists of a sync, in the order a person thinks of them, with the streams (and counters) behind each. */
const STEPS = [
  { name: 'catalog', label: 'Plans and coupons', streams: ['prices', 'products', 'coupons'], counters: ['prices', 'products', 'coupons'] },
  { name: 'customers', label: 'Customers', streams: ['customers'], counters: ['customers'] },
  { name: 'subscriptions', label: 'Subscriptions', streams: ['subscriptions'], counters: ['subscriptions'] },
  { name: 'payments', label: 'Payments', streams: ['charges'], counters: ['payments'] },
  { name: 'invoices', label: 'Invoices', streams: ['invoices'], counters: ['invoices'] },
  { name: 'refunds', label: 'Refunds', streams: ['refunds'], counters: ['refunds'] },
  { name: 'disputes', label: 'Disputes', streams: ['disputes'], counters: ['disputes'] },
] as const;

export interface SyncStep {
  name: string;
  label: string;
  imported: number;
  /** What the last complete sync imported: "of about N". Null on a first sync. */
  expected: number | null;
  done: boolean;
}

export type RunForStatus = Pick<
  SyncRunRow,
  'id' | 'kind' | 'status' | 'phase' | 'counts' | 'cursors' | 'error' | 'advice' | 'retry' | 'dismissed_by' | 'started_at' | 'finished_at'
>;

export function completionMessage(counts: Record<string, number>): string {
  const skipped = counts.skipped ?? 0;
  const notImported = skipped > 0 ? ` ${skipped} ${skipped === 1 ? 'object' : 'objects'} could not be imported.` : '';
  return `Sync complete — ${counts.customers ?? 0} customers imported.${notImported}`;
}

function stepsOf(run: RunForStatus, previous: Record<string, number> | null): SyncStep[] {
  const cursors = Object.entries(run.cursors as Record<string, StreamCursor>);
  return STEPS.map((step) => {
    const own = cursors.filter(([key]) => (step.streams as readonly string[]).includes(streamOf(key)));
    const sum = (counts: Record<string, number> | null) => step.counters.reduce((n, c) => n + (counts?.[c] ?? 0), 0);
    return {
      name: step.name,
      label: step.label,
      imported: sum(run.counts),
      expected: previous ? sum(previous) : null,
      done: run.status === 'succeeded' || (own.length > 0 && own.every(([, c]) => c.done)),
    };
  });
}

const count = (n: number) => n.toLocaleString('en-US');

/** "Importing payments — 541 of about 700"; "Starting — connecting to Stripe"; "Complete". */
export function phaseLabel(run: RunForStatus, steps: SyncStep[]): string {
  if (run.status === 'succeeded') return 'Complete';
  if (run.status === 'failed') return 'Failed';
  if (run.status === 'canceled') return 'Stopped';
  const started = steps.some((s) => s.imported > 0 || s.done);
  if (!started) return run.retry ? 'Starting — waiting for Stripe' : 'Starting — connecting to Stripe';
  // The list that moved last, unless it has finished; then the first one still going.
  const current =
    steps.find((s) => !s.done && STEPS.find((d) => d.name === s.name)!.streams.some((x) => x === run.phase)) ?? steps.find((s) => !s.done);
  if (!current) return 'Finishing — computing health scores';
  const of =
    current.expected !== null && current.expected >= current.imported && current.expected > 0
      ? ` of about ${count(current.expected)}`
      : ' so far';
  return `Importing ${current.label.toLowerCase()} — ${count(current.imported)}${of}`;
}

/** The message the banner leads with. */
function messageOf(run: RunForStatus, counts: Record<string, number>): string {
  switch (run.status) {
    case 'succeeded':
      return completionMessage(counts);
    case 'running':
      return 'Syncing Stripe data…';
    case 'canceled':
      return `Sync stopped: ${run.error ?? 'canceled'}`;
    default:
      return `Sync failed: ${run.error ?? 'unknown error'}`;
  }
}

/** What the UI shows about a run: one object for the banner and the tile. */
export function runDto(
  run: RunForStatus,
  extra: { skipped?: { type: string; id: string; reason: string }[]; previous?: Record<string, number> | null; dismissed?: boolean } = {},
) {
  const counts = {
    customers: 0,
    subscriptions: 0,
    payments: 0,
    invoices: 0,
    anonymous_charges_skipped: 0,
    refunds: 0,
    disputes: 0,
    skipped: 0,
    ...run.counts,
  };
  const steps = stepsOf(run, extra.previous ?? null);
  return {
    id: run.id,
    kind: run.kind,
    status: run.status,
    phase: run.phase,
    phaseLabel: phaseLabel(run, steps),
    steps,
    counts,
    message: messageOf(run, counts),
    error: run.status === 'failed' || run.status === 'canceled' ? run.error : null,
    advice: run.status === 'failed' || run.status === 'canceled' ? run.advice : null,
    retry: run.status === 'running' ? (run.retry as SyncRetry | null) : null,
    dismissed: extra.dismissed ?? false,
    skipped: extra.skipped ?? [],
    startedAt: run.started_at.toISOString(),
    finishedAt: run.finished_at?.toISOString() ?? null,
  };
}

export type SyncRunDto = ReturnType<typeof runDto>;

/** Why a Stripe call is being tried again, in words. */
export function retryReason(err: unknown): string {
  const status = (err as { statusCode?: number }).statusCode;
  if (status === 429) return 'Stripe is rate-limiting requests';
  if (status !== undefined && status >= 500) return `Stripe answered with a server error (${status})`;
  if (err instanceof Stripe.errors.StripeConnectionError) return 'Stripe could not be reached';
  return 'Stripe did not answer';
}

/** A run that cannot go on: the cause, and what to do about it (the guide's troubleshooting, in its words). */
export function describeFailure(err: unknown, supportEmail: string): { error: string; advice: string } {
  const retry = `Click Retry sync to start a fresh import. If it fails again, note this message and contact support at ${supportEmail}.`;
  if (err instanceof Stripe.errors.StripePermissionError || err instanceof Stripe.errors.StripeAuthenticationError) {
    return {
      error: 'Stripe refused access to the connected account; it may have been disconnected in Stripe.',
      advice: 'Reconnect Stripe (Settings → Integrations → ⋮ → Disconnect, then Connect Stripe), then click Retry sync.',
    };
  }
  if (err instanceof Stripe.errors.StripeRateLimitError) return { error: 'Stripe kept rate-limiting the sync.', advice: retry };
  if (err instanceof Stripe.errors.StripeConnectionError) return { error: 'Stripe could not be reached.', advice: retry };
  if (err instanceof Stripe.errors.StripeError) {
    const status = err.statusCode;
    return {
      error: status && status >= 500 ? `Stripe kept answering with server errors (${status}).` : `Stripe answered: ${err.message}`,
      advice: retry,
    };
  }
  return { error: 'An internal error stopped the sync.', advice: retry };
}
