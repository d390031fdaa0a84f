import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { Button, Field, FormError } from '../../components/forms';
import { Card, EmptyState, Loaded } from '../../components/states';
import { When } from '../../components/When';
import { del, errorMessage, get, patch, post, put } from '../../lib/api';
import { isAdmin, useMe } from '../../lib/session';
import type { AlertHistory, AlertRule, AlertRules, Members } from '../../lib/types';

const KINDS = [
  { value: 'score_below', label: 'Score falls below…' },
  { value: 'score_drop', label: 'Score drops by N points within D days' },
  { value: 'risk_level', label: 'Risk level becomes red (or yellow)' },
  { value: 'payment_failed', label: 'A payment fails' },
  { value: 'subscription_canceled', label: 'A subscription is canceled' },
  { value: 'trial_ending', label: 'A trial ends within D days' },
  { value: 'trial_card_missing', label: 'A trial ends within D days with no card on file' },
] as const;
const isTrialKind = (k: string) => k === 'trial_ending' || k === 'trial_card_missing';
const kindLabel = (k: string) => KINDS.find((x) => x.value === k)?.label ?? k;

function describeRule(r: AlertRule): string {
  const p = r.params as { threshold?: number; points?: number; days?: number; level?: string };
  const what =
    r.kind === 'score_below'
      ? `score below ${p.threshold}`
      : r.kind === 'score_drop'
        ? `score drops ${p.points}+ points in ${p.days} days`
        : r.kind === 'risk_level'
          ? `becomes ${p.level === 'yellow' ? 'yellow or red' : 'red'}`
          : isTrialKind(r.kind)
            ? `trial ends within ${p.days ?? 3} days${r.kind === 'trial_card_missing' ? ', no card on file' : ''}`
            : kindLabel(r.kind).toLowerCase();
  const channels = [
    r.channels.email.length ? `email (${r.channels.email.length})` : null,
    r.channels.inApp ? 'in-app' : null,
    r.channels.slack ? 'Slack' : null,
    r.channels.webhookUrl ? 'webhook' : null,
  ].filter(Boolean);
  return `${what}${r.minMrr ? `, MRR ≥ ${r.minMrr}` : ''} → ${channels.join(', ')}`;
}

/** The API's field names, as the form names them. */
const RULE_LABELS: Record<string, string> = {
  name: 'Name',
  kind: 'When',
  'params.threshold': 'Score below',
  'params.points': 'Drop of at least',
  'params.days': 'Within (days)',
  'params.level': 'Level',
  minMrr: 'Minimum MRR',
  cooldownMinutes: 'Cooldown',
  'channels.email': 'Email recipients',
  'channels.slackWebhookUrl': 'The Slack incoming-webhook URL',
  'channels.webhookUrl': 'The outgoing webhook URL',
};

