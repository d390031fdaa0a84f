import type { RiskLevel } from '../lib/types';

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

/** A score as a coloured badge; "N/A" with the reason as a tooltip when there is none. */
export function ScoreBadge({ score, level, reason }: { score: number | null; level: RiskLevel | null; reason?: string | null }) {
  if (score === null || level === null) {
    return (
      <span
        title={reason ?? 'No score yet'}
        aria-label={`No score: ${reason ?? 'not scored yet'}`}
        className="inline-flex cursor-help items-center rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700 ring-1 ring-slate-400/30 ring-inset"
      >
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
