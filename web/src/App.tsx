// The shell: login gate, sidebar, top bar with the global time range and
// filters, and the page of the current route.
import { useEffect } from 'react';
import { useAuth } from './auth';
import { Link, matchTrace, navigate, sharedSearch, useLocation } from './router';
import { TimeRangePicker } from './components/TimeRangePicker';
import { FilterBar } from './components/FilterBar';
import { setTheme, useTheme } from './theme';
import { useLiveStatus } from './live';
import { LoginPage } from './pages/Login';
import { EmailFlowPage } from './pages/EmailFlow';
import { PerformancePage } from './pages/Performance';
import { QueuePage } from './pages/Queue';
import { BouncesPage } from './pages/Bounces';
import { LogsPage } from './pages/Logs';
import { TracePage } from './pages/Trace';
import { AdminPage } from './pages/Admin';

interface NavItem {
  path: string;
  label: string;
  admin?: boolean;
  filters: ('node' | 'fromDomain')[];
  /** exclusive: the API takes one of the filters at a time; setting one clears the others. */
  exclusive?: boolean;
  range: boolean;
}

const NAV: NavItem[] = [
  { path: '/email-flow', label: 'Email Flow', filters: [], range: true },
  { path: '/email-flow/performance', label: 'Performance', filters: ['node', 'fromDomain'], exclusive: true, range: true },
  { path: '/email-flow/queue', label: 'Queue', filters: [], range: false },
  { path: '/bounces', label: 'Bounces', filters: [], range: true },
  { path: '/logs', label: 'Logs', filters: [], range: true }, // its own form has every filter
  { path: '/admin', label: 'Admin', admin: true, filters: [], range: false },
];

function navFor(path: string): NavItem | undefined {
  if (matchTrace(path)) return { path, label: 'Trace', filters: [], range: false };
  return NAV.find((n) => n.path === path);
}

export function App() {
  const auth = useAuth();
  const { path, search } = useLocation();

  useEffect(() => {
    if (auth.status === 'anonymous' && path !== '/login') {
      const next = path + (search.toString() ? '?' + search.toString() : '');
      navigate('/login' + (path === '/' ? '' : '?next=' + encodeURIComponent(next)), { replace: true });
    } else if (auth.status === 'authenticated' && (path === '/' || path === '/login')) {
      const next = search.get('next');
      navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/email-flow', { replace: true });
    }
  }, [auth.status, path, search]);

  if (auth.status === 'loading') return <div className="boot">Loading…</div>;
  if (auth.status === 'error') {
    return (
      <div className="boot" role="alert">
        Cannot reach the server: {auth.error}
      </div>
    );
  }
  if (auth.status === 'anonymous') return <LoginPage />;

  const item = navFor(path);
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <Sidebar path={path} search={search} />
      <div className="main-col">
        <TopBar item={item} />
        <main id="main" tabIndex={-1}>
          <Page path={path} />
        </main>
      </div>
    </div>
  );
}

function Page({ path }: { path: string }) {
  const { user } = useAuth();
  const trace = matchTrace(path);
  if (trace) return <TracePage id={trace} />;
  switch (path) {
    case '/email-flow':
      return <EmailFlowPage />;
    case '/email-flow/performance':
      return <PerformancePage />;
    case '/email-flow/queue':
      return <QueuePage />;
    case '/bounces':
      return <BouncesPage />;
    case '/logs':
      return <LogsPage />;
    case '/admin':
      return user?.role === 'admin' ? <AdminPage /> : <NotFound text="Admin is for administrators." />;
  }
  return <NotFound text={`No page at ${path}.`} />;
}

function NotFound({ text }: { text: string }) {
  return (
    <div className="page">
      <p className="state state-empty">{text}</p>
      <Link href="/email-flow">Go to Email Flow</Link>
    </div>
  );
}

function Sidebar({ path, search }: { path: string; search: URLSearchParams }) {
  const { user, logout } = useAuth();
  const shared = sharedSearch(search);
  return (
    <nav className="sidebar" aria-label="Main">
      <div className="brand">TinoMail</div>
      <ul>
        {NAV.filter((n) => !n.admin || user?.role === 'admin').map((n) => {
          const active = path === n.path || (n.path === '/logs' && path.startsWith('/logs/'));
          return (
            <li key={n.path}>
              <Link href={n.path + (n.range ? shared : '')} aria-current={active ? 'page' : undefined} className={active ? 'active' : ''}>
                {n.label}
              </Link>
            </li>
          );
        })}
      </ul>
      <div className="sidebar-foot">
        <ThemeToggle />
        <div className="who" data-role={user?.role}>
          {user?.username} <span className="muted">({user?.role})</span>
        </div>
        <button type="button" onClick={() => void logout()}>
          Log out
        </button>
      </div>
    </nav>
  );
}

function ThemeToggle() {
  const theme = useTheme();
  const next = theme === 'dark' ? 'light' : 'dark';
  return (
    <button type="button" className="theme-toggle" aria-label={`Switch to ${next} theme`} onClick={() => setTheme(next)}>
      {theme === 'dark' ? 'Light theme' : 'Dark theme'}
    </button>
  );
}

function TopBar({ item }: { item?: NavItem }) {
  const live = useLiveStatus();
  return (
    <header className="topbar">
      <h1>{item?.label ?? 'TinoMail Monitor'}</h1>
      <div className="topbar-controls">
        {item && item.filters.length > 0 && <FilterBar fields={item.filters} exclusive={item.exclusive} />}
        {item?.range && <TimeRangePicker />}
        {live !== 'idle' && (
          <span className={'live live-' + live} title="Live counter stream" data-live={live}>
            {live === 'open' ? 'Live' : live === 'connecting' ? 'Connecting…' : 'Live stream down'}
          </span>
        )}
      </div>
    </header>
  );
}
