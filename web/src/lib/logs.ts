// The event search's filters, read from and written to the address, and
// turned into /email/events parameters (and the export's, which takes the same).
import { rangeFromSearch, rangeParams } from './timerange';

/** LOG_FILTERS are every filter of GET /api/v1/email/events besides the range. */
export const LOG_FILTERS = [
  { key: 'eventType', label: 'Event type' },
  { key: 'direction', label: 'Direction' },
  { key: 'node', label: 'MTA node' },
  { key: 'fromDomain', label: 'Sender domain' },
  { key: 'toDomain', label: 'Recipient domain' },
  { key: 'sendingIp', label: 'Sending IP' },
  { key: 'mxHost', label: 'MX host' },
  { key: 'statusCode', label: 'Status code' },
  { key: 'messageId', label: 'Message-ID' },
  { key: 'queueId', label: 'Queue ID' },
  { key: 'address', label: 'Address' },
  { key: 'q', label: 'SMTP reply text' },
  { key: 'bounceCategory', label: 'Bounce category' },
] as const;

export type LogFilterKey = (typeof LOG_FILTERS)[number]['key'];

export const PAGE_SIZES = [50, 100, 250, 500] as const;

/** logParams are the /email/events parameters of an address's query string (without the cursor). */
export function logParams(search: URLSearchParams): Record<string, string> {
  const p: Record<string, string> = { ...rangeParams(rangeFromSearch(search)) };
  for (const f of LOG_FILTERS) {
    const v = search.get(f.key);
    if (v) p[f.key] = v;
  }
  // The select offers PAGE_SIZES; any size the API takes (1–1000) may come in the URL.
  const limit = Number(search.get('limit'));
  p.limit = String(Number.isInteger(limit) && limit >= 1 && limit <= 1000 ? limit : 100);
  return p;
}

/** exportUrl is the export endpoint's address for the same filters. */
export function exportUrl(params: Record<string, string>, format: 'csv' | 'ndjson'): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (k !== 'limit' && k !== 'cursor') q.set(k, v);
  q.set('format', format);
  return `/api/v1/email/events/export?${q.toString()}`;
}
