// Secrets scrubbed by value. The logger redacts by key (a `password` field, a URL's password), but
// a secret can leave inside any string: an adapter's error message quoting a connection string, a
// diff, an Event. So the process remembers the secret values it reads as credentials or makes, and
// every string that leaves — log lines, Event messages, condition messages, the rest of status —
// has each remembered value replaced.
//
// What is remembered is chosen by the operator, never by a tenant: a value a namespace wrote into
// its own Secret would otherwise be a way to make any string (another team's name, a reason code)
// vanish from everyone's messages, or to flood the scrubber until it forgets a real credential.
// Two tiers:
// - credentials, read from a ProviderConfig's Secret (admin-written): every value but the plain
//   connection settings (host, port, username …), kept for the life of the process, never evicted;
// - generated values, made by the operator (passwords, URIs built from them): kept per namespace,
//   each namespace bounded on its own, so one namespace's churn evicts only its own values and
//   never a credential.
//
// Values shorter than MIN_SECRET_LENGTH are not remembered: replacing `5432` or `test` everywhere
// would garble every message, and a secret that short is no secret. Each value is remembered in
// the forms it travels in: as is, URL-encoded (inside a connection URI) and base64 (a Secret's data).

export const REDACTED = '[redacted]';
/** Shorter values are never scrubbed (see above). */
export const MIN_SECRET_LENGTH = 8;
/** Bound on generated values remembered per namespace; its oldest are forgotten first (rotations add new ones). */
export const MAX_GENERATED_PER_SCOPE = 2_000;

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

/**
 * Keys of a credentials Secret that hold where and as whom to connect, never a secret (matched like
 * SECRET_KEYS, but whole): the PostgreSQL admin Secret's host, port, username, database and sslmode.
 */
export const CONNECTION_SETTINGS: readonly string[] = ['host', 'hostname', 'port', 'username', 'user', 'database', 'dbname', 'sslmode', 'region', 'endpoint'];

const SETTINGS = new Set(CONNECTION_SETTINGS);

/** Whether a credentials Secret's key is a plain connection setting (see CONNECTION_SETTINGS). */
export function isConnectionSetting(key: string): boolean {
  return SETTINGS.has(key.toLowerCase().replace(/[^a-z0-9]/g, ''));
}

/** Whether a key names a secret value (`password`, `databaseUri`, `AWS_SECRET_ACCESS_KEY` …). */
export function isSecretKey(key: string): boolean {
  const k = normalize(key);
  return NORMALIZED.some((s) => k.endsWith(s));
}

export class SecretScrubber {
  /** Credentials read (a ProviderConfig's Secret): never forgotten. */
  private readonly credentials = new Set<string>();
  /** Generated values by scope (a namespace), oldest first. */
  private readonly generated = new Map<string, Set<string>>();
  private readonly maxPerScope: number;
  /** Longest first, so a URI is replaced whole before the password inside it. */
  private sorted: string[] | undefined = [];

  constructor(options: { maxGeneratedPerScope?: number } = {}) {
    this.maxPerScope = options.maxGeneratedPerScope ?? MAX_GENERATED_PER_SCOPE;
  }

  /**
   * Remembers a credential the operator read (and the forms it travels in, the password inside a
   * URL too) for good; short or empty values are ignored. Never for values a tenant can write.
   */
  remember(value: string | undefined): void {
    if (!value || value.length < MIN_SECRET_LENGTH) return;
    for (const form of [...forms(value), ...urlPassword(value)]) {
      if (form.length < MIN_SECRET_LENGTH || this.credentials.has(form)) continue;
      this.credentials.add(form);
      this.sorted = undefined;
    }
  }

  /**
   * Remembers every value of a credentials Secret, whatever its key (an admin may keep a token under
   * any name), except the connection settings the providers document as plain (CONNECTION_SETTINGS):
   * scrubbing the admin's host `127.0.0.1` or user `postgres` would garble every endpoint and message.
   */
  rememberAll(record: Record<string, string> | undefined): void {
    for (const [key, value] of Object.entries(record ?? {})) if (!isConnectionSetting(key)) this.remember(value);
  }

  /**
   * Remembers a value the operator generated (or built from one) for an object in `scope` (its
   * namespace). Each scope keeps its most recent values; the oldest of that scope go first.
   */
  rememberGenerated(scope: string, value: string | undefined): void {
    if (!value || value.length < MIN_SECRET_LENGTH) return;
    let values = this.generated.get(scope);
    if (!values) this.generated.set(scope, (values = new Set()));
    for (const form of forms(value)) {
      if (form.length < MIN_SECRET_LENGTH) continue;
      // Seen again: it is in use, so it moves to the young end.
      if (!values.delete(form)) this.sorted = undefined;
      values.add(form);
      if (values.size > this.maxPerScope) {
        values.delete(values.values().next().value!);
        this.sorted = undefined;
      }
    }
  }

  /** Whether `value` is a generated value remembered in `scope` (made by this process). */
  knowsGenerated(scope: string, value: string | undefined): boolean {
    return Boolean(value && this.generated.get(scope)?.has(value));
  }

  /** The text with every remembered value replaced by [redacted]. */
  scrub(text: string): string {
    this.sorted ??= [...new Set([...this.credentials, ...[...this.generated.values()].flatMap((v) => [...v])])].sort((a, b) => b.length - a.length);
    if (!this.sorted.length) return text;
    let out = text;
    for (const value of this.sorted) if (out.includes(value)) out = out.split(value).join(REDACTED);
    return out;
  }

  /** Every string in a JSON-like value scrubbed (keys too); other values as they are. */
  scrubDeep<T>(value: T): T {
    if (!this.credentials.size && !this.generated.size) return value;
    return this.deep(value) as T;
  }

  private deep(value: unknown): unknown {
    if (typeof value === 'string') return this.scrub(value);
    if (Array.isArray(value)) return value.map((v) => this.deep(v));
    if (value === null || typeof value !== 'object' || value instanceof Date) return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.scrub(k), this.deep(v)]));
  }
}

/** A value as is, URL-encoded and base64-encoded. */
function forms(value: string): string[] {
  return [value, encodeURIComponent(value), Buffer.from(value).toString('base64')];
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

/** The operator process's scrubber: whatever reads a credential or makes a secret tells it. */
export const scrubber = new SecretScrubber();
