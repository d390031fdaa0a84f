import { z } from 'zod';

export const email = z
  .email('must be a valid email address')
  .max(254)
  .transform((e) => e.trim().toLowerCase());
export const password = z.string().min(10, 'must be at least 10 characters').max(128, 'must be at most 128 characters');

export const userSchema = z
  .object({ id: z.string(), name: z.string(), email: z.string(), emailVerified: z.boolean() })
  .meta({ id: 'User' });

export const signupBody = z.strictObject({
  name: z.string().trim().min(1, 'is required').max(100),
  email,
  password,
  organizationName: z.string().trim().min(1).max(100).optional(),
  invitationToken: z
    .string()
    .min(16)
    .max(128)
    .regex(/^[A-Za-z0-9_-]+$/, 'is not a valid invitation token')
    .optional()
    .describe('The secret token of an invitation to this email address: the account joins that organization'),
});

export const loginBody = z.strictObject({ email, password: z.string().min(1, 'is required').max(128) });
export const forgotBody = z.strictObject({ email });
export const resetBody = z.strictObject({ token: z.string().min(1).max(512), password });
export const verifyQuery = z.strictObject({ token: z.string().min(1).max(2048) });
export const userResponse = z.object({ user: userSchema });
export const acceptedResponse = z.object({ message: z.string() });
