/** Your own account: link Telegram (so your approvals from the bot count) and change your password. */
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../api/client.ts';
import type { SetPasswordInput } from '../api/types.ts';
import { ProblemNote } from '../components/problem.tsx';
import { useSession } from '../session.tsx';
import { TelegramLinkCode } from './admin-page.tsx';

export function AccountPage() {
  const { session } = useSession();
  const [done, setDone] = useState(false);
  const username = session?.user.username ?? '';
  const change = useMutation({
    mutationFn: (body: SetPasswordInput) => api('PUT', `/users/${encodeURIComponent(username)}/password`, body),
    onSuccess: () => setDone(true),
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    setDone(false);
    change.mutate({ currentPassword: String(form.get('currentPassword') ?? ''), password: String(form.get('password') ?? '') }, { onSuccess: () => formElement.reset() });
  };
  return (
    <section aria-labelledby="account-title">
      <h1 id="account-title">Your account</h1>
      <p>
        {session?.user.displayName} ({username}), {session?.user.role}
      </p>
      <section className="panel" aria-labelledby="telegram-title">
        <h2 id="telegram-title">Telegram</h2>
        <p className="muted">Link your Telegram account once: the bot's Approve buttons then act as you.</p>
        <TelegramLinkCode username={username} />
      </section>
      <section className="panel" aria-labelledby="password-title">
        <h2 id="password-title">Password</h2>
        <form className="stacked" onSubmit={submit} aria-label="Change your password">
          <label>
            Current password
            <input name="currentPassword" type="password" autoComplete="current-password" required />
          </label>
          <label>
            New password (at least 10 characters)
            <input name="password" type="password" autoComplete="new-password" required minLength={10} />
          </label>
          <div>
            <button type="submit" className="primary" disabled={change.isPending}>
              Change password
            </button>
          </div>
        </form>
        <ProblemNote error={change.error} prefix="Not changed:" />
        {done ? (
          <p role="status" className="notice">
            Password changed.
          </p>
        ) : null}
      </section>
    </section>
  );
}
