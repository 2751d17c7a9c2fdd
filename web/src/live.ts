// One EventSource on /api/v1/live shared by every panel that wants live
// counters. The browser reconnects by itself (the server sends retry: 3000).
import { useEffect, useState } from 'react';
import type { LiveFrame } from './api/types';

type Listener = (f: LiveFrame) => void;

const listeners = new Set<Listener>();
const statusListeners = new Set<(s: LiveStatus) => void>();
let source: EventSource | null = null;
let status: LiveStatus = 'idle';

export type LiveStatus = 'idle' | 'connecting' | 'open' | 'error';

function setStatus(s: LiveStatus) {
  status = s;
  for (const fn of statusListeners) fn(s);
}

function open() {
  if (source) return;
  setStatus('connecting');
  source = new EventSource('/api/v1/live', { withCredentials: true });
  source.addEventListener('hello', () => setStatus('open'));
  source.addEventListener('open', () => setStatus('open'));
  source.addEventListener('error', () => setStatus(source?.readyState === EventSource.CLOSED ? 'error' : 'connecting'));
  source.addEventListener('counters', (e) => {
    let f: LiveFrame;
    try {
      f = JSON.parse((e as MessageEvent<string>).data) as LiveFrame;
    } catch {
      return;
    }
    for (const fn of listeners) fn(f);
  });
}

function closeIfUnused() {
  if (listeners.size === 0 && source) {
    source.close();
    source = null;
    setStatus('idle');
  }
}

/** useLiveFrames calls fn for every counters frame while the component is mounted. */
export function useLiveFrames(fn: Listener) {
  useEffect(() => {
    listeners.add(fn);
    open();
    return () => {
      listeners.delete(fn);
      closeIfUnused();
    };
  }, [fn]);
}

/** useLiveStatus is the state of the live connection, for the indicator. */
export function useLiveStatus(): LiveStatus {
  const [s, set] = useState(status);
  useEffect(() => {
    statusListeners.add(set);
    set(status);
    return () => {
      statusListeners.delete(set);
    };
  }, []);
  return s;
}
