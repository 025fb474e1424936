import { MutationCache, QueryCache, QueryClient, QueryClientProvider, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import { Link, Redirect, Route, Switch, useLocation } from 'wouter';
import { api, ApiProblem } from './api/client.ts';
import { keys } from './api/keys.ts';
import { useLiveUpdates, type LiveState } from './api/live.ts';
import type { SystemList } from './api/types.ts';
import { PageErrorBoundary } from './components/error-boundary.tsx';
import { Loading, ProblemNote } from './components/problem.tsx';
import { SignInPage } from './pages/sign-in-page.tsx';
import { PAGES, systemOf } from './pages/registry.tsx';
import { SessionProvider, useSession } from './session.tsx';

function createClient(): QueryClient {
  // A 401 is handled by the session (back to sign-in); other errors are shown where they happen.
  const retry = (count: number, error: unknown) => !(error instanceof ApiProblem && error.status > 0 && error.status < 500) && count < 2;
  return new QueryClient({
    queryCache: new QueryCache(),
    mutationCache: new MutationCache(),
    defaultOptions: { queries: { retry, staleTime: 5_000, refetchOnWindowFocus: true }, mutations: { retry: false } },
  });
}

export function App() {
  const [client] = useState(createClient);
  return (
    <QueryClientProvider client={client}>
      <Root />
    </QueryClientProvider>
  );
}

function Root() {
  const [location, navigate] = useLocation();
  const client = useQueryClient();
  const onEnded = useCallback(() => {
    const here = window.location.pathname + window.location.search;
    if (window.location.pathname === '/login') return;
    client.removeQueries({ predicate: (q) => q.queryKey[0] !== 'session' });
    navigate(`/login?next=${encodeURIComponent(here)}`, { replace: true });
  }, [client, navigate]);
  return (
    <SessionProvider onEnded={onEnded}>
      {location === '/login' ? <SignInPage /> : <SignedIn />}
    </SessionProvider>
  );
}

function SignedIn() {
  const { session, loading } = useSession();
  const [location] = useLocation();
  const live = useLiveUpdates(Boolean(session));
  if (loading) return <Loading what="your session" />;
  if (!session) return <Redirect to={`/login?next=${encodeURIComponent(location + window.location.search)}`} replace />;
  return <Layout live={live} />;
}

function Layout({ live }: { live: LiveState }) {
  const { session } = useSession();
  const [location, navigate] = useLocation();
  const client = useQueryClient();
  const systems = useQuery({ queryKey: keys.systems, queryFn: () => api<SystemList>('GET', '/systems'), staleTime: Infinity });
  const current = systemOf(location) ?? localStorage.getItem('tonic.system') ?? systems.data?.items[0]?.name ?? null;
  if (current) localStorage.setItem('tonic.system', current);
  const signOut = async () => {
    try {
      await api('DELETE', '/session');
    } finally {
      client.clear();
      navigate('/login', { replace: true });
    }
  };
  const permissions = (scope: 'system' | 'global') => (scope === 'system' ? (current ? session?.permissions.systems[current] : undefined) : session?.permissions.global) ?? [];
  const nav = PAGES.filter((p) => p.nav && (!p.nav.permission || permissions(p.nav.scope).includes(p.nav.permission)));
  return (
    <div className="shell">
      <a href="#main" className="skip">
        Skip to content
      </a>
      <header className="top">
        <Link href="/" className="brand">
          Tonic Deploy
        </Link>
        {systems.data && current ? (
          <label className="system-picker">
            <span>System</span>
            <select
              value={current}
              onChange={(e) => {
                const rest = location.startsWith('/systems/') ? location.split('/').slice(3, 4).join('/') : 'bugs';
                navigate(`/systems/${e.target.value}/${rest || 'bugs'}`);
              }}
            >
              {systems.data.items.map((s) => (
                <option key={s.name} value={s.name}>
                  {s.title} ({s.name})
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <nav aria-label="Main" className="main-nav">
          {nav.map((p) => {
            const href = p.nav!.scope === 'system' ? p.path.replace(':system', current ?? '') : p.path;
            const active = location === href || (p.nav!.scope === 'system' && location.startsWith(href + '/'));
            return (
              <Link key={p.path} href={href} aria-current={active ? 'page' : undefined}>
                {p.nav!.label}
              </Link>
            );
          })}
        </nav>
        <span className={`live live-${live}`} role="status" aria-label={`Live updates: ${live}`} title="Changes made anywhere appear here without reloading">
          {live === 'live' ? '● Live' : live === 'connecting' ? '○ Connecting' : '○ Reconnecting…'}
        </span>
        <span className="who">
          Signed in as{' '}
          <Link href="/account" aria-current={location === '/account' ? 'page' : undefined}>
            <strong>{session?.user.displayName}</strong>
          </Link>{' '}
          ({session?.user.role})
        </span>
        <button type="button" className="link-button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {systems.error ? <ProblemNote error={systems.error} prefix="The systems could not be loaded:" /> : null}
        <PageErrorBoundary resetKey={location}>
          <Switch>
            <Route path="/">{current ? <Redirect to={`/systems/${current}/bugs`} replace /> : systems.isPending ? <Loading what="systems" /> : <p>No system is configured.</p>}</Route>
            {PAGES.map((p) => (
              <Route key={p.path} path={p.path} component={p.component} />
            ))}
            <Route>
              <h1>Not found</h1>
              <p>
                There is no page at {location}. <Link href="/">Go to the bug board</Link>.
              </p>
            </Route>
          </Switch>
        </PageErrorBoundary>
      </main>
    </div>
  );
}
