import './styles.css';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { lazy, StrictMode, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, Link, Navigate, Outlet, RouterProvider, useLocation } from 'react-router';
import { Layout } from './components/Layout';
import { ErrorState, Spinner } from './components/states';
import { ApiError } from './lib/api';
import { useMe } from './lib/session';
import { AcceptInvitationPage, ForgotPasswordPage, LoginPage, ResetPasswordPage, SignupPage } from './pages/auth/AuthPages';
import { DashboardPage } from './pages/DashboardPage';

// Pages beyond the dashboard load on demand: the first page stays small.
const CustomersPage = lazy(() => import('./pages/CustomersPage').then((m) => ({ default: m.CustomersPage })));
const CustomerDetailPage = lazy(() => import('./pages/CustomerDetailPage').then((m) => ({ default: m.CustomerDetailPage })));
const IntegrationsPage = lazy(() => import('./pages/settings/IntegrationsPage').then((m) => ({ default: m.IntegrationsPage })));
const ScoringPage = lazy(() => import('./pages/settings/ScoringPage').then((m) => ({ default: m.ScoringPage })));
const TeamPage = lazy(() => import('./pages/settings/TeamPage').then((m) => ({ default: m.TeamPage })));
const ApiKeysPage = lazy(() => import('./pages/settings/ApiKeysPage').then((m) => ({ default: m.ApiKeysPage })));
const AlertsPage = lazy(() => import('./pages/settings/AlertsPage').then((m) => ({ default: m.AlertsPage })));
const DataSourcesPage = lazy(() => import('./pages/settings/DataSourcesPage').then((m) => ({ default: m.DataSourcesPage })));
const CurrenciesPage = lazy(() => import('./pages/settings/CurrenciesPage').then((m) => ({ default: m.CurrenciesPage })));
const WelcomePage = lazy(() => import('./pages/WelcomePage').then((m) => ({ default: m.WelcomePage })));

function RequireSession() {
  const me = useMe();
  const location = useLocation();
  // A stale "signed out" answer being read again is not yet an answer.
  if (me.isPending || (!me.data && me.isFetching)) return <Spinner />;
  if (me.error) return <ErrorState error={me.error} retry={() => void me.refetch()} />;
  if (!me.data) return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  return <Outlet />;
}

function Page({ children }: { children: React.ReactNode }) {
  return <Suspense fallback={<Spinner />}>{children}</Suspense>;
}

function NotFound() {
  const location = useLocation();
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-semibold">Page not found</h1>
      <div className="space-y-3 rounded-xl border border-slate-200 bg-white p-5 text-sm shadow-sm">
        <p>
          There is no page at <code className="break-all">{location.pathname}</code>. The link may be old, or the address mistyped.
        </p>
        <p className="flex flex-wrap gap-x-6 gap-y-2">
          <Link to="/" className="font-medium text-indigo-700 underline">
            Back to the dashboard
          </Link>
          <Link to="/customers" className="font-medium text-indigo-700 underline">
            Customers
          </Link>
          <Link to="/settings/integrations" className="font-medium text-indigo-700 underline">
            Settings
          </Link>
        </p>
      </div>
    </div>
  );
}

const router = createBrowserRouter([
  { path: '/login', element: <LoginPage /> },
  { path: '/signup', element: <SignupPage /> },
  { path: '/forgot-password', element: <ForgotPasswordPage /> },
  { path: '/reset-password', element: <ResetPasswordPage /> },
  { path: '/invitations/:token', element: <AcceptInvitationPage /> },
  {
    element: <RequireSession />,
    children: [
      {
        element: <Layout />,
        children: [
          { index: true, element: <DashboardPage /> },
          {
            path: 'welcome',
            element: (
              <Page>
                <WelcomePage />
              </Page>
            ),
          },
          {
            path: 'customers',
            element: (
              <Page>
                <CustomersPage />
              </Page>
            ),
          },
          {
            path: 'customers/:id',
            element: (
              <Page>
                <CustomerDetailPage />
              </Page>
            ),
          },
          { path: 'settings', element: <Navigate to="/settings/integrations" replace /> },
          {
            path: 'settings/integrations',
            element: (
              <Page>
                <IntegrationsPage />
              </Page>
            ),
          },
          {
            path: 'settings/scoring',
            element: (
              <Page>
                <ScoringPage />
              </Page>
            ),
          },
          {
            path: 'settings/team',
            element: (
              <Page>
                <TeamPage />
              </Page>
            ),
          },
          {
            path: 'settings/alerts',
            element: (
              <Page>
                <AlertsPage />
              </Page>
            ),
          },
          {
            path: 'settings/data-sources',
            element: (
              <Page>
                <DataSourcesPage />
              </Page>
            ),
          },
          {
            path: 'settings/currencies',
            element: (
              <Page>
                <CurrenciesPage />
              </Page>
            ),
          },
          {
            path: 'settings/api-keys',
            element: (
              <Page>
                <ApiKeysPage />
              </Page>
            ),
          },
          { path: '*', element: <NotFound /> },
        ],
      },
    ],
  },
]);

const client = new QueryClient({
  defaultOptions: {
    queries: {
      retry: (count, err) => !(err instanceof ApiError && err.status >= 400 && err.status < 500) && count < 2,
      refetchOnWindowFocus: false,
    },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={client}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  </StrictMode>,
);
