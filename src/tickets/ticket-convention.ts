import type { TicketPriority } from '../db/schema.js';

/**
 * Support tickets sent as Segment track events: `Ticket Opened` and `Ticket Solved`, with `properties.ticket_id`
 * (or `ticketId`), `priority` (`low`, `normal`, `high`, `urgent`), an optional `satisfaction` (`good`/`bad`, a
 * number from 0 to 1, or a 1–5 rating) and an optional `subject`.
 */
export const TICKET_OPENED = 'Ticket Opened';
export const TICKET_SOLVED = 'Ticket Solved';
export const isTicketEvent = (event: string | null) => event === TICKET_OPENED || event === TICKET_SOLVED;

export const PRIORITIES: readonly TicketPriority[] = ['low', 'normal', 'high', 'urgent'];

/** A priority in the usual words of help desks (Zendesk, Intercom, Freshdesk); null when not given or unknown. */
export function priorityOf(value: unknown): TicketPriority | null {
  if (typeof value !== 'string') return null;
  const v = value.trim().toLowerCase();
  if ((PRIORITIES as string[]).includes(v)) return v as TicketPriority;
  if (v === 'medium') return 'normal';
  if (v === 'critical' || v === 'p1') return 'urgent';
  return null;
}

/** Satisfaction as 0 (bad) … 1 (good): `good`/`bad`, a 1–5 rating (whole numbers 1 to 5), or a share from 0 to 1. */
export function satisfactionOf(value: unknown): number | null {
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (v === 'good' || v === 'satisfied') return 1;
    if (v === 'bad' || v === 'unsatisfied' || v === 'dissatisfied') return 0;
    const n = Number(v);
    return v !== '' && Number.isFinite(n) ? satisfactionOf(n) : null;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  if (Number.isInteger(value) && value >= 1 && value <= 5) return (value - 1) / 4;
  if (value >= 0 && value <= 1) return value;
  return null;
}

export interface TicketPatch {
  externalId: string;
  subject: string | null;
  priority: TicketPriority | null;
  /** ISO times. */
  openedAt: string;
  solvedAt: string | null;
  satisfaction: number | null;
  customerId: string | null;
  groupId: string | null;
  userKey: string | null;
}

const text = (v: unknown, max: number) =>
  typeof v === 'string' && v.trim() !== '' ? v.trim().slice(0, max) : typeof v === 'number' ? String(v) : null;

/** What one ticket event says about its ticket; null when it names no ticket. */
export function ticketFromEvent(e: {
  event: string | null;
  messageId: string;
  properties: Record<string, unknown> | null;
  occurredAt: string;
  customerId: string | null;
  groupId: string | null;
  userKey: string | null;
}): TicketPatch | null {
  const p = e.properties ?? {};
  const solved = e.event === TICKET_SOLVED;
  const id = text(p.ticket_id, 200) ?? text(p.ticketId, 200) ?? (solved ? null : e.messageId);
  if (!id) return null;
  return {
    externalId: id,
    subject: text(p.subject, 300),
    priority: priorityOf(p.priority),
    openedAt: e.occurredAt,
    solvedAt: solved ? e.occurredAt : null,
    satisfaction: satisfactionOf(p.satisfaction),
    customerId: e.customerId,
    groupId: e.groupId,
    userKey: e.userKey,
  };
}
