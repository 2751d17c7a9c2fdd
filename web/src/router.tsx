// A small router over the History API. The app has nine flat routes and
// keeps its shared state (time range, filters) in the query string; that is
// all it needs, at a few hundred bytes instead of a router library's ~40 KB.
import { type AnchorHTMLAttributes, type MouseEvent, useSyncExternalStore } from 'react';

const listeners = new Set<() => void>();

function subscribe(fn: () => void) {
  listeners.add(fn);
  window.addEventListener('popstate', fn);
  return () => {
    listeners.delete(fn);
    window.removeEventListener('popstate', fn);
  };
}

const snapshot = () => window.location.pathname + window.location.search;

/** navigate changes the address (pushing a history entry unless replace) and re-renders. */
export function navigate(to: string, opts: { replace?: boolean } = {}) {
  if (to === snapshot()) return;
  if (opts.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  for (const fn of listeners) fn();
}

/** useLocation returns the current path and query string. */
export function useLocation(): { path: string; search: URLSearchParams; href: string } {
  const href = useSyncExternalStore(subscribe, snapshot);
  const q = href.indexOf('?');
  return {
    path: q < 0 ? href : href.slice(0, q),
    search: new URLSearchParams(q < 0 ? '' : href.slice(q + 1)),
    href,
  };
}

/** setSearch replaces the query string's parameters given (empty value removes one). */
export function setSearch(change: Record<string, string | null>, opts: { replace?: boolean } = {}) {
  const s = new URLSearchParams(window.location.search);
  for (const [k, v] of Object.entries(change)) {
    if (v == null || v === '') s.delete(k);
    else s.set(k, v);
  }
  const qs = s.toString();
  navigate(window.location.pathname + (qs ? '?' + qs : ''), opts);
}

/** sharedSearch keeps the parameters every page shares (range and filters) when moving between pages. */
export function sharedSearch(search: URLSearchParams): string {
  const s = new URLSearchParams();
  for (const k of ['range', 'from', 'to', 'node', 'fromDomain']) {
    const v = search.get(k);
    if (v) s.set(k, v);
  }
  const qs = s.toString();
  return qs ? '?' + qs : '';
}

/** Link is an anchor that navigates without reloading; modified clicks keep the browser's behaviour. */
export function Link(props: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const { onClick, ...rest } = props;
  const click = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    if (props.target && props.target !== '_self') return;
    e.preventDefault();
    navigate(props.href);
  };
  return <a {...rest} onClick={click} />;
}

/** matchTrace returns the id of a /logs/trace/{id} path. */
export function matchTrace(path: string): string | null {
  const m = /^\/logs\/trace\/(.+)$/.exec(path);
  return m ? decodeURIComponent(m[1]) : null;
}
