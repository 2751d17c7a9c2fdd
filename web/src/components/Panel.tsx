// Panel frames every dashboard block and gives each the same loading, empty
// and error states, so a failing endpoint never leaves a blank box.
import type { ReactNode } from 'react';
import { ApiError } from '../api/client';

interface Props {
  title: string;
  id?: string;
  loading?: boolean;
  error?: unknown;
  empty?: boolean;
  emptyText?: string;
  actions?: ReactNode;
  className?: string;
  children?: ReactNode;
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 404 && e.code === 'not_found') return `Not available on this server yet (${e.message}).`;
    return `${e.message} (HTTP ${e.status}, ${e.code})`;
  }
  return e instanceof Error ? e.message : String(e);
}

export function Panel({ title, id, loading, error, empty, emptyText, actions, className, children }: Props) {
  let body: ReactNode = children;
  let state = 'ready';
  if (error) {
    state = 'error';
    body = (
      <div className="state state-error" role="alert">
        {errorText(error)}
      </div>
    );
  } else if (loading) {
    state = 'loading';
    body = (
      <div className="state state-loading" aria-busy="true">
        Loading…
      </div>
    );
  } else if (empty) {
    state = 'empty';
    body = <div className="state state-empty">{emptyText ?? 'No events in this time range.'}</div>;
  }
  return (
    <section className={'panel ' + (className ?? '')} data-panel={id ?? title} data-state={state} aria-label={title}>
      <header className="panel-head">
        <h2>{title}</h2>
        {actions}
      </header>
      <div className="panel-body">{body}</div>
    </section>
  );
}
