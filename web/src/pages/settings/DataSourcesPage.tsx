import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Button, Field, FormError } from '../../components/forms';
import { Card, Loaded } from '../../components/states';
import { ApiError, errorMessage, fieldErrors, get, put } from '../../lib/api';
import { isAdmin, useMe } from '../../lib/session';
import type { DataSources } from '../../lib/usage-types';
import { CsvImport } from './CsvImport';
import { DataSourceEndpoint } from './DataSourceEndpoint';
import { UnmatchedIdentities } from './UnmatchedIdentities';

const MATCH_RULES = {
  trait: 'The group trait stripe_customer_id (the default)',
  metadata: 'A Stripe customer metadata key that holds the group id',
  email_domain: 'Email domain (of the group’s email or website, or the user’s email)',
} as const;

const RULE_NAMES = { trait: 'the stripe_customer_id trait', metadata: 'the Stripe metadata key', email_domain: 'email domain' } as const;

const LABELS = {
  metadataKey: 'The Stripe metadata key',
  rawRetentionDays: 'Keep raw events (days)',
  sentimentDays: 'A CSM sentiment counts for (days)',
};

function Settings({ data, admin }: { data: DataSources; admin: boolean }) {
  const client = useQueryClient();
  const [form, setForm] = useState(data.settings);
  const [saved, setSaved] = useState<string | null>(null);
  useEffect(() => setForm(data.settings), [data.settings]);
  const save = useMutation({
    // A key typed for the metadata rule and then left for another rule is not sent (it would be refused, out of sight).
    mutationFn: () =>
      put<DataSources>('/data-sources/settings', { ...form, metadataKey: form.matchBy === 'metadata' ? form.metadataKey : null }),
    onSuccess: async (next) => {
      const rematched = next.settings.matchBy !== data.settings.matchBy || next.settings.metadataKey !== data.settings.metadataKey;
      setSaved(
        rematched
          ? `Saved. Groups and users not mapped by hand are being matched again by ${RULE_NAMES[next.settings.matchBy]}; scores follow in a moment.`
          : 'Saved.',
      );
      client.setQueryData(['data-sources'], next);
      await client.invalidateQueries({ queryKey: ['data-sources', 'unmatched'] });
    },
    onMutate: () => setSaved(null),
  });
  const errors = fieldErrors(save.error);
  if (save.error instanceof ApiError && save.error.code === 'metadata_key_required')
    errors.metadataKey = 'Name the Stripe metadata key that holds the group id.';
  // What no visible field shows is said above the button.
  const shown = Object.keys(errors).filter((f) => f !== 'metadataKey' || form.matchBy === 'metadata');
  const general = save.error && shown.length === 0 ? errorMessage(save.error, LABELS) : null;
  const edit = (next: Partial<typeof form>) => {
    setSaved(null);
    setForm({ ...form, ...next });
  };
  return (
    <Card title="Matching and retention">
      <form
        className="space-y-4"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <fieldset className="space-y-2" disabled={!admin}>
          <legend className="text-sm font-medium text-slate-800">A Segment group (or context.groupId) is a customer by</legend>
          {(Object.keys(MATCH_RULES) as (keyof typeof MATCH_RULES)[]).map((rule) => (
            <label key={rule} className="flex items-start gap-2 text-sm">
              <input
                type="radio"
                name="matchBy"
                checked={form.matchBy === rule}
                onChange={() => edit({ matchBy: rule })}
                className="mt-1"
              />
              <span>{MATCH_RULES[rule]}</span>
            </label>
          ))}
          {form.matchBy === 'metadata' && (
            <Field
              label="Stripe metadata key"
              value={form.metadataKey ?? ''}
              onChange={(e) => edit({ metadataKey: e.target.value || null })}
              hint="The customer’s metadata[key] in Stripe holds the Segment group id (letters, digits, _ . and -)."
              error={errors.metadataKey ?? null}
              required
              maxLength={40}
              pattern="[A-Za-z0-9_.\-]+"
            />
          )}
          <p className="text-xs text-slate-600">
            A user belongs to its group’s customer. Free-mail domains and domains several customers share match no one. Mappings made by
            hand (below) always win. Changing the rule matches every other group and user again.
          </p>
        </fieldset>
        <div className="grid gap-3 sm:grid-cols-2">
          <Field
            label="Keep raw events (days)"
            type="number"
            min={7}
            max={365}
            required
            value={form.rawRetentionDays}
            disabled={!admin}
            onChange={(e) => edit({ rawRetentionDays: Number(e.target.value) })}
            hint="From 7 to 365. Daily rollups stay; scores read only them."
            error={errors.rawRetentionDays ?? null}
          />
          <Field
            label="A CSM sentiment counts for (days)"
            type="number"
            min={1}
            max={365}
            required
            value={form.sentimentDays}
            disabled={!admin}
            onChange={(e) => edit({ sentimentDays: Number(e.target.value) })}
            hint="From 1 to 365, unless the sentiment says otherwise. Then it stops counting, visibly."
            error={errors.sentimentDays ?? null}
          />
        </div>
        <FormError>{general}</FormError>
        {admin ? (
          <div className="flex flex-wrap items-center gap-3">
            <Button type="submit" disabled={save.isPending}>
              {save.isPending ? 'Saving…' : 'Save'}
            </Button>
            <p role="status" className="text-sm text-emerald-700">
              {saved}
            </p>
          </div>
        ) : (
          <p className="text-sm text-slate-600">Only admins and owners can change these settings.</p>
        )}
      </form>
    </Card>
  );
}

/** Settings → Data sources: product usage and support tickets through the Segment-compatible API, matching, imports. */
export function DataSourcesPage() {
  const me = useMe();
  const admin = isAdmin(me.data);
  const sources = useQuery({ queryKey: ['data-sources'], queryFn: () => get<DataSources>('/data-sources') });
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-semibold">Data sources</h1>
      <Loaded query={sources}>
        {(data) => (
          <>
            <DataSourceEndpoint data={data} />
            <Settings data={data} admin={admin} />
          </>
        )}
      </Loaded>
      <UnmatchedIdentities admin={admin} />
      <CsvImport admin={admin} />
    </div>
  );
}
