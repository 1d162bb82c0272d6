import { Component, useEffect, useState, type ErrorInfo, type ReactNode } from 'react';
import { ApiError, call, deriveToken, setUnauthorizedHandler, storeToken, storedToken } from './api';
import { Link, match, navigate, usePath } from './router';
import { PolicyList } from './pages/PolicyList';
import { RecordsPage } from './pages/RecordsPage';
import { HealthPage } from './pages/HealthPage';
import { PolicyPage } from './editor/PolicyPage';
import { DiffPage } from './editor/DiffPage';
import { Alert } from './Alert';

export function App() {
  const [token, setToken] = useState<string | null>(storedToken());
  const [expired, setExpired] = useState(false);
  useEffect(() => {
    setUnauthorizedHandler(() => {
      storeToken(null);
      setToken(null);
      setExpired(true);
    });
    return () => setUnauthorizedHandler(null);
  }, []);
  if (!token) {
    return (
      <SignIn
        notice={expired ? 'The server no longer accepts your key: sign in again.' : null}
        onSignedIn={(t) => {
          storeToken(t);
          setExpired(false);
          setToken(t);
        }}
      />
    );
  }
  return (
    <Shell
      onSignOut={() => {
        storeToken(null);
        setToken(null);
        navigate('/');
      }}
    />
  );
}

function SignIn(props: { notice: string | null; onSignedIn: (token: string) => void }) {
  const [akid, setAkid] = useState('');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <main className="signin">
      <h1>flowdns</h1>
      <p>Sign in with an access key. The secret derives a session token in this browser; it is never sent or stored.</p>
      {props.notice && <p className="notice">{props.notice}</p>}
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          if (!akid.trim() || !secret) {
            setError('Enter both the access key ID and the secret access key.');
            return;
          }
          setBusy(true);
          try {
            const t = deriveToken(akid.trim(), secret);
            // Any authenticated call proves the key; the zone list is small.
            await call('GET', 'zones', undefined, t);
            setSecret('');
            props.onSignedIn(t);
          } catch (err) {
            if (err instanceof ApiError && err.status === 403) {
              setError(
                'The server refused this access key: check the access key ID and the secret access key (the generated key is in access-keys.json in the data directory, or the server reads FLOWDNS_ACCESS_KEY_ID and FLOWDNS_SECRET_ACCESS_KEY).',
              );
            } else {
              setError(err instanceof Error ? err.message : String(err));
            }
          } finally {
            setBusy(false);
          }
        }}
      >
        <label>
          Access key ID
          <input value={akid} onChange={(e) => setAkid(e.target.value)} autoComplete="username" spellCheck={false} />
        </label>
        <label>
          Secret access key
          <input
            type="password"
            value={secret}
            onChange={(e) => setSecret(e.target.value)}
            autoComplete="current-password"
          />
        </label>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        <Alert message={error} />
      </form>
    </main>
  );
}

function Shell(props: { onSignOut: () => void }) {
  const { path, query } = usePath();
  let page: React.ReactNode;
  let m: Record<string, string> | null;
  if ((m = match('/policies/:id/diff', path)))
    page = <DiffPage policyId={m.id} from={Number(query.get('from'))} to={Number(query.get('to'))} />;
  else if ((m = match('/policies/:id/versions/:n', path))) page = <PolicyPage key={`${m.id}`} policyId={m.id} version={Number(m.n)} />;
  else if ((m = match('/policies/:id', path)) && m.id !== 'new') page = <PolicyPage key={m.id} policyId={m.id} />;
  else if (match('/policies/new', path)) page = <PolicyPage key="new" policyId={null} />;
  else if (match('/records', path)) page = <RecordsPage />;
  else if (match('/health', path)) page = <HealthPage />;
  else page = <PolicyList />;
  return (
    <div className="shell">
      <header className="topbar">
        <Link to="/" className="brand">
          flowdns
        </Link>
        <nav aria-label="Main">
          <Link to="/">Traffic policies</Link>
          <Link to="/records">Policy records</Link>
          <Link to="/health">Health checks</Link>
        </nav>
        <button className="link" onClick={props.onSignOut}>
          Sign out
        </button>
      </header>
      <ErrorBoundary key={path + location.search}>{page}</ErrorBoundary>
    </div>
  );
}

/** A page that throws shows what happened instead of a blank screen; navigating away resets it. */
class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  state = { error: null as Error | null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  componentDidCatch(error: Error, info: ErrorInfo) {
    console.error('the page failed:', error, info.componentStack);
  }
  render() {
    if (this.state.error) {
      return (
        <main className="page">
          <h1>This page failed</h1>
          <p role="alert" className="error">
            {String(this.state.error.message ?? this.state.error)}
          </p>
          <p>
            <Link to="/">Back to the traffic policies</Link>
          </p>
        </main>
      );
    }
    return this.props.children;
  }
}
