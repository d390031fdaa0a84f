import { Link } from 'react-router';
import { CopyButton } from '../../components/CopyButton';
import { Card } from '../../components/states';
import { When } from '../../components/When';
import { plural } from '../../lib/format';
import type { DataSources } from '../../lib/usage-types';

const count = (n: number) => n.toLocaleString('en-US');

/** Where Segment (or RudderStack) sends to, with which write key, and what has arrived so far. */
export function DataSourceEndpoint({ data }: { data: DataSources }) {
  const s = data.status;
  const host = data.endpoint.host;
  const snippet = `new Analytics({ writeKey: 'psk_…', host: '${host}' })`;
  const curl = `curl -u 'psk_…:' -H 'content-type: application/json' \\\n  -d '{"batch":[{"type":"track","userId":"u1","event":"Report Viewed","context":{"groupId":"acme"}}]}' \\\n  ${host}/v1/batch`;
  return (
    <Card title="Segment-compatible endpoint">
      <div className="space-y-3 text-sm text-slate-700">
        <p>
          Point Segment’s server libraries (or RudderStack’s) at PulseScore by changing only their <code>host</code>: events go to{' '}
          {data.endpoint.paths.map((p, i) => (
            <span key={p}>
              {i > 0 && ', '}
              <code>{p}</code>
            </span>
          ))}{' '}
          on <code className="break-all">{host}</code>.
        </p>
        <p>
          <strong className="font-medium text-slate-900">Write key:</strong> any API key of this organization (
          <Link to="/settings/api-keys" className="font-medium text-indigo-700 underline">
            create one under Settings → API keys
          </Link>
          ; a member key is enough). It is sent with HTTP basic authentication as the user name, with an empty password — the Segment
          libraries do this for you.
        </p>
        <div className="space-y-1">
          <pre
            tabIndex={0}
            aria-label="Segment client set-up"
            className="overflow-x-auto rounded-md bg-slate-900 p-3 text-xs text-slate-100"
          >
            {snippet}
          </pre>
          <CopyButton value={snippet} what="Segment client set-up" />
        </div>
        <details>
          <summary className="cursor-pointer font-medium text-slate-800">Without a library: a batch with curl</summary>
          <pre tabIndex={0} aria-label="curl example" className="mt-2 overflow-x-auto rounded-md bg-slate-900 p-3 text-xs text-slate-100">
            {curl}
          </pre>
        </details>
        <p>
          <strong className="font-medium text-slate-900">Support tickets:</strong> track <code>Ticket Opened</code> and{' '}
          <code>Ticket Solved</code> with <code>ticket_id</code>, <code>priority</code> (low, normal, high, urgent) and optionally{' '}
          <code>satisfaction</code> (good or bad), or send them to <code>POST /api/v1/support/tickets</code>.
        </p>
        {s.lastEventAt === null ? (
          <p className="rounded-md border border-dashed border-slate-300 p-3 text-slate-600">
            No event received yet. Once your first batch arrives, this shows what came in and what is waiting for a match.
          </p>
        ) : (
          <dl
            aria-label="What PulseScore has received"
            className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 sm:grid-cols-[auto_1fr_auto_1fr]"
          >
            <dt className="text-slate-600">Last event received</dt>
            <dd>
              <When at={s.lastEventAt} />
            </dd>
            <dt className="text-slate-600">Customers with usage</dt>
            <dd>{count(s.customersWithUsage)}</dd>
            <dt className="text-slate-600">Raw events kept</dt>
            <dd>{count(s.rawEvents)}</dd>
            <dt className="text-slate-600">Events waiting for a match</dt>
            <dd className={s.waitingForMatch > 0 ? 'font-medium text-amber-800' : ''}>{count(s.waitingForMatch)}</dd>
            <dt className="text-slate-600">Groups</dt>
            <dd>
              {count(s.groups)}
              {s.unmatchedGroups > 0 && <span className="text-amber-800"> · {count(s.unmatchedGroups)} unmatched</span>}
            </dd>
            <dt className="text-slate-600">Users</dt>
            <dd>
              {count(s.users)}
              {s.unmatchedUsers > 0 && <span className="text-amber-800"> · {count(s.unmatchedUsers)} unmatched</span>}
            </dd>
            <dt className="text-slate-600">Support tickets</dt>
            <dd>{count(s.tickets)}</dd>
          </dl>
        )}
        {s.waitingForMatch > 0 && (
          <p className="text-slate-700">
            {plural(s.waitingForMatch, 'event')} {s.waitingForMatch === 1 ? 'belongs' : 'belong'} to groups or users that match no customer:
            they count as soon as they are mapped under{' '}
            <a href="#unmatched" className="font-medium text-indigo-700 underline">
              Unmatched groups and users
            </a>
            .
          </p>
        )}
      </div>
    </Card>
  );
}
