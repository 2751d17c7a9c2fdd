// Admin (admins only): users, API keys, MTA nodes, retention and the audit
// log, on the admin API of the auth contract.
import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { get, request } from '../api/client';
import { Panel, errorText } from '../components/Panel';
import { formatTime } from '../lib/format';
import type { AdminKey, AdminNode, AdminUser, AuditEntry, Retention } from '../api/types';

export function AdminPage() {
  return (
    <div className="page grid">
      <UsersPanel />
      <KeysPanel />
      <NodesPanel />
      <RetentionPanel />
      <AuditPanel />
    </div>
  );
}

/** useAdminWrite runs a write and refreshes the listed queries. */
function useAdminWrite<V, R = unknown>(fn: (v: V) => Promise<R>, refresh: string[]) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSettled: () => {
      for (const k of [...refresh, '/admin/audit-log']) void qc.invalidateQueries({ queryKey: [k] });
    },
  });
}

function UsersPanel() {
  const q = useQuery({ queryKey: ['/admin/users'], queryFn: ({ signal }) => get<{ users: AdminUser[] }>('/admin/users', undefined, signal) });
  const create = useAdminWrite((u: { username: string; password: string; role: string }) => request('POST', '/api/v1/admin/users', u), ['/admin/users']);
  const patch = useAdminWrite(({ id, ...body }: { id: number; role?: string; disabled?: boolean; password?: string }) => request('PATCH', `/api/v1/admin/users/${id}`, body), ['/admin/users']);
  const del = useAdminWrite((id: number) => request('DELETE', `/api/v1/admin/users/${id}`), ['/admin/users']);
  const [form, setForm] = useState({ username: '', password: '', role: 'viewer' });
  const err = create.error ?? patch.error ?? del.error;
  return (
    <Panel title="Users" id="admin-users" className="span-2" loading={q.isPending} error={q.error}>
      <table className="table compact" data-table="users">
        <thead>
          <tr>
            <th>User</th>
            <th>Role</th>
            <th>Status</th>
            <th>Created</th>
            <th>Last login</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {q.data?.users.map((u) => (
            <tr key={u.id}>
              <td>{u.username}</td>
              <td>
                <select aria-label={`Role of ${u.username}`} value={u.role} onChange={(e) => patch.mutate({ id: u.id, role: e.target.value })}>
                  <option value="viewer">viewer</option>
                  <option value="admin">admin</option>
                </select>
              </td>
              <td>{u.disabled ? 'disabled' : 'active'}</td>
              <td>{formatTime(u.createdAt)}</td>
              <td>{formatTime(u.lastLoginAt)}</td>
              <td className="row-actions">
                <button type="button" onClick={() => patch.mutate({ id: u.id, disabled: !u.disabled })}>
                  {u.disabled ? 'Enable' : 'Disable'}
                </button>
                <button
                  type="button"
                  onClick={() => {
                    const p = window.prompt(`New password for ${u.username}`);
                    if (p) patch.mutate({ id: u.id, password: p });
                  }}
                >
                  Set password
                </button>
                <button type="button" className="danger" onClick={() => window.confirm(`Delete user ${u.username}?`) && del.mutate(u.id)}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate(form, { onSuccess: () => setForm({ username: '', password: '', role: 'viewer' }) });
        }}
      >
        <input aria-label="New username" placeholder="username" required value={form.username} onChange={(e) => setForm({ ...form, username: e.target.value })} />
        <input aria-label="New password" placeholder="password" type="password" required value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} />
        <select aria-label="New user role" value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value })}>
          <option value="viewer">viewer</option>
          <option value="admin">admin</option>
        </select>
        <button type="submit">Add user</button>
      </form>
      {err && <p className="state-error" role="alert">{errorText(err)}</p>}
    </Panel>
  );
}

