// Secrets scrubbed by value. The logger redacts by key (a `password` field, a URL's password), but
// a secret can leave inside any string: an adapter's error message quoting a connection string, a
// diff, an Event. So the process remembers every secret value it reads (credentials Secrets, admin
// URLs) or makes (generated passwords, connection URIs), and every string that leaves — log lines,
// Event messages, condition messages, the rest of status — has each remembered value replaced.
//
// Values shorter than MIN_SECRET_LENGTH are not remembered: replacing `5432` or `test` everywhere
// would garble every message, and a secret that short is no secret. Each value is remembered in
// the forms it travels in: as is, URL-encoded (inside a connection URI) and base64 (a Secret's data).

export const REDACTED = '[redacted]';
/** Shorter values are never scrubbed (see above). */
export const MIN_SECRET_LENGTH = 8;
/** Bound on remembered values; the oldest are forgotten first (rotations add new ones). */
const MAX_VALUES = 10_000;

/**
 * Keys whose values are secrets, matched lower-cased without `_` or `-`, by suffix (so
 * `masterUserPassword` and `AWS_SESSION_TOKEN` match). Shared with the logger's redaction by key.
 */
export const SECRET_KEYS: readonly string[] = [
  'password',
  'passwd',
  'secretAccessKey',
  'secretKey',
  'clientSecret',
  'token',
  'apiKey',
  'privateKey',
  'authorization',
  'cookie',
  'uri',
  'connectionString',
  'connectionDetails',
  'credentials',
];

const normalize = (key: string) => key.toLowerCase().replace(/[^a-z0-9]/g, '');
const NORMALIZED = SECRET_KEYS.map(normalize);

/** Whether a key names a secret value (`password`, `databaseUri`, `AWS_SECRET_ACCESS_KEY` …). */
export function isSecretKey(key: string): boolean {
  const k = normalize(key);
  return NORMALIZED.some((s) => k.endsWith(s));
}

export class SecretScrubber {
  private readonly values = new Set<string>();
  /** Longest first, so a URI is replaced whole before the password inside it. */
  private sorted: string[] | undefined = [];

  /** Remembers a secret value (and the forms it travels in); short or empty values are ignored. */
  remember(value: string | undefined): void {
    if (!value || value.length < MIN_SECRET_LENGTH) return;
    for (const form of [value, encodeURIComponent(value), Buffer.from(value).toString('base64'), ...urlPassword(value)]) {
      if (form.length < MIN_SECRET_LENGTH || this.values.has(form)) continue;
      this.values.add(form);
      this.sorted = undefined;
      if (this.values.size > MAX_VALUES) this.values.delete(this.values.values().next().value!);
    }
  }

  /**
   * Remembers every value of a record whose key names a secret, or a URL (an admin `url` holds
   * the password); not the rest (hosts, ports, names).
   */
  rememberFields(record: Record<string, string> | undefined): void {
    for (const [key, value] of Object.entries(record ?? {})) if (isSecretKey(key) || normalize(key).endsWith('url')) this.remember(value);
  }

  /** Remembers every value of a record (a credentials Secret: nothing in it is for showing). */
  rememberAll(record: Record<string, string> | undefined): void {
    for (const value of Object.values(record ?? {})) this.remember(value);
  }

  /** The text with every remembered value replaced by [redacted]. */
  scrub(text: string): string {
    if (!this.values.size) return text;
    this.sorted ??= [...this.values].sort((a, b) => b.length - a.length);
    let out = text;
    for (const value of this.sorted) if (out.includes(value)) out = out.split(value).join(REDACTED);
    return out;
  }

  /** Every string in a JSON-like value scrubbed (keys too); other values as they are. */
  scrubDeep<T>(value: T): T {
    if (!this.values.size) return value;
    return this.deep(value) as T;
  }

  private deep(value: unknown): unknown {
    if (typeof value === 'string') return this.scrub(value);
    if (Array.isArray(value)) return value.map((v) => this.deep(v));
    if (value === null || typeof value !== 'object' || value instanceof Date) return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.scrub(k), this.deep(v)]));
  }
}

/** The password of a URL value (`postgresql://u:PASSWORD@h/db`), decoded and as written. */
function urlPassword(value: string): string[] {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return [];
  try {
    const raw = new URL(value).password;
    return raw ? [raw, decodeURIComponent(raw)] : [];
  } catch {
    return [];
  }
}

/** The operator process's scrubber: everything that reads or makes a secret tells it. */
export const scrubber = new SecretScrubber();
