import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { Button, FormError } from '../../components/forms';
import { Card, Loaded } from '../../components/states';
import { When } from '../../components/When';
import { ApiError, errorMessage, get, post } from '../../lib/api';
import { plural } from '../../lib/format';
import type { ImportDone, Imports } from '../../lib/usage-types';

type Kind = 'usage' | 'tickets';

const KINDS: Record<Kind, { label: string; columns: string; example: string }> = {
  usage: {
    label: 'Usage',
    columns: 'date, customer, events, and optionally event and active_users',
    example: 'date,customer,event,events,active_users\n2026-11-02,cus_123,Report Viewed,42,5',
  },
  tickets: {
    label: 'Support tickets',
    columns: 'ticket_id, customer, opened_at, and optionally status (open or solved), priority, solved_at, satisfaction, subject',
    example:
      'ticket_id,customer,opened_at,status,priority,solved_at,satisfaction,subject\nT-1,ops@acme.example,2026-11-02,solved,high,2026-11-03,good,Export fails',
  },
};

interface Rejected {
  errorCount: number;
  errors: { row: number; column: string; value: string; message: string }[];
  errorReportUrl: string;
}

function RejectedRows({ r }: { r: Rejected }) {
  return (
    <div className="space-y-2">
      <table className="w-full table-fixed text-left text-xs break-words">
        <caption className="sr-only">Rows with errors</caption>
        <thead className="text-slate-600">
          <tr>
            <th className="w-10 py-1 pr-2 font-medium">Line</th>
            <th className="py-1 pr-3 font-medium">Column</th>
            <th className="py-1 pr-3 font-medium">Value</th>
            <th className="py-1 font-medium">Problem</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {r.errors.slice(0, 10).map((e, i) => (
            <tr key={`${e.row}-${e.column}-${i}`}>
              <td className="py-1 pr-3 tabular-nums">{e.row}</td>
              <td className="py-1 pr-3">
                <code>{e.column}</code>
              </td>
              <td className="py-1 pr-3 break-all">{e.value === '' ? <span className="text-slate-500">(empty)</span> : e.value}</td>
              <td className="py-1">{e.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {r.errorCount > 10 && <p className="text-xs text-slate-600">… and {plural(r.errorCount - 10, 'more error')}.</p>}
      <a className="inline-block font-medium text-indigo-700 underline" href={r.errorReportUrl} download>
        Download the error report (CSV, every error)
      </a>
    </div>
  );
}

/** CSV backfill of usage or tickets: every row checked first, all or nothing, errors listed and downloadable. */
export function CsvImport({ admin }: { admin: boolean }) {
  const client = useQueryClient();
  const imports = useQuery({ queryKey: ['data-sources', 'imports'], queryFn: () => get<Imports>('/data-sources/imports') });
  const [kind, setKind] = useState<Kind>('usage');
  const [file, setFile] = useState<File | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const upload = useMutation({
    mutationFn: async (f: File) => post<ImportDone>(`/data-sources/imports/${kind}`, { csv: await f.text(), filename: f.name }),
    onSuccess: () => {
      setFile(null);
      if (input.current) input.current.value = '';
    },
    onSettled: () => client.invalidateQueries({ queryKey: ['data-sources'] }),
  });
  const rejected =
    upload.error instanceof ApiError && upload.error.code === 'import_rejected'
      ? (upload.error.details as Rejected | undefined)
      : undefined;
  const done = upload.data;
  return (
    <Card title="Import from CSV (backfill)">
      <div className="space-y-3 text-sm">
        <p className="text-slate-700">
          <code>customer</code> is a Stripe customer id, a customer’s email or a matched Segment group. Every row is checked first: one bad
          row imports nothing, and every error is listed.
        </p>
        {admin ? (
          <form
            className="space-y-3"
            onSubmit={(e) => {
              e.preventDefault();
              if (file) upload.mutate(file);
            }}
          >
            <fieldset className="space-y-1">
              <legend className="font-medium text-slate-800">What the file holds</legend>
              {(Object.keys(KINDS) as Kind[]).map((k) => (
                <label key={k} className="flex items-center gap-2">
                  <input
                    type="radio"
                    name="importKind"
                    checked={kind === k}
                    onChange={() => {
                      setKind(k);
                      upload.reset();
                    }}
                  />
                  {KINDS[k].label}
                </label>
              ))}
            </fieldset>
            <p className="text-slate-700">Columns: {KINDS[kind].columns}. For example:</p>
            <pre tabIndex={0} aria-label={`Example ${kind} CSV`} className="overflow-x-auto rounded-md bg-slate-100 p-2 text-xs">
              {KINDS[kind].example}
            </pre>
            <div className="flex flex-wrap items-end gap-3">
              <label className="min-w-0 space-y-1">
                <span className="block font-medium text-slate-800">CSV file</span>
                <input
                  ref={input}
                  type="file"
                  accept=".csv,text/csv"
                  className="block max-w-full text-sm file:mr-3 file:rounded-md file:border file:border-slate-300 file:bg-white file:px-3 file:py-2 file:text-sm file:font-semibold"
                  onChange={(e) => {
                    setFile(e.target.files?.[0] ?? null);
                    upload.reset();
                  }}
                />
              </label>
              <Button type="submit" disabled={!file || upload.isPending}>
                {upload.isPending ? 'Importing…' : `Import ${KINDS[kind].label.toLowerCase()}`}
              </Button>
            </div>
          </form>
        ) : (
          <p className="text-slate-600">Only admins and owners can import data.</p>
        )}
        <div role="status">
          {done && (
            <p className="rounded-md border border-emerald-200 bg-emerald-50 p-3 text-emerald-800">
              Imported {plural(done.rows, 'row')} for {plural(done.customers, 'customer')}. Their scores are being updated.
            </p>
          )}
        </div>
        <FormError>{upload.error ? errorMessage(upload.error) : null}</FormError>
        {rejected && <RejectedRows r={rejected} />}
        <Loaded query={imports}>
          {(d) =>
            d.imports.length === 0 ? null : (
              <div>
                <h3 className="font-medium text-slate-800">Recent imports</h3>
                <ul className="divide-y divide-slate-100">
                  {d.imports.map((i) => (
                    <li key={i.id} className="flex flex-wrap justify-between gap-x-3 gap-y-1 py-2">
                      <span className="min-w-0 break-words">
                        {KINDS[i.kind].label} · {i.filename ?? 'pasted'} · {plural(i.rows, 'row')} · <When at={i.createdAt} />
                      </span>
                      <span className={i.status === 'imported' ? 'text-emerald-700' : 'text-red-700'}>
                        {i.status === 'imported' ? 'Imported' : 'Rejected, nothing imported'}
                        {i.errorReportUrl && (
                          <>
                            {' '}
                            ·{' '}
                            <a className="underline" href={i.errorReportUrl} download>
                              {plural(i.errorCount, 'error')} (CSV)
                            </a>
                          </>
                        )}
                      </span>
                    </li>
                  ))}
                </ul>
              </div>
            )
          }
        </Loaded>
      </div>
    </Card>
  );
}
