import { AppError } from '../core/errors.js';
import { type App, errorSchema, forwardCookies, noContent, redirect } from '../core/http.js';
import { acceptedResponse, forgotBody, loginBody, resetBody, signupBody, userResponse, verifyQuery } from './auth.schemas.js';
import type { AuthService } from './auth.service.js';
import { type Authenticate, clientHeaders } from './authenticate.js';
import { requireUser } from './roles.js';

const tags = ['Auth'];
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 409: errorSchema, 429: errorSchema };
/** Routes for people not signed in yet: no credentials needed (the OpenAPI document says so). */
const PUBLIC = { security: [] };

export function registerAuthRoutes(app: App, deps: { auth: AuthService; authenticate: Authenticate; appUrl: string }) {
  const { auth } = deps;

  app.post(
    '/auth/signup',
    {
      schema: {
        tags,
        summary: 'Create an account and its organization (or join an invitation)',
        ...PUBLIC,
        body: signupBody,
        response: { 201: userResponse, ...errors, 404: errorSchema, 410: errorSchema },
      },
    },
    async (request, reply) => {
      const result = await auth.signup(request.body, clientHeaders(request));
      forwardCookies(reply, result.setCookies);
      return reply.status(201).send({ user: result.user });
    },
  );

  app.post(
    '/auth/login',
    { schema: { tags, summary: 'Log in with email and password', ...PUBLIC, body: loginBody, response: { 200: userResponse, ...errors } } },
    async (request, reply) => {
      const result = await auth.login(request.body, clientHeaders(request));
      forwardCookies(reply, result.setCookies);
      return { user: result.user };
    },
  );

  app.post(
    '/auth/logout',
    { schema: { tags, summary: 'End the current session (a no-op without one)', ...PUBLIC, response: { 204: noContent, ...errors } } },
    async (request, reply) => {
      const result = await auth.logout(clientHeaders(request));
      forwardCookies(reply, result.setCookies);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/auth/password/forgot',
    {
      schema: { tags, summary: 'Email a password reset link', ...PUBLIC, body: forgotBody, response: { 202: acceptedResponse, ...errors } },
    },
    async (request, reply) => {
      await auth.requestPasswordReset(request.body.email, clientHeaders(request));
      return reply.status(202).send({ message: 'If an account exists for this email, a reset link is on its way.' });
    },
  );

  app.post(
    '/auth/password/reset',
    {
      schema: {
        tags,
        summary: 'Set a new password with the emailed token (410 when the link is unknown, used or expired)',
        ...PUBLIC,
        body: resetBody,
        response: { 204: noContent, ...errors, 410: errorSchema },
      },
    },
    async (request, reply) => {
      await auth.resetPassword(request.body, clientHeaders(request));
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/auth/verify-email',
    {
      schema: {
        tags,
        summary: 'Confirm an email address (the link in the verification email); redirects to the app either way',
        ...PUBLIC,
        querystring: verifyQuery,
        response: { 302: redirect, 400: errorSchema },
      },
    },
    async (request, reply) => {
      try {
        await auth.verifyEmail(request.query.token, clientHeaders(request));
        return reply.redirect(`${deps.appUrl}/?emailVerified=1`);
      } catch (err) {
        const code = err instanceof AppError ? err.code : 'invalid_token';
        return reply.redirect(`${deps.appUrl}/?emailVerified=0&error=${encodeURIComponent(code)}`);
      }
    },
  );

  app.post(
    '/auth/verify-email/resend',
    { schema: { tags, summary: 'Send the verification email again', response: { 202: acceptedResponse, ...errors } } },
    async (request, reply) => {
      const user = requireUser(await deps.authenticate(request), 'verify an email address');
      if (!user.emailVerified) await auth.resendVerification(user.email, clientHeaders(request));
      return reply.status(202).send({
        message: user.emailVerified ? 'Your email address is already confirmed.' : `A new confirmation link was sent to ${user.email}.`,
      });
    },
  );
}
