import { z } from 'zod';
import { defineJob } from '../jobs/jobs.registry.js';

export const deliverMailJob = defineJob({
  name: 'mail.deliver',
  payload: z.object({ messageId: z.uuid() }),
  maxAttempts: 8,
  key: (p) => `mail.deliver:${p.messageId}`,
});
