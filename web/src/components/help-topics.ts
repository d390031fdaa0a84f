/**
 * The troubleshooting answers of the Stripe integration guide, each with the screen it talks about.
 * `{support}` stands for the support address (configurable on the server).
 */
export interface HelpTopic {
  id: string;
  title: string;
  points: string[];
  link: { to: string; label: string };
}

export const HELP_TOPICS: HelpTopic[] = [
  {
    id: 'connect-does-nothing',
    title: '“Connect Stripe” button does nothing',
    points: [
      'Browser redirect blocked: PulseScore navigates away from the current page to open Stripe’s consent page (no pop-up). Make sure no browser extension is intercepting the navigation.',
      'Already connected: if Stripe was connected in a previous session, disconnect it first (Settings → Integrations → ⋮ → Disconnect), then reconnect.',
    ],
    link: { to: '/settings/integrations', label: 'Open Settings → Integrations' },
  },
  {
    id: 'oauth-error',
    title: 'OAuth error after clicking “Allow access”',
    points: [
      'invalid_client — the Stripe Client ID is configured incorrectly. Contact support at {support}.',
      'access_denied — you clicked “Cancel” or denied access. Start again with Connect Stripe and click Allow access.',
      'redirect_uri_mismatch — the OAuth redirect address does not match. This is a configuration issue on the PulseScore side: contact support at {support}.',
    ],
    link: { to: '/settings/integrations', label: 'Open Settings → Integrations' },
  },
  {
    id: 'zero-customers',
    title: 'Sync completed but 0 customers imported',
    points: [
      'Confirm you authorized the correct Stripe account: the connected account ID is shown on the Stripe tile in Settings → Integrations.',
      'Test-mode accounts are supported, but an empty test account imports 0 customers.',
      'Check that the account has customers in the Stripe Dashboard → Customers (https://dashboard.stripe.com/customers).',
    ],
    link: { to: '/settings/integrations', label: 'See the connected account' },
  },
  {
    id: 'missing-customers',
    title: 'Some customers are missing',
    points: [
      'Only customers with at least one charge in the last 90 days are guaranteed to appear. Customers with no transaction history are synced but may appear without scores.',
      'Check that those customers exist in the connected Stripe account (live mode vs. test mode).',
    ],
    link: { to: '/customers', label: 'Open Customers' },
  },
  {
    id: 'slow-sync',
    title: 'Sync is taking longer than 5 minutes',
    points: [
      'Check the Last sync status on the Stripe tile (Settings → Integrations): it says what is being imported, and whether Stripe is rate-limiting or answering errors.',
      'Click Retry sync to start a fresh import.',
      'If the sync status shows an error, note the error message and contact support at {support}.',
    ],
    link: { to: '/settings/integrations', label: 'Check the Last sync status' },
  },
  {
    id: 'scores-na',
    title: 'Health scores show “N/A” after sync',
    points: [
      'A score needs at least one billing event per customer (a subscription, charge or invoice).',
      'Customers imported without any Stripe transactions get a score once billing activity arrives by webhook or a later sync.',
    ],
    link: { to: '/customers?risk=none', label: 'See customers without a score' },
  },
  {
    id: 'webhooks',
    title: 'Webhook events are not being received',
    points: [
      'Confirm the webhook is configured in the Stripe Dashboard → Developers → Webhooks (https://dashboard.stripe.com/webhooks).',
      'Use the webhook URL shown under Webhooks on the Stripe tile, and send the event types listed there.',
      'Verify the webhook signing secret is set in PulseScore (Settings → Integrations → Stripe → Webhook secret). The tile shows the last event received.',
    ],
    link: { to: '/settings/integrations#webhooks', label: 'Open the webhook settings' },
  },
  {
    id: 'scoring-config',
    title: 'Changing score weights and thresholds',
    points: ['Weights and risk thresholds are configurable per organization under Settings → Scoring → Configuration (admins and owners).'],
    link: { to: '/settings/scoring', label: 'Open Settings → Scoring' },
  },
  {
    id: 'usage-data',
    title: 'Sending product usage and support tickets (Segment)',
    points: [
      'Point Segment’s or RudderStack’s server library at PulseScore by changing only its host; the write key is any organization API key (Settings → API keys), sent as the basic-authentication user name.',
      'A group maps to a customer by its stripe_customer_id trait (or the rule chosen under Settings → Data sources). Groups and users that match no customer are listed there: map them by hand and their waiting events count.',
      'Support tickets: track Ticket Opened and Ticket Solved with ticket_id and priority, send them to POST /api/v1/support/tickets, or import a CSV (one bad row imports nothing; the errors are listed and downloadable).',
    ],
    link: { to: '/settings/data-sources', label: 'Open Settings → Data sources' },
  },
  {
    id: 'sentiment',
    title: 'Recording how a customer feels (CSM sentiment)',
    points: [
      'On a customer’s page, admins and the customer’s owner record a 1–5 sentiment with a note. It counts in the score until it expires (30 days unless chosen otherwise), then shows as expired and stops counting.',
      'Admins choose the owner on the same card, from the team’s members.',
    ],
    link: { to: '/customers', label: 'Open Customers' },
  },
  {
    id: 'disconnect',
    title: 'Disconnecting Stripe',
    points: [
      'Settings → Integrations → ⋮ on the Stripe tile → Disconnect, then confirm. Future syncs stop; existing customer records and scores are kept but no longer updated from Stripe data.',
    ],
    link: { to: '/settings/integrations', label: 'Open Settings → Integrations' },
  },
];
