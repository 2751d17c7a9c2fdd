// Light and dark themes: a data-theme attribute on <html> drives the CSS
// variables; the choice is remembered per browser.
import { useSyncExternalStore } from 'react';

export type Theme = 'light' | 'dark';
const KEY = 'tinomail.theme';
const listeners = new Set<() => void>();

function current(): Theme {
  return document.documentElement.dataset.theme === 'dark' ? 'dark' : 'light';
}

export function setTheme(t: Theme) {
  document.documentElement.dataset.theme = t;
  try {
    localStorage.setItem(KEY, t);
  } catch {
    // private mode: the choice lasts for this page only
  }
  for (const fn of listeners) fn();
}

export function useTheme(): Theme {
  return useSyncExternalStore((fn) => {
    listeners.add(fn);
    return () => listeners.delete(fn);
  }, current);
}
