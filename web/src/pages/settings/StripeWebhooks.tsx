import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { CopyButton, CopyField } from '../../components/CopyButton';
import { Button, Field, FormError } from '../../components/forms';
import { When } from '../../components/When';
import { errorMessage, fieldErrors, put } from '../../lib/api';
import { dateTime } from '../../lib/format';
import type { StripeIntegration } from '../../lib/types';

/** Webhook settings: which URL is for what, the event types to select in Stripe, the last event received, the secret. */
export function Webhooks({ stripe }: { stripe: StripeIntegration }) {
  const client = useQueryClient();
  const [secret, setSecret] = useState('');
  const webhook = stripe.webhook;
  const saveSecret = useMutation({
    mutationFn: (value: string | null) => put<StripeIntegration>('/integrations/stripe/webhook-secret', { secret: value }),
    onSuccess: async () => {
      setSecret('');
      await client.invalidateQueries({ queryKey: ['integrations'] });
    },
  });
  const errors = fieldErrors(saveSecret.error);
  return (
    <section id="webhooks" aria-labelledby="webhooks-heading" className="space-y-4 border-t border-slate-100 pt-4">
      <h3 id="webhooks-heading" tabIndex={-1} className="text-base font-semibold">
        Webhooks
      </h3>
      <dl className="text-sm">
        <dt className="text-slate-600">Last event received</dt>
        <dd>
          {webhook.lastEventAt ? (
            <>
              <code className="text-xs break-all">{webhook.lastEventType ?? 'event'}</code> <When at={webhook.lastEventAt} /> (
              {dateTime(webhook.lastEventAt)})
            </>
          ) : (
            'No event received yet'
          )}
        </dd>
      </dl>
      {webhook.urls.map((u, i) => (
        <CopyField
          key={u.url}
          label={i === 0 ? 'Webhook URL' : i === 1 ? 'Webhook URL for an endpoint in your own Stripe account' : `Webhook URL ${i + 1}`}
          value={u.url}
          hint={u.purpose}
        />
      ))}
      <div className="space-y-1">
        <div className="flex flex-wrap items-center justify-between gap-2">
          <p className="text-sm font-medium text-slate-800">Event types to select in Stripe</p>
          <CopyButton value={webhook.eventTypes.join('\n')} what="event types">
            Copy all
          </CopyButton>
        </div>
        <ul className="flex flex-wrap gap-1.5" aria-label="Event types">
          {webhook.eventTypes.map((t) => (
            <li key={t}>
              <code className="rounded bg-slate-100 px-1.5 py-0.5 text-xs break-all">{t}</code>
            </li>
          ))}
        </ul>
      </div>
      <form
        className="space-y-2"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          saveSecret.mutate(secret.trim());
        }}
      >
        <Field
          label="Webhook secret"
          name="webhookSecret"
          type="password"
          autoComplete="off"
          placeholder="whsec_…"
          value={secret}
          onChange={(e) => {
            setSecret(e.target.value);
            if (saveSecret.error) saveSecret.reset();
          }}
          error={errors.secret ? `The webhook secret ${errors.secret}.` : null}
          hint={
            webhook.signingSecretSet
              ? 'A signing secret is set. Enter a new one to replace it.'
              : 'The signing secret (whsec_…) of the endpoint you created in your Stripe account.'
          }
        />
        <div className="flex flex-wrap gap-2">
          <Button type="submit" variant="secondary" disabled={!secret.trim() || saveSecret.isPending}>
            Save secret
          </Button>
          {webhook.signingSecretSet && (
            <Button variant="secondary" onClick={() => saveSecret.mutate(null)} disabled={saveSecret.isPending}>
              Remove secret
            </Button>
          )}
        </div>
        {/* A field's own problem is shown at the field; anything else here. */}
        <FormError>{saveSecret.error && !errors.secret && errorMessage(saveSecret.error, { secret: 'The webhook secret' })}</FormError>
        {saveSecret.isSuccess && (
          <p role="status" className="text-sm text-green-800">
            Saved.
          </p>
        )}
      </form>
    </section>
  );
}
