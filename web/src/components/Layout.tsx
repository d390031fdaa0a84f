import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { NavLink, Outlet, useNavigate } from 'react-router';
import { errorMessage, post } from '../lib/api';
import { useMe } from '../lib/session';
import { HelpButton } from './HelpButton';
import { NotificationBell } from './NotificationBell';
import { SyncBanner } from './SyncBanner';

const link = ({ isActive }: { isActive: boolean }) =>
  `block rounded-md px-3 py-2 text-sm font-medium ${isActive ? 'bg-indigo-50 text-indigo-800' : 'text-slate-700 hover:bg-slate-100'}`;
const sublink = ({ isActive }: { isActive: boolean }) =>
  `block rounded-md py-1.5 pr-3 pl-6 text-sm ${isActive ? 'bg-indigo-50 font-medium text-indigo-800' : 'text-slate-700 hover:bg-slate-100'}`;

function OrganizationSwitcher() {
  const me = useMe();
  const client = useQueryClient();
  const navigate = useNavigate();
  const change = useMutation({
    mutationFn: (organizationId: string) => post('/me/active-organization', { organizationId }),
    onSuccess: async () => {
      await client.invalidateQueries();
      navigate('/');
    },
  });
  const orgs = me.data?.organizations ?? [];
  if (orgs.length === 0) return null;
  if (orgs.length === 1) return <span className="min-w-0 truncate text-sm font-medium text-slate-800">{orgs[0]!.name}</span>;
  return (
    <label className="flex items-center gap-2 text-sm">
      <span className="sr-only">Organization</span>
      <select
        value={me.data?.activeOrganizationId ?? ''}
        onChange={(e) => change.mutate(e.target.value)}
        className="max-w-40 rounded-md border border-slate-300 bg-white px-2 py-1 text-sm"
      >
        {orgs.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
          </option>
        ))}
      </select>
    </label>
  );
}

export function Layout() {
  const me = useMe();
  const client = useQueryClient();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const logout = useMutation({
    mutationFn: () => post('/auth/logout'),
    onSuccess: () => {
      client.clear();
      navigate('/login');
    },
  });
  const close = () => setOpen(false);
  return (
    <div className="min-h-screen md:flex">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-50 focus:rounded focus:bg-white focus:p-2"
      >
        Skip to content
      </a>
      <aside className="border-b border-slate-200 bg-white md:min-h-screen md:w-56 md:shrink-0 md:border-r md:border-b-0">
        <div className="flex items-center justify-between px-4 py-4">
          <NavLink to="/" className="text-lg font-bold text-indigo-700">
            PulseScore
          </NavLink>
          <button
            type="button"
            className="rounded-md border border-slate-300 px-2 py-1 text-sm md:hidden"
            aria-expanded={open}
            aria-controls="main-nav"
            onClick={() => setOpen(!open)}
          >
            Menu
          </button>
        </div>
        <nav id="main-nav" aria-label="Main" className={`${open ? 'block' : 'hidden'} space-y-1 px-2 pb-4 md:block`}>
          <NavLink to="/" end className={link} onClick={close}>
            Dashboard
          </NavLink>
          <NavLink to="/customers" className={link} onClick={close}>
            Customers
          </NavLink>
          <div>
            <NavLink to="/settings/integrations" className={link} onClick={close}>
              Settings
            </NavLink>
            <div className="mt-1 space-y-1" role="group" aria-label="Settings">
              <NavLink to="/settings/integrations" className={sublink} onClick={close}>
                Integrations
              </NavLink>
              <NavLink to="/settings/scoring" className={sublink} onClick={close}>
                Scoring
              </NavLink>
              <NavLink to="/settings/team" className={sublink} onClick={close}>
                Team
              </NavLink>
              <NavLink to="/settings/alerts" className={sublink} onClick={close}>
                Alerts
              </NavLink>
              <NavLink to="/settings/data-sources" className={sublink} onClick={close}>
                Data sources
              </NavLink>
              <NavLink to="/settings/currencies" className={sublink} onClick={close}>
                Currencies
              </NavLink>
              <NavLink to="/settings/api-keys" className={sublink} onClick={close}>
                API keys
              </NavLink>
            </div>
          </div>
        </nav>
      </aside>
      <div className="min-w-0 flex-1">
        <header className="flex items-center justify-between gap-3 border-b border-slate-200 bg-white px-4 py-2">
          <OrganizationSwitcher />
          <div className="flex shrink-0 items-center gap-3 text-sm">
            <NotificationBell />
            <span className="hidden text-slate-700 sm:inline">{me.data?.user?.name}</span>
            <button type="button" onClick={() => logout.mutate()} className="rounded-md px-2 py-1 text-slate-700 hover:bg-slate-100">
              Log out
            </button>
          </div>
        </header>
        {logout.error && (
          <p role="alert" className="px-4 py-2 text-sm text-red-800">
            {errorMessage(logout.error)}
          </p>
        )}
        <SyncBanner />
        {/* Room at the bottom so the help button never covers the last row of a page. */}
        <main id="main" className="mx-auto max-w-6xl p-4 pb-24 md:p-6 md:pb-24">
          <Outlet />
        </main>
      </div>
      <HelpButton />
    </div>
  );
}
