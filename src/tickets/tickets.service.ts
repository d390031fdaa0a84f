import type { Kysely } from 'kysely';
import { AppError, notFound } from '../core/errors.js';
import { type OrgContext, requireRole } from '../auth/roles.js';
import type { Database, SupportTicketsTable } from '../db/schema.js';
import type { Selectable } from 'kysely';
import { satisfactionOf } from './ticket-convention.js';
import { createTicketsRepo } from './tickets.repo.js';

export interface TicketsDeps {
  db: Kysely<Database>;
  now?: () => number;
  /** A customer's tickets changed: re-score it. */
  onCustomerChanged?: (orgId: string, customerId: string) => Promise<void>;
  /** The organization's first ticket: every customer's support factor changes (re-score them all). */
  onSupportConnected?: (orgId: string) => Promise<void>;
}

export interface TicketInput {
  ticketId: string;
  customer: string;
  status: 'open' | 'solved';
  priority?: 'low' | 'normal' | 'high' | 'urgent' | undefined;
  subject?: string | undefined;
  openedAt?: string | undefined;
  solvedAt?: string | undefined;
  satisfaction?: number | 'good' | 'bad' | null | undefined;
}

type Row = Pick<
  Selectable<SupportTicketsTable>,
  'id' | 'external_id' | 'subject' | 'priority' | 'status' | 'opened_at' | 'solved_at' | 'satisfaction' | 'source'
>;

const dto = (t: Row) => ({
  id: t.id,
  ticketId: t.external_id,
  subject: t.subject,
  priority: t.priority,
  status: t.status,
  openedAt: t.opened_at.toISOString(),
  solvedAt: t.solved_at?.toISOString() ?? null,
  satisfaction: t.satisfaction,
  source: t.source,
});

/** Support tickets sent to the API (`POST /support/tickets`): created or updated by ticket id. */
export function createTicketsService(deps: TicketsDeps) {
  const repo = createTicketsRepo(deps.db);
  const clock = deps.now ?? Date.now;

  async function customerId(orgId: string, ref: string): Promise<string> {
    const found = await repo.customersByReference(orgId, [ref]);
    const id = found.get(ref) ?? found.get(ref.toLowerCase());
    if (!id) throw notFound('Customer');
    return id;
  }

  return {
    async record(ctx: OrgContext, input: TicketInput) {
      requireRole(ctx, 'member', 'record support tickets');
      const customer = await customerId(ctx.orgId, input.customer);
      const now = new Date(clock()).toISOString();
      const openedAt = input.openedAt ? new Date(input.openedAt).toISOString() : now;
      const solvedAt = input.status === 'solved' ? (input.solvedAt ? new Date(input.solvedAt).toISOString() : now) : null;
      if (solvedAt && solvedAt < openedAt) throw new AppError(422, 'invalid_ticket', 'solvedAt is before openedAt.');
      if (input.status === 'open' && input.solvedAt)
        throw new AppError(422, 'invalid_ticket', 'solvedAt is only for a solved ticket (status: solved).');
      const { firstOfOrganization } = await repo.upsert(
        ctx.orgId,
        [
          {
            externalId: input.ticketId,
            subject: input.subject || null,
            priority: input.priority ?? null,
            openedAt,
            solvedAt,
            satisfaction: input.satisfaction === undefined || input.satisfaction === null ? null : satisfactionOf(input.satisfaction),
            customerId: customer,
            groupId: null,
            userKey: null,
          },
        ],
        'api',
      );
      if (firstOfOrganization && deps.onSupportConnected) await deps.onSupportConnected(ctx.orgId);
      else await deps.onCustomerChanged?.(ctx.orgId, customer);
      const row = await deps.db
        .selectFrom('support_tickets')
        .select(['id', 'external_id', 'subject', 'priority', 'status', 'opened_at', 'solved_at', 'satisfaction', 'source'])
        .where('org_id', '=', ctx.orgId)
        .where('external_id', '=', input.ticketId)
        .executeTakeFirstOrThrow();
      return dto(row);
    },

    async listForCustomer(ctx: OrgContext, id: string) {
      const exists = await deps.db
        .selectFrom('customers')
        .select('id')
        .where('org_id', '=', ctx.orgId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (!exists) throw notFound('Customer');
      return (await repo.list(ctx.orgId, id)).map(dto);
    },
  };
}

export type TicketsService = ReturnType<typeof createTicketsService>;
