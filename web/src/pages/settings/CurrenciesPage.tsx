import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { Button, Field, FormError } from '../../components/forms';
import { Card, EmptyState, Loaded } from '../../components/states';
import { del, errorMessage, fieldErrors, post, put, get } from '../../lib/api';
import {
  code,
  COMMON_CURRENCIES,
  CURRENCY_DEPENDENT_QUERIES,
  type Currencies,
  convertedLabel,
  day,
  type ExchangeRate,
  today,
} from '../../lib/currencies';
import { money, plural } from '../../lib/format';
import { isAdmin, useMe } from '../../lib/session';

const LABELS = { base: 'From currency', quote: 'To currency', rate: 'Rate', effectiveFrom: 'Used from', currency: 'Reporting currency' };

function useRefresh() {
  const client = useQueryClient();
  return () => Promise.all(CURRENCY_DEPENDENT_QUERIES.map((queryKey) => client.invalidateQueries({ queryKey })));
}

function CurrencySelect({
  label,
  value,
  onChange,
  options,
  empty,
  disabled,
  error,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  options: string[];
  empty?: string;
  disabled?: boolean;
  error?: string | undefined;
}) {
  const id = useId();
  return (
    <div className="space-y-1 text-sm">
      <label htmlFor={id} className="block font-medium text-slate-800">
        {label}
      </label>
      <select
        id={id}
        value={value}
        disabled={disabled}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        className="block rounded-md border border-slate-300 bg-white px-2 py-2"
      >
        {empty !== undefined && <option value="">{empty}</option>}
        {options.map((c) => (
          <option key={c} value={c}>
            {code(c)}
          </option>
        ))}
      </select>
      {error && (
        <p id={`${id}-error`} className="text-xs text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}

function ReportingCurrency({ data, admin }: { data: Currencies; admin: boolean }) {
  const refresh = useRefresh();
  const current = data.reportingCurrency;
  const [choice, setChoice] = useState(current.source === 'set' ? (current.currency ?? '') : '');
  const save = useMutation({
    mutationFn: () => put<Currencies>('/currencies/reporting', { currency: choice || null }),
    onSuccess: refresh,
  });
  const options = [...new Set([...data.currencies.map((c) => c.currency), ...COMMON_CURRENCIES])].sort();
  const defaultText = current.source === 'default' && current.currency ? ` (now ${code(current.currency)})` : '';
  return (
    <Card title="Reporting currency">
      <p className="text-sm text-slate-700">
        The dashboard’s MRR, the MRR trend and the customers list’s MRR order are in{' '}
        <strong>{current.currency ? code(current.currency) : 'no currency yet'}</strong>
        {current.source === 'default' ? ', by the default rule' : ', chosen by an admin'}. Amounts in other currencies are added in only
        with an exchange rate you set below, and are always marked as converted.
      </p>
      <p className="mt-1 text-xs text-slate-600">{current.rule}</p>
      {admin ? (
        <form
          className="mt-3 flex flex-wrap items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            save.mutate();
          }}
        >
          <CurrencySelect
            label="Reporting currency"
            value={choice}
            onChange={setChoice}
            options={options}
            empty={`Default rule${defaultText}`}
          />
          <Button type="submit" disabled={save.isPending}>
            Save
          </Button>
          {save.isSuccess && !save.isPending && (
            <span role="status" className="text-sm text-green-800">
              Saved.
            </span>
          )}
        </form>
      ) : (
        <p className="mt-3 text-sm text-slate-600">Only admins and owners can change the reporting currency.</p>
      )}
      <FormError>{save.error && errorMessage(save.error, LABELS)}</FormError>
    </Card>
  );
}

function BilledCurrencies({ data }: { data: Currencies }) {
  if (data.currencies.length === 0) return null;
  return (
    <Card title="Currencies you bill in">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Each currency’s MRR and today’s rate into the reporting currency</caption>
        <thead className="border-b border-slate-200 text-slate-700">
          <tr>
            <th className="py-2 pr-3 font-medium">Currency</th>
            <th className="py-2 pr-3 font-medium">Paying customers</th>
            <th className="py-2 pr-3 text-right font-medium">MRR</th>
            <th className="py-2 font-medium">
              In {data.reportingCurrency.currency ? code(data.reportingCurrency.currency) : 'the reporting currency'}
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {data.currencies.map((c) => (
            <tr key={c.currency}>
              <td className="py-2 pr-3 font-medium">{code(c.currency)}</td>
              <td className="py-2 pr-3 tabular-nums">{c.payingCustomers.toLocaleString('en-US')}</td>
              <td className="py-2 pr-3 text-right tabular-nums">{money(c.mrr, c.currency)}</td>
              <td className="py-2">
                {c.status === 'reporting' && <span className="text-slate-600">the reporting currency</span>}
                {c.status === 'converted' && c.converted && data.reportingCurrency.currency && (
                  <span>
                    <span className="tabular-nums">{money(c.converted.amount, data.reportingCurrency.currency)}</span>{' '}
                    <span className="text-xs text-slate-600">{c.rate ? convertedLabel(c.rate) : ''}</span>
                  </span>
                )}
                {c.status === 'no_rate' && (
                  <span className="rounded bg-amber-100 px-1.5 py-0.5 text-xs font-medium text-amber-900">
                    Not added in: {c.reason ?? 'no rate'}
                  </span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}

function AddRate({ data }: { data: Currencies }) {
  const refresh = useRefresh();
  const reporting = data.reportingCurrency.currency;
  const missing = data.currencies.find((c) => c.status === 'no_rate')?.currency;
  const [base, setBase] = useState(missing ?? data.currencies.find((c) => c.currency !== reporting)?.currency ?? 'eur');
  const [quote, setQuote] = useState(reporting ?? 'usd');
  const [rate, setRate] = useState('');
  const [effectiveFrom, setEffectiveFrom] = useState(today());
  const add = useMutation({
    mutationFn: () => post<ExchangeRate>('/currencies/rates', { base, quote, rate: rate.trim(), effectiveFrom }),
    onSuccess: async () => {
      setRate('');
      await refresh();
    },
  });
  const errors = fieldErrors(add.error);
  const options = [...new Set([...data.currencies.map((c) => c.currency), ...COMMON_CURRENCIES])].sort();
  return (
    <form
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        add.mutate();
      }}
    >
      <div className="flex flex-wrap items-start gap-3">
        <CurrencySelect label={LABELS.base} value={base} onChange={setBase} options={options} error={errors.base} />
        <CurrencySelect label={LABELS.quote} value={quote} onChange={setQuote} options={options} error={errors.quote} />
        <div className="w-40">
          <Field
            label={LABELS.rate}
            value={rate}
            onChange={(e) => setRate(e.target.value)}
            inputMode="decimal"
            required
            placeholder="1.0825"
            hint={`1 ${code(base)} = ? ${code(quote)}`}
            error={errors.rate}
          />
        </div>
        <div className="w-44">
          <Field
            label={LABELS.effectiveFrom}
            type="date"
            value={effectiveFrom}
            onChange={(e) => setEffectiveFrom(e.target.value)}
            required
            hint="Used from this day (UTC) on"
            error={errors.effectiveFrom}
          />
        </div>
      </div>
      <Button type="submit" disabled={add.isPending}>
        Add rate
      </Button>
      {/* An error about one field is said beside it; any other here. */}
      <FormError>{add.error && Object.keys(errors).length === 0 && errorMessage(add.error, LABELS)}</FormError>
    </form>
  );
}

function Rates({ data, admin }: { data: Currencies; admin: boolean }) {
  const refresh = useRefresh();
  const remove = useMutation({ mutationFn: (id: string) => del(`/currencies/rates/${id}`), onSuccess: refresh });
  return (
    <Card title="Exchange rates">
      <p className="mb-3 text-sm text-slate-700">
        A rate is used from its day on, until a later rate of the same pair. Keep the older ones: each month of the MRR trend is converted
        with the rate of its own day. A rate set the other way round (USD→EUR for EUR→USD) is used inverted.
      </p>
      {admin ? <AddRate data={data} /> : <p className="text-sm text-slate-600">Only admins and owners can set exchange rates.</p>}
      <div className="mt-4">
        {data.rates.length === 0 ? (
          <EmptyState title="No exchange rates yet">
            Without a rate, amounts in other currencies are shown on their own and never added to the reporting currency.
          </EmptyState>
        ) : (
          <table className="w-full text-left text-sm">
            <caption className="sr-only">Exchange rates, {plural(data.rates.length, 'rate')}</caption>
            <thead className="border-b border-slate-200 text-slate-700">
              <tr>
                <th className="py-2 pr-3 font-medium">Pair</th>
                <th className="py-2 pr-3 font-medium">Rate</th>
                <th className="py-2 pr-3 font-medium">Used from</th>
                <th className="py-2 pr-3 font-medium">
                  <span className="sr-only">In use</span>
                </th>
                {admin && (
                  <th className="py-2 font-medium">
                    <span className="sr-only">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {data.rates.map((r) => (
                <tr key={r.id}>
                  <td className="py-2 pr-3 font-medium">
                    {code(r.base)}→{code(r.quote)}
                  </td>
                  <td className="py-2 pr-3 tabular-nums">
                    1 {code(r.base)} = {r.rate} {code(r.quote)}
                  </td>
                  <td className="py-2 pr-3">
                    <time dateTime={r.effectiveFrom}>{day(r.effectiveFrom)}</time>
                    {r.effectiveFrom > data.asOf && <span className="ml-1 text-xs text-slate-600">(not yet)</span>}
                  </td>
                  <td className="py-2 pr-3">
                    {r.inUse && <span className="rounded bg-green-100 px-1.5 py-0.5 text-xs font-medium text-green-900">in use today</span>}
                  </td>
                  {admin && (
                    <td className="py-2 text-right">
                      <Button
                        variant="secondary"
                        disabled={remove.isPending}
                        onClick={() => remove.mutate(r.id)}
                        aria-label={`Delete the ${code(r.base)}→${code(r.quote)} rate of ${day(r.effectiveFrom)}`}
                      >
                        Delete
                      </Button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <FormError>{remove.error && errorMessage(remove.error)}</FormError>
    </Card>
  );
}

export function CurrenciesPage() {
  const me = useMe();
  const admin = isAdmin(me.data);
  const currencies = useQuery({ queryKey: ['currencies'], queryFn: () => get<Currencies>('/currencies') });
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-semibold">Currencies</h1>
      <Loaded query={currencies}>
        {(data) => (
          <>
            <ReportingCurrency data={data} admin={admin} />
            <BilledCurrencies data={data} />
            <Rates data={data} admin={admin} />
          </>
        )}
      </Loaded>
    </div>
  );
}
