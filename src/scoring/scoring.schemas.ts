import { z } from 'zod';
import { scoringConfigSchema } from './scoring.config.js';

// Two rules JSON Schema cannot state are checked too (400 validation_failed); the description says them.
export const scoringConfigBody = scoringConfigSchema.meta({
  id: 'ScoringConfig',
  description:
    'At least one weight besides sentiment must be above 0 (a sentiment weight left out is 5), and the thresholds must satisfy 0 < yellow < green ≤ 100.',
});

const distribution = z.object({
  green: z.number(),
  yellow: z.number(),
  red: z.number(),
  none: z.number(),
  churned: z.number().describe('Churned customers: in no level, whatever the configuration'),
});

export const previewResponse = z
  .object({
    config: scoringConfigSchema,
    currentConfig: scoringConfigSchema,
    customers: z.number(),
    current: distribution.describe('Risk distribution under the saved configuration'),
    distribution: distribution.describe('Risk distribution under the candidate configuration'),
    changed: z.number().describe('How many customers who have not churned would change risk level'),
    changes: z
      .array(
        z.object({
          id: z.string(),
          name: z.string().nullable(),
          email: z.string().nullable(),
          from: z.enum(['green', 'yellow', 'red']).nullable(),
          to: z.enum(['green', 'yellow', 'red']).nullable(),
          score: z.number().nullable(),
        }),
      )
      .describe('The customers that would change level (at most 200)'),
  })
  .meta({ id: 'ScoringPreview' });

export const accepted = z.object({ status: z.literal('queued'), message: z.string() });