function KeysPanel() {
  const q = useQuery({ queryKey: ['/admin/api-keys'], queryFn: ({ signal }) => get<{ keys: AdminKey[] }>('/admin/api-keys', undefined, signal) });
  const [secret, setSecret] = useState<{ name: string; secret: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const create = useAdminWrite(
    (k: { name: string; scopes: string[]; allowedCidrs?: string[] }) => request<{ key: AdminKey; secret: string }>('POST', '/api/v1/admin/api-keys', k),
    ['/admin/api-keys'],
  );
  const revoke = useAdminWrite((id: number) => request('DELETE', `/api/v1/admin/api-keys/${id}`), ['/admin/api-keys']);
  const [form, setForm] = useState({ name: '', ingest: false, read: true, cidrs: '' });
  return (
    <Panel title="API keys" id="admin-keys" className="span-2" loading={q.isPending} error={q.error}>
      {secret && (
        <div className="secret" role="status">
          <p>
            New key <strong>{secret.name}</strong> — copy it now, it is not shown again:
          </p>
          <code data-secret>{secret.secret}</code>
          <button
            type="button"
            onClick={() => void copyText(secret.secret).then(setCopied)}
          >
            {copied ? 'Copied' : 'Copy'}
          </button>
          <button type="button" onClick={() => setSecret(null)}>
            Done
          </button>
        </div>
      )}
      <table className="table compact" data-table="keys">
        <thead>
          <tr>
            <th>Name</th>
            <th>Prefix</th>
            <th>Scopes</th>
            <th>Allowed networks</th>
            <th>Created</th>
            <th>Last used</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {q.data?.keys.map((k) => (
            <tr key={k.id} className={k.revokedAt ? 'muted' : ''}>
              <td>{k.name}</td>
              <td>
                <code>{k.prefix}</code>
              </td>
              <td>{k.scopes.join(', ')}</td>
              <td>{k.allowedCidrs?.length ? k.allowedCidrs.join(', ') : 'any'}</td>
              <td>{formatTime(k.createdAt)}</td>
              <td>
                {formatTime(k.lastUsedAt)} {k.lastUsedAddr && <span className="muted">from {k.lastUsedAddr}</span>}
              </td>
              <td>
                {k.revokedAt ? (
                  `revoked ${formatTime(k.revokedAt)}`
                ) : (
                  <button type="button" className="danger" onClick={() => window.confirm(`Revoke key ${k.name}?`) && revoke.mutate(k.id)}>
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          const scopes = [form.ingest && 'ingest', form.read && 'read'].filter(Boolean) as string[];
          const cidrs = form.cidrs.split(/[\s,]+/).filter(Boolean);
          create.mutate(
            { name: form.name, scopes, ...(cidrs.length ? { allowedCidrs: cidrs } : {}) },
            {
              onSuccess: (r) => {
                setCopied(false);
                setSecret({ name: r.key.name, secret: r.secret });
                setForm({ name: '', ingest: false, read: true, cidrs: '' });
              },
            },
          );
        }}
      >
        <input aria-label="Key name" placeholder="name" required value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
        <label>
          <input type="checkbox" checked={form.ingest} onChange={(e) => setForm({ ...form, ingest: e.target.checked })} /> ingest
        </label>
        <label>
          <input type="checkbox" checked={form.read} onChange={(e) => setForm({ ...form, read: e.target.checked })} /> read
        </label>
        <input aria-label="Allowed networks" placeholder="allowed CIDRs (optional)" value={form.cidrs} onChange={(e) => setForm({ ...form, cidrs: e.target.value })} />
        <button type="submit" disabled={!form.ingest && !form.read}>
          Create key
        </button>
      </form>
      {(create.error ?? revoke.error) && <p className="state-error" role="alert">{errorText(create.error ?? revoke.error)}</p>}
    </Panel>
  );
}

/**
 * copyText puts text on the clipboard. navigator.clipboard exists only in
 * secure contexts (HTTPS, localhost); a dashboard on plain HTTP in a LAN
 * falls back to the older execCommand on a temporary text area.
 */
async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // denied: try the fallback
  }
  const ta = document.createElement('textarea');
  ta.value = text;
  ta.setAttribute('readonly', '');
  ta.style.position = 'fixed';
  ta.style.opacity = '0';
  document.body.appendChild(ta);
  ta.select();
  const ok = document.execCommand('copy');
  ta.remove();
  return ok;
}

function NodesPanel() {
  const q = useQuery({ queryKey: ['/admin/nodes'], queryFn: ({ signal }) => get<{ nodes: AdminNode[] }>('/admin/nodes', undefined, signal) });
  const create = useAdminWrite((n: { name: string; role: string; apiUrl: string }) => request('POST', '/api/v1/admin/nodes', n), ['/admin/nodes']);
  const patch = useAdminWrite(({ id, ...n }: { id: number; name?: string; role?: string; apiUrl?: string }) => request('PATCH', `/api/v1/admin/nodes/${id}`, n), ['/admin/nodes']);
  const del = useAdminWrite((id: number) => request('DELETE', `/api/v1/admin/nodes/${id}`), ['/admin/nodes']);
  const [form, setForm] = useState({ name: '', role: 'outbound', apiUrl: '' });
  const err = create.error ?? patch.error ?? del.error;
  return (
    <Panel title="MTA nodes" id="admin-nodes" loading={q.isPending} error={q.error} >
      <table className="table compact" data-table="nodes">
        <thead>
          <tr>
            <th>Name</th>
            <th>Role</th>
            <th>ZoneMTA API</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {q.data?.nodes.map((n) => (
            <tr key={n.id}>
              <td>{n.name}</td>
              <td>{n.role}</td>
              <td>{n.apiUrl || <span className="muted">none</span>}</td>
              <td className="row-actions">
                <button
                  type="button"
                  onClick={() => {
                    const u = window.prompt(`ZoneMTA API URL of ${n.name}`, n.apiUrl);
                    if (u !== null) patch.mutate({ id: n.id, apiUrl: u });
                  }}
                >
                  Edit URL
                </button>
                <button type="button" className="danger" onClick={() => window.confirm(`Remove node ${n.name}?`) && del.mutate(n.id)}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate(form, { onSuccess: () => setForm({ name: '', role: 'outbound', apiUrl: '' }) });
        }}
      >
        <input aria-label="Node name" placeholder="name" required value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
        <input aria-label="Node role" placeholder="role" list="node-roles" value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value })} />
        <datalist id="node-roles">
          <option value="outbound" />
          <option value="inbound" />
          <option value="mx" />
        </datalist>
        <input aria-label="ZoneMTA API URL" placeholder="http://mta-01:12080" value={form.apiUrl} onChange={(e) => setForm({ ...form, apiUrl: e.target.value })} />
        <button type="submit">Add node</button>
      </form>
      {err && <p className="state-error" role="alert">{errorText(err)}</p>}
    </Panel>
  );
}

