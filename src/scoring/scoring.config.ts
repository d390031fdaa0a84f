import { z } from 'zod';

export const FACTORS = ['payment_recency', 'mrr_trend', 'failed_payments', 'usage', 'support'] as const;
export type FactorName = (typeof FACTORS)[number];

/** The guide's default weights; usage and support belong to data sources PulseScore does not read yet. */
export const DEFAULT_WEIGHTS: Record<FactorName, number> = {
  payment_recency: 25,
  mrr_trend: 25,
  failed_payments: 20,
  usage: 15,
  support: 15,
};

export const scoringConfigSchema = z
  .strictObject({
    weights: z.strictObject(
      Object.fromEntries(FACTORS.map((f) => [f, z.number().min(0, 'must be 0 or more').max(1000)])) as Record<FactorName, z.ZodNumber>,
    ),
    thresholds: z.strictObject({
      green: z.number().gt(0).max(100),
      yellow: z.number().gt(0).max(100),
    }),
  })
  .refine((c) => Object.values(c.weights).some((w) => w > 0), { message: 'at least one weight must be above 0', path: ['weights'] })
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
