import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useLocation, useSearch } from 'wouter';
import { api, setCsrfToken } from '../api/client.ts';
import { keys } from '../api/keys.ts';
import type { Session, SignInInput } from '../api/types.ts';
import { ProblemNote } from '../components/problem.tsx';

export function SignInPage() {
  const [, navigate] = useLocation();
  const search = useSearch();
  const client = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const next = new URLSearchParams(search).get('next');
  const target = next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') ? next : '/';

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const body: SignInInput = { username: String(form.get('username') ?? ''), password: String(form.get('password') ?? '') };
    setBusy(true);
    setError(null);
    try {
      const session = await api<Session>('POST', '/session', body, { quiet401: true });
      setCsrfToken(session.csrfToken);
      client.setQueryData(keys.session, session);
      navigate(target, { replace: true });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in" id="main">
      <h1>Tonic Deploy</h1>
      <p className="muted">The nightly bug-fix pipeline of UAT and PROD.</p>
      <form onSubmit={(e) => void submit(e)} aria-label="Sign in">
        <label>
          User name
          <input name="username" autoComplete="username" required autoFocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        <ProblemNote error={error} prefix="Sign-in failed:" />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {next ? <p className="muted">Sign in to go back to {target}.</p> : null}
    </main>
  );
}