function RuleForm({ rule, onDone }: { rule: AlertRule | null; onDone: () => void }) {
  const client = useQueryClient();
  const members = useQuery({ queryKey: ['members'], queryFn: () => get<Members>('/members') });
  const p = (rule?.params ?? {}) as { threshold?: number; points?: number; days?: number; level?: string };
  const [kind, setKind] = useState<string>(rule?.kind ?? 'score_below');
  const [emailTo, setEmailTo] = useState<string[]>(rule?.channels.email ?? []);
  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) => (rule ? patch(`/alerts/rules/${rule.id}`, body) : post('/alerts/rules', body)),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['alert-rules'] });
      onDone();
    },
  });
  const memberIds = new Set(members.data?.members.map((m) => m.userId));
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const num = (k: string) => (f.get(k) ? Number(f.get(k)) : undefined);
    const params =
      kind === 'score_below'
        ? { threshold: num('threshold') }
        : kind === 'score_drop'
          ? { points: num('points'), days: num('days') }
          : kind === 'risk_level'
            ? { level: f.get('level') }
            : isTrialKind(kind)
              ? { days: num('trialDays') }
              : {};
    const extra = String(f.get('addresses') ?? '')
      .split(/[\s,]+/)
      .filter(Boolean);
    const slack = String(f.get('slack') ?? '').trim();
    save.mutate({
      name: String(f.get('name') ?? '').trim(),
      kind,
      params,
      minMrr: f.get('minMrr') ? Number(f.get('minMrr')) : null,
      cooldownMinutes: Math.round(Number(f.get('cooldownHours') ?? 24) * 60),
      channels: {
        email: [...emailTo.filter((e) => memberIds.has(e)), ...extra],
        inApp: f.get('inApp') === 'on',
        ...(slack ? { slackWebhookUrl: slack } : f.get('removeSlack') === 'on' ? { slackWebhookUrl: null } : {}),
        webhookUrl: String(f.get('webhookUrl') ?? '').trim() || null,
      },
    });
  };
  return (
    <Card title={rule ? `Edit “${rule.name}”` : 'New alert rule'}>
      <form onSubmit={submit} className="space-y-4">
        <Field label="Name" name="name" defaultValue={rule?.name ?? ''} required maxLength={100} />
        <label className="block space-y-1 text-sm">
          <span className="block font-medium">When</span>
          <select value={kind} onChange={(e) => setKind(e.target.value)} className="w-full rounded-md border border-slate-300 px-2 py-2">
            {KINDS.map((k) => (
              <option key={k.value} value={k.value}>
                {k.label}
              </option>
            ))}
          </select>
        </label>
        {kind === 'score_below' && (
          <Field label="Score below" name="threshold" type="number" min={1} max={100} defaultValue={p.threshold ?? 40} required />
        )}
        {kind === 'score_drop' && (
          <div className="grid grid-cols-2 gap-3">
            <Field label="Drop of at least (points)" name="points" type="number" min={1} max={100} defaultValue={p.points ?? 20} required />
            <Field label="Within (days)" name="days" type="number" min={1} max={365} defaultValue={p.days ?? 7} required />
          </div>
        )}
        {isTrialKind(kind) && (
          <Field label="Days before the trial ends" name="trialDays" type="number" min={1} max={30} defaultValue={p.days ?? 3} required />
        )}
        {kind === 'risk_level' && (
          <label className="block space-y-1 text-sm">
            <span className="block font-medium">Level</span>
            <select name="level" defaultValue={p.level ?? 'red'} className="rounded-md border border-slate-300 px-2 py-2">
              <option value="red">Critical (red)</option>
              <option value="yellow">At risk (yellow) or worse</option>
            </select>
          </label>
        )}
        <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
          <Field
            label="Only customers with MRR of at least (optional)"
            name="minMrr"
            type="number"
            min={0}
            step="any"
            defaultValue={rule?.minMrr ?? ''}
          />
          <Field
            label="Cooldown per customer (hours)"
            name="cooldownHours"
            type="number"
            min={0}
            max={720}
            step="any"
            defaultValue={(rule?.cooldownMinutes ?? 1440) / 60}
          />
        </div>
        <fieldset className="space-y-2">
          <legend className="text-sm font-medium">Email these members</legend>
          {members.data?.members.map((m) => (
            <label key={m.userId} className="flex items-center gap-2 text-sm">
              <input
                type="checkbox"
                checked={emailTo.includes(m.userId)}
                onChange={(e) => setEmailTo(e.target.checked ? [...emailTo, m.userId] : emailTo.filter((x) => x !== m.userId))}
              />
              {m.name} ({m.email})
            </label>
          ))}
        </fieldset>
        <Field
          label="…and these addresses"
          name="addresses"
          defaultValue={(rule?.channels.email ?? []).filter((e) => !memberIds.has(e)).join(', ')}
          hint="Separate addresses with commas."
        />
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" name="inApp" defaultChecked={rule?.channels.inApp ?? true} /> In-app notification for every member
        </label>
        <Field
          label="Slack incoming-webhook URL"
          name="slack"
          type="url"
          placeholder={rule?.channels.slack ? 'Set — enter a new URL to replace it' : 'https://hooks.slack.com/services/…'}
        />
        {rule?.channels.slack && (
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" name="removeSlack" /> Remove the Slack URL
          </label>
        )}
        <Field
          label="Outgoing webhook URL"
          name="webhookUrl"
          type="url"
          defaultValue={rule?.channels.webhookUrl ?? ''}
          hint="Receives signed JSON: header PulseScore-Signature: t=<unix>,v1=HMAC-SHA256(secret, `${t}.${body}`)."
        />
        {rule?.channels.webhookSecret && (
          <p className="text-sm">
            Signing secret: <code className="break-all">{rule.channels.webhookSecret}</code>
          </p>
        )}
        <FormError>{save.error && errorMessage(save.error, RULE_LABELS)}</FormError>
        <div className="flex gap-2">
          <Button type="submit" disabled={save.isPending}>
            {rule ? 'Save rule' : 'Create rule'}
          </Button>
          <Button variant="secondary" onClick={onDone}>
            Cancel
          </Button>
        </div>
      </form>
    </Card>
  );
}

