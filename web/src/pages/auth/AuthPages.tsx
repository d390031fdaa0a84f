import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { AuthFrame, Button, Field, FormError } from '../../components/forms';
import { Spinner } from '../../components/states';
import { errorMessage, get, post } from '../../lib/api';
import { sessionChanged, useMe } from '../../lib/session';

function useAfterSignIn() {
  const client = useQueryClient();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  return async (to?: string) => {
    // The session is known before the guarded page renders (see sessionChanged).
    await sessionChanged(client);
    const next = params.get('next');
    navigate(to ?? (next && next.startsWith('/') && !next.startsWith('//') ? next : '/'));
  };
}

const formData = (e: FormEvent<HTMLFormElement>) => Object.fromEntries(new FormData(e.currentTarget)) as Record<string, string>;

export function LoginPage() {
  const done = useAfterSignIn();
  const login = useMutation({ mutationFn: (body: Record<string, string>) => post('/auth/login', body), onSuccess: () => done() });
  return (
    <AuthFrame title="Log in">
      <form
        className="space-y-4"
        onSubmit={(e) => {
          e.preventDefault();
          login.mutate(formData(e));
        }}
      >
        <Field label="Email" name="email" type="email" autoComplete="email" required />
        <Field label="Password" name="password" type="password" autoComplete="current-password" required />
        <FormError>{login.error && errorMessage(login.error, { email: 'Email', password: 'Password' })}</FormError>
        <Button type="submit" disabled={login.isPending} className="w-full">
          {login.isPending ? 'Logging in…' : 'Log in'}
        </Button>
      </form>
      <div className="flex flex-wrap justify-between gap-2 text-sm">
        <Link to="/forgot-password" className="text-indigo-700 underline">
          Forgot password?
        </Link>
        <Link to="/signup" className="text-indigo-700 underline">
          Create an account
        </Link>
      </div>
    </AuthFrame>
  );
}

const SIGNUP_LABELS = { name: 'Your name', email: 'Work email', password: 'Password', organizationName: 'Company name' };

export function SignupPage({ invitationToken }: { invitationToken?: string }) {
  const done = useAfterSignIn();
  const signup = useMutation({
    mutationFn: (body: Record<string, string>) => post('/auth/signup', { ...body, ...(invitationToken ? { invitationToken } : {}) }),
    onSuccess: () => done(invitationToken ? '/' : '/welcome'),
  });
  return (
    <AuthFrame title={invitationToken ? 'Create your account to join' : 'Create your PulseScore account'}>
      <form
        className="space-y-4"
        onSubmit={(e) => {
          e.preventDefault();
          const body = formData(e);
          if (!body.organizationName) delete body.organizationName;
          signup.mutate(body);
        }}
      >
        <Field label="Your name" name="name" autoComplete="name" required />
        <Field label="Work email" name="email" type="email" autoComplete="email" required />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          minLength={10}
          required
          hint="At least 10 characters."
        />
        {!invitationToken && (
          <Field label="Company name" name="organizationName" autoComplete="organization" hint="Your organization in PulseScore." />
        )}
        <FormError>{signup.error && errorMessage(signup.error, SIGNUP_LABELS)}</FormError>
        <Button type="submit" disabled={signup.isPending} className="w-full">
          {signup.isPending ? 'Creating…' : 'Create account'}
        </Button>
      </form>
      {!invitationToken && (
        <p className="text-sm">
          Already have an account?{' '}
          <Link to="/login" className="text-indigo-700 underline">
            Log in
          </Link>
        </p>
      )}
    </AuthFrame>
  );
}

export function ForgotPasswordPage() {
  const forgot = useMutation({ mutationFn: (body: Record<string, string>) => post<{ message: string }>('/auth/password/forgot', body) });
  return (
    <AuthFrame title="Reset your password">
      {forgot.data ? (
        <p role="status" className="text-sm">
          {forgot.data.message}
        </p>
      ) : (
        <form
          className="space-y-4"
          onSubmit={(e) => {
            e.preventDefault();
            forgot.mutate(formData(e));
          }}
        >
          <Field label="Email" name="email" type="email" autoComplete="email" required />
          <FormError>{forgot.error && errorMessage(forgot.error)}</FormError>
          <Button type="submit" disabled={forgot.isPending} className="w-full">
            Send reset link
          </Button>
        </form>
      )}
      <Link to="/login" className="text-sm text-indigo-700 underline">
        Back to log in
      </Link>
    </AuthFrame>
  );
}

export function ResetPasswordPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const reset = useMutation({ mutationFn: (password: string) => post('/auth/password/reset', { token, password }) });
  if (!token) {
    return (
      <AuthFrame title="Reset your password">
        <FormError>This reset link is incomplete. Ask for a new one.</FormError>
        <Link to="/forgot-password" className="text-sm text-indigo-700 underline">
          Ask for a new link
        </Link>
      </AuthFrame>
    );
  }
  return (
    <AuthFrame title="Choose a new password">
      {reset.isSuccess ? (
        <p role="status" className="text-sm">
          Your password was changed.{' '}
          <Link to="/login" className="text-indigo-700 underline">
            Log in
          </Link>
        </p>
      ) : (
        <form
          className="space-y-4"
          onSubmit={(e) => {
            e.preventDefault();
            reset.mutate(formData(e).password ?? '');
          }}
        >
          <Field
            label="New password"
            name="password"
            type="password"
            autoComplete="new-password"
            minLength={10}
            required
            hint="At least 10 characters."
          />
          <FormError>{reset.error && errorMessage(reset.error)}</FormError>
          <Button type="submit" disabled={reset.isPending} className="w-full">
            Change password
          </Button>
        </form>
      )}
    </AuthFrame>
  );
}

interface InvitationPreview {
  organization: { name: string };
  email: string;
  role: string;
  status: string;
  expired?: boolean;
  accountExists?: boolean;
}

export function AcceptInvitationPage() {
  // The path carries the invitation's secret token, from the email or a link an admin copied.
  const { token = '' } = useParams();
  const done = useAfterSignIn();
  const [mode, setMode] = useState<'choose' | 'signup'>('choose');
  const preview = useQuery({
    queryKey: ['invitation', token],
    queryFn: () => get<InvitationPreview>(`/invitations/${encodeURIComponent(token)}/preview`),
    retry: false,
  });
  const me = useMe();
  const accept = useMutation({ mutationFn: () => post('/invitations/accept', { token }), onSuccess: () => done('/') });
  if (preview.isPending || me.isPending) return <Spinner />;
  if (preview.error) {
    return (
      <AuthFrame title="Invitation">
        <FormError>{errorMessage(preview.error)}</FormError>
      </AuthFrame>
    );
  }
  if (mode === 'signup') return <SignupPage invitationToken={token} />;
  const inv = preview.data!;
  return (
    <AuthFrame title={`Join ${inv.organization.name}`}>
      <p className="text-sm">
        You were invited as <strong>{inv.role}</strong> ({inv.email}).
      </p>
      <FormError>{accept.error && errorMessage(accept.error)}</FormError>
      {me.data?.user ? (
        <Button onClick={() => accept.mutate()} disabled={accept.isPending} className="w-full">
          Accept invitation
        </Button>
      ) : (
        <div className="space-y-2">
          <Link
            to={`/login?next=${encodeURIComponent(`/invitations/${token}`)}`}
            className="block text-center text-sm text-indigo-700 underline"
          >
            I have an account: log in to accept
          </Link>
          <Button onClick={() => setMode('signup')} className="w-full">
            Create an account and join
          </Button>
        </div>
      )}
    </AuthFrame>
  );
}
