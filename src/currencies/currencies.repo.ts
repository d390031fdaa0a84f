import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import type { CurrencyStanding, ExchangeRate } from '../revenue/exchange-rates.js';

export interface StoredRate extends ExchangeRate {
  id: string;
  createdAt: Date;
  createdBy: string | null;
}

/** Minor units of a currency to minor units of the reporting currency: × num / den (both integers, as text). */
export interface SqlFactor {
  currency: string;
  num: string;
  den: string;
}

/**
 * A customer's MRR in the reporting currency, in SQL (the customers list sorts on it): the sum over its currencies
 * (`mrr_by_currency`) of each amount converted with its factor, rounded to a whole minor unit as
 * `convertMinor` does; the reporting currency's own amount as it is. Null when any non-zero amount has no factor:
 * an amount without a rate is never added in.
 */
export function convertedMrrSql(reporting: string, factors: SqlFactor[]): RawBuilder<string | null> {
  const values =
    factors.length > 0
      ? sql.join(factors.map((f) => sql`(${f.currency}::text, ${f.num}::numeric, ${f.den}::numeric)`))
      : sql`(null::text, null::numeric, null::numeric)`;
  // Nearly every customer pays in one currency, its main one (`mrr` is then all of `mrr_by_currency`): a CASE on
  // the column, no JSON walked. Only customers with MRR in several currencies add up their parts.
  const single = sql.join(
    factors.map(
      (f) => sql`when customers.mrr_currency = ${f.currency}::text then round(customers.mrr * ${f.num}::numeric / ${f.den}::numeric)`,
    ),
    sql` `,
  );
  return sql<string | null>`(case
    when customers.mrr_by_currency - coalesce(customers.mrr_currency, '') = '{}'::jsonb then
      case when customers.mrr = 0 then 0 when customers.mrr_currency = ${reporting}::text then customers.mrr ${single} end
    else (
      select case when bool_and(e.key = ${reporting}::text or f.num is not null or e.value::numeric = 0)
        then sum(case when e.key = ${reporting}::text then e.value::numeric
                      when f.num is null then 0
                      else round(e.value::numeric * f.num / f.den) end) end
      from jsonb_each_text(customers.mrr_by_currency) e
      left join (values ${values}) as f(currency, num, den) on f.currency = e.key
    )
  end)`;
}

export function createCurrenciesRepo(db: Kysely<Database>) {
  return {
    async settings(orgId: string) {
      return db
        .selectFrom('currency_settings')
        .select(['reporting_currency', 'default_currency', 'default_at'])
        .where('org_id', '=', orgId)
        .executeTakeFirst();
    },

    /** Chooses the reporting currency (null: back to the default rule, worked out afresh). */
    async setReportingCurrency(orgId: string, currency: string | null, userId: string | null): Promise<void> {
      const values = { reporting_currency: currency, default_currency: null, default_at: null, updated_by: userId, updated_at: new Date() };
      await db
        .insertInto('currency_settings')
        .values({ org_id: orgId, ...values })
        .onConflict((oc) => oc.column('org_id').doUpdateSet(values))
        .execute();
    },

    /** Keeps what the default rule gave (never over a chosen currency). */
    async rememberDefault(orgId: string, currency: string | null, at: Date): Promise<void> {
      await db
        .insertInto('currency_settings')
        .values({ org_id: orgId, default_currency: currency, default_at: at })
        .onConflict((oc) => oc.column('org_id').doUpdateSet({ default_currency: currency, default_at: at }))
        .execute();
    },

    async rates(orgId: string): Promise<StoredRate[]> {
      const rows = await db
        .selectFrom('exchange_rates')
        .select(['id', 'base', 'quote', 'rate', 'created_at', 'created_by'])
        .select(sql<string>`to_char(effective_from, 'YYYY-MM-DD')`.as('effective_from'))
        .where('org_id', '=', orgId)
        .orderBy('base')
        .orderBy('quote')
        .orderBy('effective_from', 'desc')
        .execute();
      return rows.map((r) => ({
        id: r.id,
        base: r.base,
        quote: r.quote,
        rate: r.rate,
        effectiveFrom: r.effective_from,
        createdAt: r.created_at,
        createdBy: r.created_by,
      }));
    },

    /** Null when the organization already has a rate for the pair on that day. */
    async insertRate(
      orgId: string,
      rate: { base: string; quote: string; rate: string; effectiveFrom: string },
      userId: string | null,
    ): Promise<string | null> {
      const row = await db
        .insertInto('exchange_rates')
        .values({
          org_id: orgId,
          base: rate.base,
          quote: rate.quote,
          rate: rate.rate,
          effective_from: rate.effectiveFrom,
          created_by: userId,
        })
        .onConflict((oc) => oc.columns(['org_id', 'base', 'quote', 'effective_from']).doNothing())
        .returning('id')
        .executeTakeFirst();
      return row?.id ?? null;
    },

    async deleteRate(orgId: string, id: string): Promise<boolean> {
      const res = await db.deleteFrom('exchange_rates').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },

    /** Per currency: how many customers pay in it now (MRR above zero) and their MRR. */
    async standings(orgId: string): Promise<CurrencyStanding[]> {
      const rows = await sql<{ currency: string; paying: string; mrr: string }>`
        select e.key as currency, count(*) filter (where e.value::numeric > 0) as paying, sum(e.value::numeric) as mrr
        from customers c, jsonb_each_text(c.mrr_by_currency) e
        where c.org_id = ${orgId} and c.deleted_at is null
        group by e.key order by e.key`.execute(db);
      return rows.rows.map((r) => ({ currency: r.currency, payingCustomers: Number(r.paying), mrr: Number(r.mrr) }));
    },

    /**
     * Whether any customer has MRR in another currency than `reporting` (then amounts can only be ordered once
     * converted). Stops at the first such customer.
     */
    async mixesCurrencies(orgId: string, reporting: string): Promise<boolean> {
      const rows = await sql<{ mixed: boolean }>`
        select exists (
          select 1 from customers
          where org_id = ${orgId} and deleted_at is null
            and ((mrr > 0 and mrr_currency is distinct from ${reporting}::text)
                 or mrr_by_currency - coalesce(mrr_currency, '') <> '{}'::jsonb)
        ) as mixed`.execute(db);
      return rows.rows[0]?.mixed ?? false;
    },

    /** Customers paying in any of `currencies` now, the largest MRR of each currency first, and how many there are. */
    async payingIn(orgId: string, currencies: string[], limit: number) {
      if (currencies.length === 0) return { total: 0, customers: [] };
      const rows = await sql<{ id: string; name: string | null; email: string | null; currency: string; amount: string; total: string }>`
        select c.id, c.name, c.email, e.key as currency, e.value as amount, count(*) over () as total
        from customers c, jsonb_each_text(c.mrr_by_currency) e
        where c.org_id = ${orgId} and c.deleted_at is null and e.key = any(${currencies}::text[]) and e.value::numeric > 0
        order by e.key, e.value::numeric desc, c.id
        limit ${limit}`.execute(db);
      return {
        total: Number(rows.rows[0]?.total ?? 0),
        customers: rows.rows.map((r) => ({ id: r.id, name: r.name, email: r.email, currency: r.currency, amount: Number(r.amount) })),
      };
    },
  };
}

export type CurrenciesRepo = ReturnType<typeof createCurrenciesRepo>;
