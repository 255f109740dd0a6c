// Talking to the silo's HTTP API with the signed-in API token. The token lives in this tab's session storage only:
// it is sent as a bearer header (never a cookie, so no other site can make the browser use it) and only to this origin.

const TOKEN_KEY = 'mesh.console.token';

/** A failed API call: the HTTP status and the problem document the API answered with. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }

  /** What to show: the problem's detail, with its code when there is one. */
  get text() {
    const detail = this.problem?.detail ?? this.problem?.title ?? `The request failed (HTTP ${this.status}).`;
    return this.problem?.code ? `${detail} (${this.problem.code})` : detail;
  }
}

export const session = {
  token: sessionStorage.getItem(TOKEN_KEY),
  me: null,

  may(permission) {
    return !!this.me && this.me.permissions.includes(permission);
  },
};

export function remember(token) {
  session.token = token;
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forget() {
  session.token = null;
  session.me = null;
  sessionStorage.removeItem(TOKEN_KEY);
}

/**
 * Calls the API. Resolves with the parsed JSON (null for an empty body); rejects with an ApiError. A 401 means the
 * token no longer works (revoked, say): the console signs out and says why.
 */
export async function api(method, path, body, { token = session.token, signal } = {}) {
  const headers = { Accept: 'application/json' };
  if (token) {
    headers.Authorization = `Bearer ${token}`;
  }

  const init = { method, headers, cache: 'no-store', credentials: 'omit', redirect: 'error', signal };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }

  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (error.name === 'AbortError') {
      throw error;
    }

    throw new ApiError(0, { title: 'Mesh did not answer', detail: 'The silo could not be reached. Check the connection; the console keeps trying.' });
  }

  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { detail: text.slice(0, 500) };
    }
  }

  if (response.status === 401 && token === session.token && session.me) {
    window.dispatchEvent(new CustomEvent('mesh:unauthorized', { detail: 'The silo no longer accepts your token (revoked or expired). Sign in again.' }));
  }

  if (!response.ok) {
    throw new ApiError(response.status, data);
  }

  return data;
}

/** Path segments of "tenant/name" ids, escaped for a URL. */
export function idPath(id) {
  return String(id).split('/').map(encodeURIComponent).join('/');
}
