import { type App, authErrors, errorSchema, noContent, uuidParam } from '../core/http.js';
import type { Authenticate } from '../auth/authenticate.js';
import { orgContext } from '../auth/roles.js';
import {
  digestBody,
  historyQuery,
  historyResponse,
  notificationsResponse,
  ruleBody,
  rulePatch,
  ruleSchema,
  rulesResponse,
} from './alerts.schemas.js';
import type { AlertsService } from './alerts.service.js';
import { z } from 'zod';

const tags = ['Alerts'];
const idParam = z.strictObject({
  id: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'is not a valid id'),
});

export function registerAlertRoutes(app: App, deps: { alerts: AlertsService; authenticate: Authenticate }) {
  const { alerts, authenticate } = deps;
  const ctx = async (request: Parameters<Authenticate>[0]) => orgContext(await authenticate(request));

  app.get('/alerts/rules', { schema: { tags, summary: 'Alert rules', response: { 200: rulesResponse, ...authErrors } } }, async (request) =>
    alerts.listRules(await ctx(request)),
  );
  app.post(
    '/alerts/rules',
    {
      schema: {
        tags,
        summary:
          'Create an alert rule (admin); 422 when it is well-formed but cannot be saved (a kind without its parameters, no channel, an unknown recipient, a URL that may not be used)',
        body: ruleBody,
        response: { 201: ruleSchema, ...authErrors, 422: errorSchema },
      },
    },
    async (request, reply) => reply.status(201).send(await alerts.createRule(await ctx(request), request.body)),
  );
  app.get(
    '/alerts/rules/:id',
    { schema: { tags, summary: 'An alert rule', params: idParam, response: { 200: ruleSchema, ...authErrors } } },
    async (request) => alerts.getRule(await ctx(request), request.params.id),
  );
  app.patch(
    '/alerts/rules/:id',
    {
      schema: {
        tags,
        summary: 'Change an alert rule, or enable/disable it (admin)',
        params: idParam,
        body: rulePatch,
        response: { 200: ruleSchema, ...authErrors, 422: errorSchema },
      },
    },
    async (request) => alerts.updateRule(await ctx(request), request.params.id, request.body),
  );
  app.delete(
    '/alerts/rules/:id',
    { schema: { tags, summary: 'Delete an alert rule (admin)', params: idParam, response: { 204: noContent, ...authErrors } } },
    async (request, reply) => {
      await alerts.deleteRule(await ctx(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
  app.get(
    '/alerts/history',
    {
      schema: {
        tags,
        summary: 'Fired alerts with each channel’s delivery status (newest first)',
        querystring: historyQuery,
        response: { 200: historyResponse, ...authErrors },
      },
    },
    async (request) => alerts.history(await ctx(request), request.query),
  );
  app.get(
    '/alerts/digest',
    { schema: { tags, summary: 'Whether you receive the weekly digest', response: { 200: digestBody, ...authErrors } } },
    async (request) => alerts.digest(await ctx(request)),
  );
  app.put(
    '/alerts/digest',
    {
      schema: {
        tags,
        summary: 'Turn your weekly digest of at-risk customers on or off',
        body: digestBody,
        response: { 200: digestBody, ...authErrors },
      },
    },
    async (request) => alerts.setDigest(await ctx(request), request.body.weeklyDigest),
  );

  app.get(
    '/notifications',
    {
      schema: {
        tags: ['Notifications'],
        summary: 'Your in-app notifications and unread count',
        response: { 200: notificationsResponse, ...authErrors },
      },
    },
    async (request) => alerts.notifications(await ctx(request)),
  );
  app.post(
    '/notifications/:id/read',
    {
      schema: {
        tags: ['Notifications'],
        summary: 'Mark a notification read',
        params: uuidParam,
        response: { 204: noContent, ...authErrors },
      },
    },
    async (request, reply) => {
      await alerts.markRead(await ctx(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
  app.post(
    '/notifications/read-all',
    { schema: { tags: ['Notifications'], summary: 'Mark every notification read', response: { 204: noContent, ...authErrors } } },
    async (request, reply) => {
      await alerts.markAllRead(await ctx(request));
      return reply.status(204).send(null);
    },
  );
}
