// The PowerDNS Authoritative HTTP API (v1) as this provider uses it: zones and their record sets,
// read with GET and changed with PATCH. Every request goes through the ProviderConfig's limiter
// and leaves here answered or typed; the API key travels only in the X-API-Key header.
import { createHash } from 'node:crypto';
import { RetryableError, TerminalError, callSignal, type ProviderConnection, type RequestLimiter } from '../../sdk/index.ts';
import { classifyFailure, classifyStatus } from './classify.ts';
import { PdnsReason } from './reasons.ts';

export const API_DEFAULTS = {
  /** A request without an answer after this long counts as a failure to retry. */
  timeoutMs: 10_000,
  /** The server id in the API's paths (`/api/v1/servers/<id>`); `settings.serverId` overrides it. */
  serverId: 'localhost',
} as const;

/** Keys a credentials Secret may hold the API key under. */
const API_KEY_NAMES = ['apiKey', 'api-key', 'PDNS_API_KEY'];
const KNOWN_SETTINGS = new Set(['serverId']);

export interface PdnsSettings {
  /** `<endpoint>/api/v1/servers/<id>`. */
  serverUrl: string;
  apiKey: string;
  /** Changes when the endpoint or key does; never the key itself. */
  fingerprint: string;
}

/** Reads and checks a ProviderConfig for PowerDNS: the endpoint, the key, the settings. */
export function pdnsSettings(connection: ProviderConnection): PdnsSettings {
  const unknown = Object.keys(connection.settings).filter((k) => !KNOWN_SETTINGS.has(k));
  if (unknown.length) {
    throw new TerminalError(PdnsReason.ProviderConfigInvalid, `ProviderConfig ${connection.name}: PowerDNS knows no setting ${unknown.join(', ')} (known: ${[...KNOWN_SETTINGS].join(', ')})`);
  }
  if (!connection.endpoint) {
    throw new TerminalError(PdnsReason.ProviderConfigInvalid, `ProviderConfig ${connection.name} has no spec.endpoint; set it to the PowerDNS webserver's URL, such as http://127.0.0.1:8081`);
  }
  const apiKey = API_KEY_NAMES.map((k) => connection.secretData?.[k]).find((v) => v !== undefined && v !== '');
  if (!apiKey) {
    throw new TerminalError(
      PdnsReason.CredentialsNotFound,
      `ProviderConfig ${connection.name} needs credentials source Secret with the PowerDNS API key under ${API_KEY_NAMES.join(' or ')}`,
    );
  }
  const base = connection.endpoint.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
  const serverId = connection.settings.serverId ?? API_DEFAULTS.serverId;
  const serverUrl = `${base}/api/v1/servers/${encodeURIComponent(serverId)}`;
  return { serverUrl, apiKey, fingerprint: createHash('sha256').update(JSON.stringify([serverUrl, apiKey])).digest('hex') };
}

/** A zone as the API describes it; `rrsets` only when one zone is read. */
export interface ApiZone {
  id: string;
  name: string;
  rrsets?: ApiRRset[];
}

/** One entry of a PATCH: REPLACE sets the whole record set, DELETE removes it. */
/** An RRset as the API returns it inside a zone. */
export interface ApiRRset {
  name: string;
  type: string;
  ttl: number;
  records: { content: string; disabled?: boolean }[];
}

export interface RRsetChange {
  name: string;
  type: string;
  changetype: 'REPLACE' | 'DELETE';
  ttl?: number;
  records?: { content: string; disabled: boolean }[];
}

export class PdnsApi {
  private readonly settings: PdnsSettings;
  private readonly limiter: RequestLimiter | undefined;

  constructor(settings: PdnsSettings, limiter?: RequestLimiter) {
    this.settings = settings;
    this.limiter = limiter;
  }

  /** The server's own description: its daemon type and version. */
  server(): Promise<{ id: string; daemon_type: string; version: string }> {
    return this.request('read the server', 'GET', '');
  }

  /** Zones of exactly this name (the API filters by `zone=`). */
  zonesNamed(name: string): Promise<ApiZone[]> {
    return this.request<ApiZone[]>(`list zones named ${name}`, 'GET', `/zones?zone=${encodeURIComponent(name)}`);
  }

  /** One zone with every record set. A 404 is ZoneNotFound. `sent` is called as the request leaves the limiter. */
  zone(id: string, sent?: () => void): Promise<ApiZone> {
    return this.request<ApiZone>(`read zone ${id}`, 'GET', `/zones/${encodeURIComponent(id)}`, undefined, sent);
  }

  /** Applies the changes atomically: all or, on a 422, none. */
  async patch(zoneId: string, rrsets: RRsetChange[]): Promise<void> {
    await this.request<undefined>(`PATCH zone ${zoneId} (${rrsets.length} record sets)`, 'PATCH', `/zones/${encodeURIComponent(zoneId)}`, { rrsets });
  }

  private async request<T>(what: string, method: string, path: string, body?: unknown, sent?: () => void): Promise<T> {
    const call = () => {
      sent?.();
      return this.send<T>(what, method, path, body);
    };
    const result = this.limiter ? this.limiter.schedule(call) : call();
    return result.then(
      (value) => {
        this.limiter?.succeeded();
        return value;
      },
      (err: unknown) => {
        if ((err as { throttled?: boolean }).throttled) this.limiter?.throttled();
        throw err;
      },
    );
  }

  private async send<T>(what: string, method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.settings.serverUrl}${path}`, {
        method,
        headers: { 'X-API-Key': this.settings.apiKey, Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: withCallDeadline(AbortSignal.timeout(API_DEFAULTS.timeoutMs)),
        // fetch follows redirects by default, and sends the X-API-Key header along to wherever
        // the Location points: a redirect is an answer here, never followed.
        redirect: 'manual',
      });
    } catch (err) {
      throw classifyFailure(what, err);
    }
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel().catch(() => undefined);
      const location = redact(res.headers.get('location') ?? '(no Location)', this.settings.apiKey).slice(0, 200);
      throw new TerminalError(
        PdnsReason.RedirectRefused,
        `PowerDNS ${what}: HTTP ${res.status} redirect to ${location}, not followed (it would carry the API key there); set the ProviderConfig's spec.endpoint to the URL the API answers on`,
      );
    }
    const text = await res.text().catch(() => '');
    if (!res.ok) throw classifyStatus(what, res.status, redact(text, this.settings.apiKey), res.headers.get('retry-after'));
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new RetryableError(PdnsReason.ProviderError, `PowerDNS ${what}: the answer is not JSON (is spec.endpoint the PowerDNS webserver?)`, { cause: err });
    }
  }
}

/** The request's own timeout, and the deadline of the adapter call it is sent for (if any). */
const withCallDeadline = (timeout: AbortSignal) => {
  const call = callSignal();
  return call ? AbortSignal.any([timeout, call]) : timeout;
};

/** A server that echoes the key back (a misconfigured proxy) must not put it in our messages. */
const redact = (text: string, key: string) => (key ? text.split(key).join('***') : text);
