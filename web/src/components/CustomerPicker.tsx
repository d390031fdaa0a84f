import { useQuery } from '@tanstack/react-query';
import { type KeyboardEvent, useEffect, useId, useState } from 'react';
import { get } from '../lib/api';

export interface PickedCustomer {
  id: string;
  name: string | null;
  email: string | null;
  externalId: string;
}

export const customerLabel = (c: PickedCustomer) => c.name ?? c.email ?? c.externalId;

/** The text typed, once the user has paused typing (no request per keystroke). */
function useSettled(value: string, ms: number): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/**
 * A customer field that suggests as you type (name, email or Stripe id, as the customer list's search): a combobox
 * whose options are picked with the mouse or the arrow keys and Enter. Typing again forgets the pick; the caller
 * decides what a typed text without a pick means.
 */
export function CustomerPicker({
  label,
  text,
  onText,
  picked,
  onPick,
  error,
}: {
  label: string;
  text: string;
  onText: (text: string) => void;
  picked: PickedCustomer | null;
  onPick: (customer: PickedCustomer) => void;
  error?: string | null;
}) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const settled = useSettled(text.trim(), 200);
  const searching = settled.length >= 2 && picked === null;
  const found = useQuery({
    queryKey: ['customer-picker', settled],
    queryFn: () => get<{ customers: PickedCustomer[] }>(`/customers?q=${encodeURIComponent(settled)}&pageSize=8`),
    enabled: searching,
    staleTime: 30_000,
  });
  const options = searching ? (found.data?.customers ?? []) : [];
  const expanded = open && searching && found.data !== undefined;
  const pick = (c: PickedCustomer) => {
    onPick(c);
    setOpen(false);
    setActive(-1);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      setOpen(true);
      if (options.length > 0) {
        const step = e.key === 'ArrowDown' ? 1 : -1;
        setActive((a) => (a + step + options.length) % options.length);
      }
    } else if (e.key === 'Enter' && expanded && options[active]) {
      e.preventDefault();
      pick(options[active]);
    } else if (e.key === 'Escape' && expanded) {
      e.preventDefault();
      setOpen(false);
    }
  };
  return (
    <div className="relative space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <input
        id={id}
        role="combobox"
        aria-expanded={expanded}
        aria-controls={`${id}-list`}
        aria-autocomplete="list"
        aria-activedescendant={expanded && options[active] ? `${id}-${active}` : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        aria-invalid={error ? true : undefined}
        autoComplete="off"
        value={text}
        placeholder="Customer name, email or Stripe id"
        required
        onChange={(e) => {
          onText(e.target.value);
          setOpen(true);
          setActive(-1);
        }}
        onFocus={() => setOpen(true)}
        // Later than a click on an option, which would otherwise find the list gone.
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onKeyDown={onKeyDown}
        className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-indigo-500"
      />
      <ul
        id={`${id}-list`}
        role="listbox"
        aria-label="Suggested customers"
        hidden={!expanded}
        className="absolute inset-x-0 top-full z-20 mt-1 max-h-64 overflow-auto rounded-md border border-slate-200 bg-white py-1 text-sm shadow-lg"
      >
        {options.length === 0 && (
          <li role="presentation" className="px-3 py-2 text-slate-600">
            No customer matches “{settled}”.
          </li>
        )}
        {options.map((c, i) => (
          <li
            key={c.id}
            id={`${id}-${i}`}
            role="option"
            aria-selected={i === active}
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => pick(c)}
            className={`cursor-pointer px-3 py-2 ${i === active ? 'bg-indigo-50' : 'hover:bg-slate-50'}`}
          >
            <span className="block truncate font-medium text-slate-900">{customerLabel(c)}</span>
            <span className="block truncate text-xs text-slate-600">{[c.email, c.externalId].filter(Boolean).join(' · ')}</span>
          </li>
        ))}
      </ul>
      {error && (
        <p id={`${id}-error`} className="text-xs text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}
