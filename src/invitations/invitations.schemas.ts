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

/** What admins see: the invitation and, when they hold at least its role, the link to hand out. */
export const invitationWithLinkSchema = invitationSchema
  .extend({
    url: z
      .string()
      .nullable()
      .describe('The invitation link (it carries the secret token); null when the viewer may not hand out this role'),
  })
  .meta({ id: 'InvitationWithLink' });

export const invitationToken = z
  .string()
  .min(16)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, 'is not a valid invitation token');
export const invitationTokenParam = z.strictObject({ token: invitationToken });

export const invitationsResponse = z.object({ invitations: z.array(invitationWithLinkSchema) });
export const createInvitationBody = z.strictObject({ email, role: roleSchema.default('member') });
export const acceptInvitationBody = z.union([
  z.strictObject({ token: invitationToken.describe('The secret token from the invitation email or link') }),
  z.strictObject({
    invitationId: z.string().min(1).max(64).describe('Only for invitations sent before links carried a token; needs a confirmed email'),
  }),
]);
export const acceptInvitationResponse = z.object({ organization: z.object({ id: z.string(), name: z.string() }), role: roleSchema });