function History() {
  const history = useQuery({
    queryKey: ['alert-history'],
    queryFn: () => get<AlertHistory>('/alerts/history?limit=50'),
    refetchInterval: 15_000,
  });
  return (
    <Card title="History">
      <Loaded query={history}>
        {(h) =>
          h.alerts.length === 0 ? (
            <p className="text-sm text-slate-600">No alert has fired yet.</p>
          ) : (
            <div className="overflow-x-auto" tabIndex={0} role="region" aria-label="Alert history">
              <table className="w-full text-left text-sm">
                <caption className="sr-only">Alerts fired, newest first</caption>
                <thead className="text-slate-600">
                  <tr>
                    <th scope="col" className="py-1 pr-3">
                      When
                    </th>
                    <th scope="col" className="py-1 pr-3">
                      Rule
                    </th>
                    <th scope="col" className="py-1 pr-3">
                      Customer
                    </th>
                    <th scope="col" className="py-1">
                      Channels
                    </th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {h.alerts.map((a) => (
                    <tr key={a.id}>
                      <td className="py-1 pr-3 whitespace-nowrap">
                        <When at={a.createdAt} />
                      </td>
                      <td className="py-1 pr-3">{a.rule.name}</td>
                      <td className="py-1 pr-3">
                        {a.customer ? (
                          <Link to={`/customers/${a.customer.id}`} className="text-indigo-700 hover:underline">
                            {a.customer.name ?? a.customer.id}
                          </Link>
                        ) : (
                          '—'
                        )}
                      </td>
                      <td className="py-1">
                        {a.deliveries.map((d) => (
                          <span
                            key={`${d.channel}${d.target}`}
                            className={`mr-2 inline-block ${d.status === 'failed' ? 'text-red-800' : d.status === 'pending' ? 'text-yellow-800' : 'text-green-800'}`}
                            title={d.error ?? undefined}
                          >
                            {d.channel.replace('_', '-')} {d.channel === 'email' ? d.target : ''}: {d.status}
                            {d.error ? ` (${d.error})` : ''}
                          </span>
                        ))}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
    </Card>
  );
}

export function AlertsPage() {
  const me = useMe();
  const admin = isAdmin(me.data);
  const client = useQueryClient();
  const rules = useQuery({ queryKey: ['alert-rules'], queryFn: () => get<AlertRules>('/alerts/rules') });
  const digest = useQuery({ queryKey: ['digest'], queryFn: () => get<{ weeklyDigest: boolean }>('/alerts/digest') });
  const [editing, setEditing] = useState<AlertRule | 'new' | null>(null);
  const toggle = useMutation({
    mutationFn: (r: AlertRule) => patch(`/alerts/rules/${r.id}`, { enabled: !r.enabled }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['alert-rules'] }),
  });
  const remove = useMutation({
    mutationFn: (r: AlertRule) => del(`/alerts/rules/${r.id}`),
    onSuccess: () => client.invalidateQueries({ queryKey: ['alert-rules'] }),
  });
  const setDigest = useMutation({
    mutationFn: (on: boolean) => put('/alerts/digest', { weeklyDigest: on }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['digest'] }),
  });
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-2xl font-semibold">Alerts</h1>
        {admin && !editing && <Button onClick={() => setEditing('new')}>New rule</Button>}
      </div>
      {editing && <RuleForm rule={editing === 'new' ? null : editing} onDone={() => setEditing(null)} />}
      <Card title="Rules">
        <Loaded query={rules}>
          {(data) =>
            data.rules.length === 0 ? (
              <EmptyState title="No alert rules yet">
                {admin ? 'Create one to hear about churn risk the moment it appears.' : 'An admin can create alert rules.'}
              </EmptyState>
            ) : (
              <ul className="divide-y divide-slate-100">
                {data.rules.map((r) => (
                  <li key={r.id} className="flex flex-wrap items-center justify-between gap-2 py-2 text-sm">
                    <span>
                      <span className="font-medium">{r.name}</span>
                      {!r.enabled && <span className="ml-2 rounded bg-slate-100 px-1.5 text-xs">disabled</span>}
                      <span className="block text-slate-600">{describeRule(r)}</span>
                    </span>
                    {admin && (
                      <span className="flex gap-2">
                        <Button variant="secondary" onClick={() => toggle.mutate(r)}>
                          {r.enabled ? 'Disable' : 'Enable'}
                        </Button>
                        <Button variant="secondary" onClick={() => setEditing(r)}>
                          Edit
                        </Button>
                        <Button variant="secondary" onClick={() => remove.mutate(r)} aria-label={`Delete ${r.name}`}>
                          Delete
                        </Button>
                      </span>
                    )}
                  </li>
                ))}
              </ul>
            )
          }
        </Loaded>
        <FormError>{(toggle.error ?? remove.error) && errorMessage(toggle.error ?? remove.error)}</FormError>
      </Card>
      <Card title="Weekly digest">
        <label className="flex items-center gap-2 text-sm">
          <input
            type="checkbox"
            checked={digest.data?.weeklyDigest ?? false}
            disabled={digest.isPending || setDigest.isPending}
            onChange={(e) => setDigest.mutate(e.target.checked)}
          />
          Email me a weekly digest of at-risk customers (Mondays)
        </label>
        <FormError>{setDigest.error && errorMessage(setDigest.error)}</FormError>
      </Card>
      <History />
    </div>
  );
}
