import type { InputHTMLAttributes, ReactNode } from 'react';
import { useId } from 'react';
import { Linkify } from './Linkify';

export function Field({
  label,
  hint,
  error,
  ...input
}: InputHTMLAttributes<HTMLInputElement> & { label: string; hint?: ReactNode; error?: string | null }) {
  const id = useId();
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <input
        id={id}
        aria-describedby={hint || error ? `${id}-hint` : undefined}
        aria-invalid={error ? true : undefined}
        className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-indigo-500"
        {...input}
      />
      {(hint || error) && (
        <p id={`${id}-hint`} className={`text-xs ${error ? 'text-red-700' : 'text-slate-600'}`}>
          {error ?? hint}
        </p>
      )}
    </div>
  );
}

export function Button({
  children,
  variant = 'primary',
  ...props
}: React.ButtonHTMLAttributes<HTMLButtonElement> & { variant?: 'primary' | 'secondary' | 'danger' }) {
  const styles = {
    primary: 'bg-indigo-600 text-white hover:bg-indigo-700 disabled:bg-indigo-400',
    secondary: 'border border-slate-300 bg-white text-slate-800 hover:bg-slate-50 disabled:text-slate-400',
    danger: 'bg-red-600 text-white hover:bg-red-700 disabled:bg-red-400',
  }[variant];
  return (
    <button type="button" {...props} className={`rounded-md px-3 py-2 text-sm font-semibold shadow-sm ${styles} ${props.className ?? ''}`}>
      {children}
    </button>
  );
}

export function FormError({ children }: { children: ReactNode }) {
  if (!children) return null;
  return (
    <p role="alert" className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800">
      {typeof children === 'string' ? <Linkify text={children} /> : children}
    </p>
  );
}

export function AuthFrame({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <div className="w-full max-w-sm space-y-6 rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
        <div>
          <p className="text-lg font-bold text-indigo-700">PulseScore</p>
          <h1 className="mt-2 text-xl font-semibold">{title}</h1>
        </div>
        {children}
      </div>
    </main>
  );
}
