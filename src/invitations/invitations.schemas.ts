import { z } from 'zod';
import { email } from '../auth/auth.schemas.js';
import { roleSchema } from '../organizations/organizations.schemas.js';

export const invitationSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    role: roleSchema,
    status: z.enum(['pending', 'accepted', 'rejected', 'canceled']),
    organization: z.object({ id: z.string(), name: z.string() }),
    invitedBy: z.string(),
    expiresAt: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'Invitation' });

export const invitationsResponse = z.object({ invitations: z.array(invitationSchema) });
export const createInvitationBody = z.strictObject({ email, role: roleSchema.default('member') });
export const acceptInvitationBody = z.strictObject({ invitationId: z.string().min(1).max(64) });
export const acceptInvitationResponse = z.object({ organization: z.object({ id: z.string(), name: z.string() }), role: roleSchema });
