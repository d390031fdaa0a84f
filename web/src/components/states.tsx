import { type ReactNode, useId } from 'react';
import { Link } from 'react-router';
import { errorMessage } from '../lib/api';
import { Linkify } from './Linkify';

export function Spinner({ label = 'Loading…' }: { label?: string }) {
  return (
    <div role="status" className="flex items-center gap-2 p-6 text-sm text-slate-600">
      <span className="h-4 w-4 animate-spin rounded-full border-2 border-slate-300 border-t-indigo-600" aria-hidden="true" />
      {label}
    </div>
  );
}

export function ErrorState({ error, retry, back }: { error: unknown; retry?: () => void; back?: { to: string; label: string } }) {
  return (
    <div role="alert" className="rounded-lg border border-red-200 bg-red-50 p-4 text-sm text-red-800">
      <p>
        <Linkify text={errorMessage(error)} />
      </p>
      {(retry || back) && (
        <p className="mt-2 flex flex-wrap gap-4">
          {retry && (
            <button type="button" onClick={retry} className="font-medium underline">
              Try again
            </button>
          )}
          {back && (
            <Link to={back.to} className="font-medium underline">
              {back.label}
            </Link>
          )}
        </p>
      )}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center">
      <p className="font-medium text-slate-800">{title}</p>
      {children && <div className="mt-2 text-sm text-slate-600">{children}</div>}
    </div>
  );
}

/** A titled panel: a region named by its heading, so that it can be found and jumped to. */
export function Card({
  title,
  children,
  actions,
  level = 2,
  id,
}: {
  title?: string;
  children: ReactNode;
  actions?: ReactNode;
  level?: 2 | 3;
  id?: string;
}) {
  const Heading = level === 3 ? 'h3' : 'h2';
  const headingId = useId();
  return (
    <section
      id={id}
      aria-labelledby={title ? headingId : undefined}
      className="min-w-0 rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:p-5"
    >
      {(title || actions) && (
        <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
          {title && (
            <Heading id={headingId} className="text-base font-semibold text-slate-900">
              {title}
            </Heading>
          )}
          {actions}
        </div>
      )}
      {children}
    </section>
  );
}

/** Query states in one place: a spinner, the error with a retry, or the content. */
export function Loaded<T>({
  query,
  children,
  back,
}: {
  query: { data: T | undefined; error: unknown; isPending: boolean; refetch: () => unknown };
  back?: { to: string; label: string };
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <Spinner />;
  if (query.error || query.data === undefined) return <ErrorState error={query.error} retry={() => void query.refetch()} back={back} />;
  return <>{children(query.data)}</>;
}
