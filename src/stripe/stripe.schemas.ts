import { z } from 'zod';

export const syncSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['initial', 'manual']),
    status: z.enum(['running', 'succeeded', 'failed', 'canceled']),
    phase: z.string().describe('The stream that moved last (internal name); show `phaseLabel`'),
    phaseLabel: z.string().describe('"Importing payments — 541 of about 700", "Starting — connecting to Stripe", "Complete"'),
    steps: z
      .array(
        z.object({
          name: z.string(),
          label: z.string(),
          imported: z.number(),
          expected: z.number().nullable().describe('What the last complete sync imported; null on a first sync'),
          done: z.boolean(),
        }),
      )
      .describe('The lists a sync walks, in order, each with its progress'),
    counts: z.record(z.string(), z.number()),
    message: z.string(),
    error: z.string().nullable(),
    advice: z.string().nullable().describe('What to do about a failed or stopped run'),
    retry: z
      .object({ reason: z.string(), attempt: z.number(), nextAttemptAt: z.string() })
      .nullable()
      .describe('A Stripe call being retried now: why, attempts so far, when the next goes'),
    dismissed: z.boolean().describe('The caller dismissed this finished run’s banner, or Stripe was disconnected since'),
    skipped: z
      .array(z.object({ type: z.string(), id: z.string(), reason: z.string() }))
      .describe('Objects this run could not import, with why (the first 20; `counts.skipped` has them all)'),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .meta({ id: 'SyncRun' });

export const stripeIntegrationSchema = z
  .object({
    provider: z.literal('stripe'),
    configured: z.boolean(),
    connected: z.boolean(),
    status: z.enum(['connected', 'disconnected', 'not_connected']),
    accountId: z.string().nullable(),
    livemode: z.boolean().nullable(),
    label: z.string().describe('"Stripe" or "Stripe (test)" for test-mode connections'),
    scope: z.string().nullable(),
    connectedAt: z.string().nullable(),
    disconnectedAt: z.string().nullable(),
    disconnectedBy: z.object({ name: z.string() }).nullable().describe('Who disconnected, when it was done in PulseScore'),
    disconnectReason: z.string().nullable().describe('"Disconnected in PulseScore by Ada." or "Access was revoked in Stripe."'),
    lastSync: syncSchema.nullable(),
    webhook: z.object({
      url: z.string().describe('The platform webhook URL to configure in Stripe'),
      accountEndpointUrl: z
        .string()
        .nullable()
        .describe('URL for an endpoint created in the connected account itself (uses the signing secret set here)'),
      signingSecretSet: z.boolean(),
      urls: z.array(z.object({ url: z.string(), purpose: z.string() })).describe('Each webhook URL and when to use it'),
      eventTypes: z.array(z.string()).describe('The event types to select for the endpoint in Stripe'),
      lastEventAt: z.string().nullable().describe('When the last webhook event was received'),
      lastEventType: z.string().nullable(),
    }),
  })
  .meta({ id: 'StripeIntegration' });

export const integrationsResponse = z.object({ integrations: z.array(stripeIntegrationSchema) });
export const connectResponse = z.object({ url: z.string() });
export const syncStartedResponse = z.object({ started: z.boolean(), sync: syncSchema });
export const syncProgressResponse = z.object({ sync: syncSchema.nullable() });
export const syncRunParams = z.strictObject({ id: z.guid() });
export const webhookSecretBody = z.strictObject({
  secret: z
    .string()
    .regex(/^whsec_[A-Za-z0-9_]+$/, 'must be a Stripe signing secret (whsec_…)')
    .max(200)
    .nullable(),
});
export const callbackQuery = z.object({
  code: z.string().max(500).optional(),
  state: z.string().max(500).optional(),
  scope: z.string().max(100).optional(),
  error: z.string().max(100).optional(),
  error_description: z.string().max(1000).optional(),
});
/** Stripe signs every delivery: `Stripe-Signature: t=…,v1=…`. */
export const webhookHeaders = z.object({
  'stripe-signature': z.string().min(1).max(10_000).describe('Stripe’s signature of the raw body'),
});
export const webhookAck = z.object({ received: z.boolean(), stored: z.number(), ignored: z.string().nullable() });
export const webhookTokenParam = z.strictObject({
  token: z
    .string()
    .min(10)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'is not a valid endpoint token'),
});
