import { Link } from 'react-router';
import { Card } from '../components/states';
import { isAdmin, useMe } from '../lib/session';

/** The step after sign-up: what happens next, and the way to Stripe. */
export function WelcomePage() {
  const me = useMe();
  return (
    <div className="mx-auto max-w-xl space-y-4">
      <h1 className="text-2xl font-semibold">Welcome{me.data?.user ? `, ${me.data.user.name}` : ''}</h1>
      <Card title="Next: connect Stripe">
        <p className="text-sm text-slate-700">
          PulseScore reads your customers, subscriptions, payments and invoices from Stripe (read-only: it can never create charges or
          refunds), then scores every customer&apos;s health.
        </p>
        <div className="mt-4 flex gap-3">
          {isAdmin(me.data) && (
            <Link
              to="/settings/integrations"
              className="rounded-md bg-indigo-600 px-3 py-2 text-sm font-semibold text-white hover:bg-indigo-700"
            >
              Go to Integrations
            </Link>
          )}
          <Link to="/" className="rounded-md border border-slate-300 px-3 py-2 text-sm font-medium">
            Skip for now
          </Link>
        </div>
      </Card>
    </div>
  );
}
