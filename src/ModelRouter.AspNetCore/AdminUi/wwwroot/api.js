// The admin API client: the admin key from sessionStorage, JSON in and out, ETags, problem+json errors.

const meta = (name, fallback) => document.querySelector(`meta[name="${name}"]`)?.content || fallback;

/** The admin API's path prefix on this host. */
export const adminApi = meta('modelrouter-admin-api', '/admin');

/** The chat endpoint's path prefix on this host. */
export const routerPath = meta('modelrouter-router-path', '/router');

const keyName = 'modelrouter.admin';
const hostAuth = '\u0000host';

/** The admin key of this tab, or the host-auth marker, or null before sign-in. */
export function signedIn() {
  return sessionStorage.getItem(keyName) !== null;
}

export function signIn(key) {
  sessionStorage.setItem(keyName, key ?? hostAuth);
}

export function signOut() {
  sessionStorage.removeItem(keyName);
}

/** An error answer of the admin API, with its problem document when it sent one. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `The admin API answered ${status}.`);
    this.status = status;
    this.problem = problem ?? {};
  }

  /** The errors keyed by field path (problem+json "errors"). */
  get errors() {
    return this.problem.errors ?? {};
  }
}

let unauthorized = () => {};

/** Sets what happens when the admin API answers 401 (back to sign-in). */
export function onUnauthorized(handler) {
  unauthorized = handler;
}

/** Calls the admin API: returns { data, etag } or throws ApiError. */
export async function api(method, path, { body, etag } = {}) {
  const headers = { Accept: 'application/json' };
  const key = sessionStorage.getItem(keyName);
  if (key && key !== hostAuth) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (etag) headers['If-Match'] = etag;
  const response = await fetch(adminApi + path, {
    method,
    headers,
    body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)),
    credentials: 'same-origin',
    cache: 'no-store',
  });
  if (!response.ok) {
    let problem = null;
    try {
      problem = await response.json();
    } catch {
      problem = null;
    }
    if (response.status === 401) unauthorized();
    throw new ApiError(response.status, problem);
  }
  const data = response.status === 204 ? null : await response.json();
  return { data, etag: response.headers.get('ETag') };
}

/** Reads every item of a list, page by page. */
export async function listAll(segment) {
  const items = [];
  for (let offset = 0; ; offset += 500) {
    const { data } = await api('GET', `/${segment}?offset=${offset}&limit=500`);
    items.push(...data.items);
    if (items.length >= data.total || data.items.length === 0) return items;
  }
}

export const enc = encodeURIComponent;
