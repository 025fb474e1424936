/**
 * Admin: users (role, display name, whether they may sign in, password), their API tokens, and
 * one-time codes that link a Telegram account (so approvals pressed in Telegram count).
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ROLES } from '../../../src/features/identity/roles.ts';
import { api } from '../api/client.ts';
import { keys } from '../api/keys.ts';
import type { ApiTokenList, CreateUserInput, IssuedToken, TelegramLink, UpdateUserInput, User, UserList } from '../api/types.ts';
import { Loading, ProblemNote } from '../components/problem.tsx';
import { Instant } from '../components/time.tsx';
import { useSession } from '../session.tsx';

const userPath = (username: string, rest = '') => `/users/${encodeURIComponent(username)}${rest}`;

export function AdminPage() {
  const client = useQueryClient();
  const users = useQuery({ queryKey: keys.users, queryFn: () => api<UserList>('GET', '/users') });
  const create = useMutation({
    mutationFn: (body: CreateUserInput) => api<User>('POST', '/users', body),
    onSuccess: () => void client.invalidateQueries({ queryKey: keys.users }),
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    create.mutate(
      { username: String(form.get('username') ?? '').trim(), role: String(form.get('role')) as CreateUserInput['role'], displayName: String(form.get('displayName') ?? '').trim() || undefined },
      { onSuccess: () => formElement.reset() },
    );
  };
  return (
    <section aria-labelledby="admin-title">
      <h1 id="admin-title">Users, roles and API tokens</h1>
      <form className="inline-form" onSubmit={submit} aria-label="Add a user">
        <label>
          New user name
          <input name="username" required pattern="[a-z0-9][a-z0-9._\-]{0,63}" title="lower-case letters, digits, dots, dashes, underscores" />
        </label>
        <label>
          Display name
          <input name="displayName" />
        </label>
        <label>
          Role
          <select name="role" defaultValue="viewer">
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary" disabled={create.isPending}>
          Add user
        </button>
      </form>
      <ProblemNote error={create.error} prefix="Not added:" />
      {users.isPending ? <Loading what="users" /> : null}
      <ProblemNote error={users.error} prefix="The users could not be loaded:" />
      <div className="users">
        {users.data?.items.map((u) => (
          <UserCard key={u.username} user={u} />
        ))}
      </div>
    </section>
  );
}

function UserCard({ user }: { user: User }) {
  const client = useQueryClient();
  const { session } = useSession();
  const self = session?.user.username === user.username;
  const [showTokens, setShowTokens] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const update = useMutation({
    mutationFn: (body: UpdateUserInput) => api<User>('PATCH', userPath(user.username), body),
    onSuccess: () => void client.invalidateQueries({ queryKey: keys.users }),
  });
  const password = useMutation({
    mutationFn: (value: string) => api('PUT', userPath(user.username, '/password'), { password: value }),
    onSuccess: () => {
      setDone('Password set.');
      void client.invalidateQueries({ queryKey: keys.users });
    },
  });
  const setPassword = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    setDone(null);
    password.mutate(String(new FormData(formElement).get('password') ?? ''), { onSuccess: () => formElement.reset() });
  };
  return (
    <section className="panel user" aria-label={`User ${user.username}`}>
      <h2>
        {user.displayName} <span className="muted">({user.username})</span> {user.disabled ? <span className="tag">disabled</span> : null}
      </h2>
      <div className="inline-form">
        <label>
          Role of {user.username}
          <select value={user.role} disabled={self || update.isPending} onChange={(e) => update.mutate({ role: e.target.value as User['role'] })}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={!user.disabled} disabled={self || update.isPending} onChange={(e) => update.mutate({ disabled: !e.target.checked })} />
          May sign in
        </label>
      </div>
      <ProblemNote error={update.error} prefix="Not changed:" />
      <form className="inline-form" onSubmit={setPassword} aria-label={`Set the password of ${user.username}`}>
        <label>
          New password for {user.username}
          <input name="password" type="password" autoComplete="new-password" required minLength={10} />
        </label>
        <button type="submit" disabled={password.isPending}>
          {user.hasPassword ? 'Change password' : 'Set password'}
        </button>
        {done ? <span role="status">{done}</span> : null}
      </form>
      <ProblemNote error={password.error} prefix="Password not set:" />
      <button type="button" className="link-button" aria-expanded={showTokens} onClick={() => setShowTokens(!showTokens)}>
        API tokens
      </button>
      {showTokens ? <Tokens username={user.username} /> : null}
      <TelegramLinkCode username={user.username} disabled={user.disabled} />
    </section>
  );
}

function Tokens({ username }: { username: string }) {
  const client = useQueryClient();
  const [issued, setIssued] = useState<IssuedToken | null>(null);
  const tokens = useQuery({ queryKey: keys.tokens(username), queryFn: () => api<ApiTokenList>('GET', userPath(username, '/tokens')) });
  const create = useMutation({
    mutationFn: (name: string) => api<IssuedToken>('POST', userPath(username, '/tokens'), { name }),
    onSuccess: (token) => {
      setIssued(token);
      void client.invalidateQueries({ queryKey: keys.tokens(username) });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: number) => api('DELETE', userPath(username, `/tokens/${id}`)),
    onSuccess: () => void client.invalidateQueries({ queryKey: keys.tokens(username) }),
  });
  return (
    <div className="tokens">
      <ProblemNote error={tokens.error ?? revoke.error ?? create.error} />
      <ul>
        {tokens.data?.items.map((t) => (
          <li key={t.id}>
            {t.name}, created <Instant at={t.createdAt} timeZone="UTC" />
            {t.revokedAt ? (
              <span className="muted"> (revoked)</span>
            ) : (
              <button type="button" className="link-button" onClick={() => revoke.mutate(t.id)}>
                Revoke {t.name}
              </button>
            )}
          </li>
        ))}
      </ul>
      <form
        className="inline-form"
        aria-label={`New API token for ${username}`}
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate(String(new FormData(e.currentTarget).get('name') ?? '').trim() || 'dashboard');
        }}
      >
        <label>
          Token name
          <input name="name" placeholder="ci" />
        </label>
        <button type="submit">Issue token</button>
      </form>
      {issued ? (
        <p className="notice" role="status">
          Token for {issued.username} (shown only now, copy it): <code>{issued.token}</code>
        </p>
      ) : null}
    </div>
  );
}

/**
 * A code valid for 15 minutes; the person sends `/link CODE` to the team's Tonic bot in Telegram,
 * and from then on their presses on the bot's Approve buttons count as theirs.
 */