const RETENTION_FIELDS: { key: keyof Retention; label: string }[] = [
  { key: 'events', label: 'Raw events' },
  { key: 'rollup5m', label: '5-minute rollups' },
  { key: 'rollup1h', label: 'Hourly rollups' },
  { key: 'rollup1d', label: 'Daily rollups' },
];

function RetentionPanel() {
  const q = useQuery({ queryKey: ['/admin/settings'], queryFn: ({ signal }) => get<{ retention: Retention }>('/admin/settings', undefined, signal) });
  const save = useAdminWrite((r: Retention) => request('PUT', '/api/v1/admin/settings', { retention: r }), ['/admin/settings']);
  const [draft, setDraft] = useState<Retention | null>(null);
  const r = draft ?? q.data?.retention;
  return (
    <Panel title="Retention" id="admin-retention" loading={q.isPending} error={q.error}>
      {r && (
        <form
          className="stack-form"
          onSubmit={(e) => {
            e.preventDefault();
            save.mutate(r, { onSuccess: () => setDraft(null) });
          }}
        >
          {RETENTION_FIELDS.map((f) => (
            <label key={f.key}>
              {f.label}
              <input name={f.key} value={r[f.key]} pattern="0|[0-9]+[hd]" title="a duration such as 30d or 12h; 0 keeps forever" onChange={(e) => setDraft({ ...r, [f.key]: e.target.value })} />
            </label>
          ))}
          <p className="muted small">Durations such as 30d or 12h; 0 keeps forever.</p>
          <button type="submit" disabled={!draft}>
            Save
          </button>
          {save.error && <p className="state-error" role="alert">{errorText(save.error)}</p>}
          {save.isSuccess && !draft && <p role="status">Saved.</p>}
        </form>
      )}
    </Panel>
  );
}

function AuditPanel() {
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const q = useQuery({
    queryKey: ['/admin/audit-log', cursor],
    queryFn: ({ signal }) => get<{ entries: AuditEntry[]; nextCursor: string | null }>('/admin/audit-log', { limit: 50, cursor }, signal),
  });
  return (
    <Panel title="Audit log" id="admin-audit" className="span-2" loading={q.isPending} error={q.error} empty={q.data?.entries.length === 0} emptyText="No administrative actions yet.">
      <table className="table compact" data-table="audit">
        <thead>
          <tr>
            <th>Time</th>
            <th>Actor</th>
            <th>Action</th>
            <th>Target</th>
            <th>Detail</th>
            <th>From</th>
          </tr>
        </thead>
        <tbody>
          {q.data?.entries.map((e) => (
            <tr key={e.id}>
              <td className="nowrap">{formatTime(e.time)}</td>
              <td>{e.actor}</td>
              <td>{e.action}</td>
              <td>{e.target}</td>
              <td className="ellipsis">{e.detail}</td>
              <td>{e.remoteAddr}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="pager">
        <button type="button" disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
          Newer
        </button>
        <button type="button" disabled={!q.data?.nextCursor} onClick={() => q.data?.nextCursor && setCursors((c) => [...c, q.data!.nextCursor!])}>
          Older
        </button>
      </div>
    </Panel>
  );
}
