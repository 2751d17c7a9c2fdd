// The one fetch wrapper: same-origin session cookie, the CSRF header on
// state-changing requests, and the API's JSON errors turned into ApiError.

/** ApiError is a non-2xx answer of the API, with its JSON error code. */
export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    /** retryAfter is the Retry-After header in seconds (429, 503), or null. */
    public retryAfter: number | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken = '';
let onUnauthorized: (() => void) | null = null;

/** setCsrfToken records the session's token, sent as X-CSRF-Token on writes. */
export function setCsrfToken(t: string) {
  csrfToken = t;
}

/** setUnauthorizedHandler is called when a request answers 401 (session expired). */
export function setUnauthorizedHandler(fn: (() => void) | null) {
  onUnauthorized = fn;
}

/** apiUrl builds /api/v1 + path with the non-empty parameters. */
export function apiUrl(path: string, params?: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params ?? {})) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return `/api/v1${path}${s ? '?' + s : ''}`;
}

async function errorOf(res: Response): Promise<ApiError> {
  let code = 'http_' + res.status;
  let message = res.statusText || `HTTP ${res.status}`;
  try {
    const body = await res.json();
    if (body?.error) {
      code = body.error.code ?? code;
      message = body.error.message ?? message;
    }
  } catch {
    // not JSON: keep the status text
  }
  const ra = Number(res.headers.get('Retry-After'));
  return new ApiError(res.status, code, message, res.headers.has('Retry-After') && Number.isFinite(ra) && ra >= 0 ? ra : null);
}

/** request sends a request and decodes the JSON answer (undefined for 204). */
export async function request<T>(method: string, url: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  const res = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
    signal,
  });
  if (!res.ok) {
    const err = await errorOf(res);
    if (res.status === 401 && onUnauthorized && !url.startsWith('/api/v1/auth/')) onUnauthorized();
    throw err;
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** get is request('GET', …) with the API's parameters. */
export function get<T>(path: string, params?: Record<string, string | number | undefined | null>, signal?: AbortSignal) {
  return request<T>('GET', apiUrl(path, params), undefined, signal);
}
