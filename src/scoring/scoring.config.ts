import { z } from 'zod';

export const FACTORS = ['payment_recency', 'mrr_trend', 'failed_payments', 'usage', 'support', 'sentiment'] as const;
export type FactorName = (typeof FACTORS)[number];

/**
 * The guide's default weights; the other 30 % belongs to product usage, support tickets and the team's own
 * sentiment (absent until such data exists, when their weight goes to the factors present).
 */
export const DEFAULT_WEIGHTS: Record<FactorName, number> = {
  payment_recency: 25,
  mrr_trend: 25,
  failed_payments: 20,
  usage: 15,
  support: 10,
  sentiment: 5,
};

/** Factors added after organizations had saved configurations: a stored (or sent) configuration without them gets their default. */
const LATER_FACTORS: readonly FactorName[] = ['sentiment'];
const weightSchema = (f: FactorName) => {
  const w = z.number().min(0, 'must be 0 or more').max(1000);
  return LATER_FACTORS.includes(f) ? w.default(DEFAULT_WEIGHTS[f]) : w;
};

export const scoringConfigSchema = z
  .strictObject({
    weights: z.strictObject(Object.fromEntries(FACTORS.map((f) => [f, weightSchema(f)])) as Record<FactorName, z.ZodNumber>),
    thresholds: z.strictObject({
      green: z.number().gt(0).max(100),
      yellow: z.number().gt(0).max(100),
    }),
  })
  // Sentiment alone cannot score customers (it is absent for most, and expires); a weight left out defaults above 0.
  .refine((c) => FACTORS.some((f) => f !== 'sentiment' && c.weights[f] > 0), {
    message: 'at least one weight must be above 0 (besides sentiment)',
    path: ['weights'],
  })
  .refine((c) => c.thresholds.yellow < c.thresholds.green, {
    message: 'yellow must be below green (0 < yellow < green ≤ 100)',
    path: ['thresholds', 'yellow'],
  });

export type ScoringConfig = z.infer<typeof scoringConfigSchema>;

export const DEFAULT_CONFIG: ScoringConfig = { weights: DEFAULT_WEIGHTS, thresholds: { green: 70, yellow: 40 } };

export type RiskLevel = 'green' | 'yellow' | 'red';

export function riskLevel(score: number, config: ScoringConfig): RiskLevel {
  return score >= config.thresholds.green ? 'green' : score >= config.thresholds.yellow ? 'yellow' : 'red';
}
