import type { CustomerSummary, LifecycleState } from '../lib/types';

export const STATE_LABELS: Record<LifecycleState, string> = {
  trialing: 'Trial',
  active: 'Active',
  past_due: 'Past due',
  canceling: 'Canceling',
  churned: 'Churned',
  free: 'Free',
  no_billing: 'No billing',
};

const STYLES: Record<LifecycleState, string> = {
  trialing: 'bg-sky-100 text-sky-900 ring-sky-600/30',
  active: 'bg-emerald-50 text-emerald-900 ring-emerald-600/30',
  past_due: 'bg-orange-100 text-orange-900 ring-orange-600/30',
  canceling: 'bg-amber-100 text-amber-900 ring-amber-600/30',
  churned: 'bg-slate-200 text-slate-800 ring-slate-500/30',
  free: 'bg-violet-50 text-violet-900 ring-violet-600/30',
  no_billing: 'bg-slate-100 text-slate-700 ring-slate-400/30',
};

/** Where a customer stands in its billing life ("Trial — ends in 5 days"), before any score. */
export function StateBadge({ state, className = '' }: { state: CustomerSummary['state']; className?: string }) {
  const style = state.value ? STYLES[state.value] : 'bg-slate-100 text-slate-700 ring-slate-400/30';
  return (
    <span className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${style} ${className}`}>
      {state.label}
    </span>
  );
}
