/** The PulseScore API from the browser: same origin, session cookie, errors as `ApiError`. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      credentials: 'same-origin',
      headers: body !== undefined ? { 'content-type': 'application/json' } : {},
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new ApiError(0, 'network_error', 'PulseScore could not be reached. Check your connection and try again.');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const error = (json as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
    throw new ApiError(
      res.status,
      error?.code ?? 'http_error',
      error?.message ?? `Something went wrong (HTTP ${res.status}). Try again in a moment.`,
      error?.details,
    );
  }
  return json as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body: unknown = {}) => api<T>('POST', path, body);
export const put = <T>(path: string, body: unknown) => api<T>('PUT', path, body);
export const patch = <T>(path: string, body: unknown) => api<T>('PATCH', path, body);
export const del = <T>(path: string) => api<T>('DELETE', path);

interface Issue {
  path?: string;
  field?: string;
  message?: string;
}

/** The validation issues an error carries (`details`: a list of `{ path, message }`, or `{ field }` for one field). */
function issues(err: ApiError): Issue[] {
  if (Array.isArray(err.details)) return err.details as Issue[];
  if (err.details && typeof err.details === 'object' && 'field' in err.details) return [err.details as Issue];
  return [];
}

/** "body.secret" → "secret"; "query.state" and "querystring.q" → "state" and "q". */
const fieldOf = (path: string | undefined) =>
  (path ?? '').replace(/^\/?(body|querystring|query|params|request)[./]?/, '').replace(/^[./]/, '');

/** The validator's stock messages, in words: "Too big: expected string to have <=200 characters" → "must be at most 200 characters long". */
function plain(message: string): string {
  const rules: [RegExp, (m: RegExpMatchArray) => string][] = [
    [/^Too big: expected string to have <=?(\d+) characters?$/i, (m) => `must be at most ${m[1]} characters long`],
    [/^Too small: expected string to have >=?(\d+) characters?$/i, (m) => `must be at least ${m[1]} characters long`],
    [/^Too big: expected number to be <=?(-?[\d.]+)$/i, (m) => `must be at most ${m[1]}`],
    [/^Too small: expected number to be >=?(-?[\d.]+)$/i, (m) => `must be at least ${m[1]}`],
    [/^Invalid input: expected (\w+), received (\w+)$/i, (m) => `must be a ${m[1]}`],
  ];
  for (const [pattern, say] of rules) {
    const m = message.match(pattern);
    if (m) return say(m);
  }
  return message;
}

/** `ApiError` details as messages per form field, in words: `{ secret: 'must be a Stripe signing secret (whsec_…)' }`. */
export function fieldErrors(err: unknown): Record<string, string> {
  if (!(err instanceof ApiError)) return {};
  const out: Record<string, string> = {};
  for (const i of issues(err)) {
    const field = fieldOf(i.path ?? i.field);
    if (field && i.message && !out[field]) out[field] = i.message;
  }
  return out;
}

const sentence = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) + (/[.!?…)]$/.test(s) ? '' : '.') : s);

/**
 * A readable message for any error a query or mutation throws. Validation failures never show their raw form
 * ("body.secret: …"): each issue is named by its field's label (`labels`) or, without one, in plain words.
 */
/** Fields many requests share (the list's search and filters), named as the page names them. */
const COMMON_LABELS: Record<string, string> = { q: 'The search', risk: 'The risk filter', state: 'The state filter', sort: 'The sort' };

export function errorMessage(err: unknown, pageLabels: Record<string, string> = {}): string {
  const labels = { ...COMMON_LABELS, ...pageLabels };
  if (err instanceof ApiError) {
    const list = issues(err);
    if (err.code === 'validation_failed' || (list.length > 0 && /^Invalid request/.test(err.message))) {
      const parts = list
        .filter((i) => i.message)
        .map((i) => {
          const field = fieldOf(i.path ?? i.field);
          const label =
            labels[field] ??
            (field
              ? field
                  .replace(/[._]/g, ' ')
                  .replace(/([a-z])([A-Z])/g, '$1 $2')
                  .toLowerCase()
              : '');
          const said = plain(i.message!);
          return sentence(label ? `${label} ${said}` : said);
        });
      return parts.length > 0 ? parts.join(' ') : 'Some of what you entered is not valid. Check the form and try again.';
    }
    // Any other message that names a field by its path names it by its label.
    const named = err.message.replace(/\b(?:body|query|params)\.([\w.]+)/g, (_m, f: string) => labels[f] ?? f.replace(/[._]/g, ' '));
    return named === err.message ? named : sentence(named);
  }
  return 'Something went wrong. Try again in a moment.';
}
