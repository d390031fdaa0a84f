import { z } from 'zod';
import { roleSchema } from '../organizations/organizations.schemas.js';

export const memberSchema = z
  .object({ id: z.string(), userId: z.string(), name: z.string(), email: z.string(), role: roleSchema, joinedAt: z.string() })
  .meta({ id: 'Member' });

export const membersResponse = z.object({ members: z.array(memberSchema) });
export const changeRoleBody = z.strictObject({ role: roleSchema });