export function TelegramLinkCode({ username, disabled = false }: { username: string; disabled?: boolean }) {
  const { session } = useSession();
  const link = useMutation({ mutationFn: () => api<TelegramLink>('POST', userPath(username, '/telegram-link'), {}) });
  const self = session?.user.username === username;
  return (
    <div className="telegram-link">
      <button type="button" onClick={() => link.mutate()} disabled={link.isPending || disabled}>
        {link.data ? 'New Telegram link code' : `Telegram link code for ${self ? 'me' : username}`}
      </button>
      <ProblemNote error={link.error} prefix="No code:" />
      {link.data ? (
        <div className="notice" role="status" aria-label={`Telegram link code for ${link.data.username}`}>
          <p>
            Code <code className="code">{link.data.code}</code>, valid until <Instant at={link.data.expiresAt} timeZone={Intl.DateTimeFormat().resolvedOptions().timeZone} /> (15 minutes, once).
          </p>
          <ol className="small">
            <li>{self ? 'In' : `${link.data.username}, in`} Telegram, open a chat with the team's Tonic bot.</li>
            <li>
              Send <code>/link {link.data.code}</code>
            </li>
            <li>The bot answers that the account is linked; approval buttons pressed there then count as {link.data.username}'s (if their role may approve).</li>
          </ol>
        </div>
      ) : null}
    </div>
  );
}
