import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { get, post } from '../lib/api';
import { ago } from '../lib/format';
import type { Notifications } from '../lib/types';

/** The bell: unread count, the latest notifications, mark read / all read. */
export function NotificationBell() {
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const list = useQuery({ queryKey: ['notifications'], queryFn: () => get<Notifications>('/notifications'), refetchInterval: 20_000 });
  const refresh = () => client.invalidateQueries({ queryKey: ['notifications'] });
  const read = useMutation({ mutationFn: (id: string) => post(`/notifications/${id}/read`), onSuccess: refresh });
  const readAll = useMutation({ mutationFn: () => post('/notifications/read-all'), onSuccess: refresh });
  const unread = list.data?.unread ?? 0;
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  // A disclosure: Escape closes it (focus back on the bell), and so does a press outside it.
  useEffect(() => {
    if (!open) return;
    const onDown = (e: PointerEvent) => {
      if (!root.current?.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setOpen(false);
        button.current?.focus();
      }
    };
    document.addEventListener('pointerdown', onDown, true);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('pointerdown', onDown, true);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);
  return (
    <div className="relative" ref={root}>
      <button
        ref={button}
        type="button"
        onClick={() => setOpen(!open)}
        aria-expanded={open}
        aria-controls={open ? 'notifications-panel' : undefined}
        aria-label={unread > 0 ? `Notifications, ${unread} unread` : 'Notifications'}
        className="relative rounded-md px-2 py-1 text-slate-700 hover:bg-slate-100"
      >
        <svg aria-hidden="true" viewBox="0 0 24 24" className="h-5 w-5" fill="none" stroke="currentColor" strokeWidth={2}>
          <path d="M15 17h5l-1.4-1.4A2 2 0 0 1 18 14.2V11a6 6 0 1 0-12 0v3.2a2 2 0 0 1-.6 1.4L4 17h5m6 0a3 3 0 1 1-6 0" />
        </svg>
        {unread > 0 && (
          <span className="absolute -top-1 -right-1 rounded-full bg-red-600 px-1.5 text-xs font-semibold text-white">
            {unread > 99 ? '99+' : unread}
          </span>
        )}
      </button>
      {open && (
        <div
          id="notifications-panel"
          className="fixed inset-x-2 top-14 z-20 rounded-lg border border-slate-200 bg-white shadow-lg sm:absolute sm:inset-x-auto sm:top-auto sm:right-0 sm:mt-2 sm:w-80"
          role="region"
          aria-label="Notifications"
        >
          <div className="flex items-center justify-between border-b border-slate-100 px-3 py-2">
            <span className="text-sm font-semibold">Notifications</span>
            <button
              type="button"
              onClick={() => readAll.mutate()}
              disabled={unread === 0}
              className="text-xs text-indigo-700 underline disabled:text-slate-400 disabled:no-underline"
            >
              Mark all read
            </button>
          </div>
          {list.data?.notifications.length ? (
            <ul className="max-h-96 divide-y divide-slate-100 overflow-auto" tabIndex={0} aria-label="Latest notifications">
              {list.data.notifications.map((n) => (
                <li key={n.id} className={`px-3 py-2 text-sm ${n.read ? '' : 'bg-indigo-50'}`}>
                  <Link
                    to={n.link}
                    onClick={() => {
                      if (!n.read) read.mutate(n.id);
                      setOpen(false);
                    }}
                    className="font-medium text-slate-900 hover:underline"
                  >
                    {n.title}
                  </Link>
                  <p className="text-xs text-slate-600">
                    {n.body} · {ago(n.createdAt)}
                  </p>
                  {!n.read && (
                    <button type="button" onClick={() => read.mutate(n.id)} className="text-xs text-indigo-700 underline">
                      Mark read
                    </button>
                  )}
                </li>
              ))}
            </ul>
          ) : (
            <p className="px-3 py-4 text-sm text-slate-600">{list.isPending ? 'Loading…' : 'No notifications yet.'}</p>
          )}
        </div>
      )}
    </div>
  );
}
