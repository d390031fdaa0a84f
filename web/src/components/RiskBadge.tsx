import type { RiskLevel } from '../lib/types';

/** The guide's colours of the risk levels (and grey for no score), where a class cannot be used (charts, bars). */
export const RISK_COLORS = { green: '#16a34a', yellow: '#ca8a04', red: '#dc2626', none: '#94a3b8' } as const;

const STYLES: Record<RiskLevel, string> = {
  green: 'bg-green-100 text-green-800 ring-green-600/30',
  yellow: 'bg-yellow-100 text-yellow-900 ring-yellow-600/30',
  red: 'bg-red-100 text-red-800 ring-red-600/30',
};
const LABELS: Record<RiskLevel, string> = { green: 'Healthy', yellow: 'At risk', red: 'Critical' };
const DOT: Record<RiskLevel, string> = { green: 'bg-green-600', yellow: 'bg-yellow-500', red: 'bg-red-600' };

/** The guide's colour for a risk level, as a dot (not an emoji: not every system has a colour emoji font). */
export function RiskDot({ level }: { level: RiskLevel | 'none' }) {
  return <span aria-hidden="true" className={`inline-block h-2.5 w-2.5 rounded-full ${level === 'none' ? 'bg-slate-400' : DOT[level]}`} />;
}

/**
 * A score as a coloured badge; "N/A" when there is none, with the reason written beside it (`showReason`: readable
 * without a mouse) or, where there is no room, as its accessible name and tooltip.
 */
export function ScoreBadge({
  score,
  level,
  reason,
  showReason = false,
}: {
  score: number | null;
  level: RiskLevel | null;
  reason?: string | null;
  showReason?: boolean;
}) {
  if (score === null || level === null) {
    const badge =
      'inline-flex items-center rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700 ring-1 ring-slate-400/30 ring-inset';
    if (showReason && reason) {
      return (
        <span className="inline-block">
          <span className={badge}>N/A</span>
          <span className="mt-1 block text-xs text-slate-600">
            <span className="sr-only">No score: </span>
            {reason}
          </span>
        </span>
      );
    }
    return (
      <span title={reason ?? 'No score yet'} aria-label={`No score: ${reason ?? 'not scored yet'}`} className={badge}>
        N/A
      </span>
    );
  }
  return (
    <span
      title={LABELS[level]}
      aria-label={`Score ${score}, ${LABELS[level]}`}
      className={`inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-semibold ring-1 ring-inset ${STYLES[level]}`}
    >
      {score}
    </span>
  );
}

export function RiskLabel({ level }: { level: RiskLevel | null }) {
  if (!level) return <span className="text-slate-600">No score</span>;
  return (
    <span className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${STYLES[level]}`}>
      {LABELS[level]}
    </span>
  );
}
