// A fault-injecting loopback proxy in front of the AWS emulator. moto is more forgiving than AWS
// (Route 53 changes are INSYNC at once, batches are not atomic, no throttling), so tests put this
// between the operator and the emulator to play the strict, unreliable cloud: throttling in Route
// 53's real error shape, 5xx, latency, dropped connections, a blackhole (requests held open and
// never answered), PENDING changes, rejected batches.
// It also counts what passes through, per action and over time, so tests can assert API cost.
// A fixed latency per call (`latencyMs`, apart from the faults) plays the network between a cluster
// and the real cloud: the bench's latency-bound mode makes the operator's concurrency, not the
// CPU, its limit. Delayed calls wait on timers, so the proxy holds any number of them cheaply.
// Route 53's change guards (CREATE of what exists, DELETE of other values) are always played
// (route53-strict.ts): moto does not keep them, and the Route 53 adapter relies on them. Other
// behaviours are played on request, in process: a ResponseRewrite (rds-insights.ts) replaces answers.
//
// Driven in process (`proxy.configure(...)`) or over HTTP on its own port, under CONTROL_PREFIX,
// by test files running in other processes (FaultProxyClient). Test files share one proxy and run
// side by side, so each client's faults are its own (the latency and the stats are the proxy's).
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { forgivingBody, parseChanges, parseListingPage, refusal, type StrictRecordSet } from './route53-strict.ts';

/** Whose faults a control request sets: each FaultProxyClient names itself in this header. */
const OWNER_HEADER = 'x-faultproxy-owner';
/** The owner of faults set in process, or by a client that names none. */
const LOCAL_OWNER = 'local';
const ownerOf = (req: IncomingMessage) => {
  const h = req.headers[OWNER_HEADER];
  return typeof h === 'string' && h ? h : LOCAL_OWNER;
};

interface FaultSet {
  faults: Faults;
  /** When a `throttle.forMs` set with these faults ends. */
  throttleUntil: number;
}

type Injected = { status: number; body: string } | 'drop' | 'hang' | undefined;

/** Control API paths live here; `_` cannot start an S3 bucket name nor a Route 53 path. */
export const CONTROL_PREFIX = '/_faultproxy';

/**
 * Which requests a fault applies to: actions as `classify` names them, or whole APIs (`s3`,
 * `route53`, `rds`). Neither given: every Route 53 request.
 */
export interface Match {
  actions?: string[] | undefined;
  apis?: string[] | undefined;
  /** And only requests of these HTTP methods (S3's actions are all `s3`: `PUT` picks its writes). */
  methods?: string[] | undefined;
}

export interface Faults {
  /** Answer Route 53's throttling error (HTTP 400) to the next `count` requests, or for `forMs`. */
  throttle?: (Match & { count?: number; forMs?: number; code?: 'Throttling' | 'PriorRequestNotComplete' }) | undefined;
  /**
   * Answer HTTP `status` (default 503) with error `code` (default ServiceUnavailable) to the next
   * `count` requests: e.g. 409 OperationAborted, S3's "a conflicting operation is in progress".
   */
  serverError?: (Match & { count: number; status?: number; code?: string }) | undefined;
  /** Close the connection without an answer for the next `count` requests. */
  drop?: (Match & { count: number }) | undefined;
  /**
   * A blackhole: hold the next `count` matching requests (unset: every one, until the faults are
   * replaced) open without an answer, until the client gives up and closes the connection.
   */
  hang?: (Match & { count?: number }) | undefined;
  /** Delay every matching request by this long before forwarding it (beside the fixed `latencyMs` of every call). */
  latency?: (Match & { ms: number }) | undefined;
  /** GetChange answers PENDING this many times for each change before INSYNC. */
  pendingGetChanges?: number | undefined;
  /** Reject, whole, any ChangeResourceRecordSets batch naming one of these record names (InvalidChangeBatch). */
  rejectNames?: string[] | undefined;
}

/** One cloud request as it arrived: the proxy's journal, for tests that look at when each object was tried. */
export interface JournalEntry {
  /** Milliseconds since the stats were reset. */
  at: number;
  action: string;
  method: string;
  /** The request path, its query left off (path-style S3: `/<bucket>/<key>`). */
  path: string;
  /** The fault injected instead of an answer, if any. */
  fault?: string | undefined;
  /** RDS (query protocol): the request's parameters, any password left out, so tests see what an adapter asked for. */
  params?: Record<string, string> | undefined;
}

/**
 * A cloud behaviour the emulator lacks, played on its answers: given the request and the
 * emulator's answer, a replacement answer (another body, or a refusal), or undefined to pass it on.
 * In process only (`FaultProxy.setRewrite`); e.g. rds-insights.ts reports Performance Insights.
 */
export type ResponseRewrite = (exchange: { action: string; request: string; status: number; body: string }) => { status: number; body: string } | undefined;

/** An RDS query-protocol body's parameters, passwords dropped (the journal is read by tests, and printed when one fails). */
export function rdsParams(body: string): Record<string, string> {
  return Object.fromEntries([...new URLSearchParams(body)].filter(([k]) => !/password/i.test(k)));
}

/** The journal keeps the newest entries, this many: enough for a test, bounded for a bench. */
const JOURNAL_MAX = 100_000;

export interface ProxyOptions {
  /** Loopback port to listen on; unset: a free one. */
  port?: number | undefined;
  /** Every cloud call waits this long before it is answered (a round trip to AWS); default 0. */
  latencyMs?: number | undefined;
}

/** A latency the proxy can take: a whole, non-negative number of milliseconds up to a minute. */
function checkedLatency(ms: unknown): number {
  if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0 || ms > 60_000) throw new Error(`latency must be whole milliseconds from 0 to 60000, got ${JSON.stringify(ms)}`);
  return ms;
}

export interface ProxyStats {
  /** Requests per action, faulted ones included (they reached "the cloud"). */
  byAction: Record<string, number>;
  /** How many requests got an injected fault, per fault kind. */
  faults: Record<string, number>;
  /** The most Route 53 requests that arrived within any one second (a sliding window). */
  route53PeakPerSecond: number;
  /** Route 53 requests by whole second since the stats were reset. */
  route53PerSecond: number[];
  /** Milliseconds from the stats' reset to the last Route 53 request. */
  route53SpanMs: number;
  /** The most requests that arrived within any one second, per API (`s3`, `route53`, `rds`). */
  peakPerSecond: Record<string, number>;
  /** Requests the `hang` fault holds now (the client has not closed them yet). */
  held: number;
  /** The fixed latency every cloud call gets now (ProxyOptions.latencyMs). */
  latencyMs: number;
  /**
   * Per API, how long the emulator took on average to answer a forwarded call, in milliseconds,
   * the latency not included: next to `latencyMs`, whether the emulator or the latency set the pace.
   */
  upstreamMeanMs: Record<string, number>;
}

const R53 = '/2013-04-01/';

/**
 * The AWS action a request is: `route53:ChangeResourceRecordSets`, `rds:CreateDBInstance`,
 * `sts:GetCallerIdentity`, `s3`, `moto-api`. RDS and STS share the emulator's endpoint and paths
 * with S3; their signature's credential scope (`service`) and query-protocol body (`Action=…`) tell
 * them apart (a fault on `s3` must not hold a config's STS probe).
 */
export function classify(method: string, path: string, service?: string, body?: string): string {
  const p = path.split('?')[0] ?? '';
  if (p.startsWith('/moto-api')) return 'moto-api';
  if (service === 'rds' || service === 'sts') return `${service}:${/(?:^|&)Action=([A-Za-z]+)/.exec(body ?? '')?.[1] ?? 'Other'}`;
  if (!p.startsWith(R53)) return 's3';
  const rest = p.slice(R53.length).split('/').filter(Boolean);
  const [collection, id, sub] = rest;
  const name = (() => {
    if (collection === 'change') return 'GetChange';
    if (collection === 'hostedzonesbyname') return 'ListHostedZonesByName';
    if (collection === 'hostedzonecount') return 'GetHostedZoneCount';
    if (collection === 'healthcheck') return healthCheckAction(method, id);
    if (collection === 'tags' && id === 'healthcheck') return method === 'POST' ? 'ChangeTagsForResource' : 'ListTagsForResource';
    if (collection === 'hostedzone') {
      if (sub === 'rrset') return method === 'POST' ? 'ChangeResourceRecordSets' : 'ListResourceRecordSets';
      if (id === undefined) return method === 'POST' ? 'CreateHostedZone' : 'ListHostedZones';
      if (sub === undefined) return method === 'DELETE' ? 'DeleteHostedZone' : 'GetHostedZone';
    }
    return 'Other';
  })();
  return `route53:${name}`;
}

/** Route 53's health check requests, `/healthcheck[/<id>]`, by method. */
function healthCheckAction(method: string, id: string | undefined): string {
  if (id === undefined) return method === 'POST' ? 'CreateHealthCheck' : 'ListHealthChecks';
  return ({ GET: 'GetHealthCheck', POST: 'UpdateHealthCheck', DELETE: 'DeleteHealthCheck' } as Record<string, string>)[method] ?? 'Other';
}

const XMLNS = 'https://route53.amazonaws.com/doc/2013-04-01/';
const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Route 53's error document (the standard REST-XML shape; InvalidChangeBatch uses it too since 2024). */
export function route53Error(code: string, message: string, type: 'Sender' | 'Receiver' = 'Sender'): string {
  return (
    `<?xml version="1.0"?>\n<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${code}</Code>` +
    `<Message>${escapeXml(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`
  );
}

const THROTTLE_MESSAGES = {
  Throttling: 'Rate exceeded',
  PriorRequestNotComplete: 'The request was rejected because Route 53 was still processing a prior request.',
};

/** `route53:GetChange` → `route53`; `s3` → `s3`. */
export const apiOf = (action: string) => action.split(':')[0] ?? action;

/** The service a SigV4 request is signed for (`Credential=AKID/date/region/service/aws4_request`). */
const signedService = (authorization: string | undefined) => /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(authorization ?? '')?.[1];

const matches = (m: Match | undefined, action: string, method = 'GET') => {
  if (m?.methods && !m.methods.includes(method)) return false;
  if (m?.actions || m?.apis) return Boolean(m.actions?.includes(action) || m.apis?.includes(apiOf(action)));
  return action.startsWith('route53:');
};

/** The most of `times` (sorted) within any window shorter than one second. */
function peakInOneSecond(times: number[]): number {
  let peak = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= 1000) j++;
    peak = Math.max(peak, i - j + 1);
  }
  return peak;
}

export class FaultProxy {
  /** Where clients send requests (and the control API); set once listening. */
  endpoint = '';
  private readonly server: Server;
  private readonly target: URL;
  private readonly sockets = new Set<Socket>();
  /**
   * Each client's faults apart (test files share one proxy and run side by side): one file's
   * `configure({})` clears its own, never another's. A request meets them in the order set.
   */
  private faultSets = new Map<string, FaultSet>();
  /** The network's round trip, added to every cloud call whatever the faults (configure leaves it). */
  private latencyMs = 0;
  /** Requests the hang fault holds, until their client closes the connection. */
  private held = 0;
  /** Proxy change id → the emulator's (moto reuses one change id for many changes). */
  private readonly changes = new Map<string, { upstream: string; pendingLeft: number }>();
  private changeSeq = 0;
  private statsSince = Date.now();
  private byAction: Record<string, number> = {};
  private faultCounts: Record<string, number> = {};
  private route53Times: number[] = [];
  /** Arrival times per API, for the per-second peaks (route53 is route53Times). */
  private apiTimes: Record<string, number[]> = {};
  /** Per API, the calls forwarded and the milliseconds the emulator took for them. */
  private upstreamTimes: Record<string, { calls: number; ms: number }> = {};
  private journal: JournalEntry[] = [];
  /** Per hosted zone, the last change batch checked and forwarded: one at a time, as Route 53 applies them. */
  private readonly zoneChanges = new Map<string, Promise<void>>();
  private rewrite: ResponseRewrite | undefined;

  private constructor(target: URL) {
    this.target = target;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`fault proxy: ${(err as Error).message}`);
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** Listens on loopback (a free port unless given) and forwards to `target`. */
  static async start(target: string, options: ProxyOptions = {}): Promise<FaultProxy> {
    const proxy = new FaultProxy(new URL(target));
    proxy.setLatency(options.latencyMs ?? 0);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    proxy.endpoint = `http://127.0.0.1:${(proxy.server.address() as AddressInfo).port}`;
    return proxy;
  }

  /** Replaces `owner`'s fault set (an empty object clears it); other owners' faults stay. */
  configure(faults: Faults, owner = LOCAL_OWNER): void {
    this.faultSets.delete(owner);
    if (Object.keys(faults).length === 0) return;
    this.faultSets.set(owner, { faults: structuredClone(faults), throttleUntil: faults.throttle?.forMs ? Date.now() + faults.throttle.forMs : 0 });
  }

  private get sets(): FaultSet[] {
    return [...this.faultSets.values()];
  }

  /** Rewrites the emulator's answers from now on (undefined: passes them on as they are); faults come first. */
  setRewrite(rewrite: ResponseRewrite | undefined): void {
    this.rewrite = rewrite;
  }

  /** Sets the fixed latency of every cloud call (0: none); the faults are left as they are. */
  setLatency(ms: number): void {
    this.latencyMs = checkedLatency(ms);
  }

  resetStats(): void {
    this.statsSince = Date.now();
    this.byAction = {};
    this.faultCounts = {};
    this.route53Times = [];
    this.apiTimes = { route53: this.route53Times };
    this.upstreamTimes = {};
    this.journal = [];
  }

  /** The cloud requests since the stats were reset, oldest first (the newest JOURNAL_MAX of them). */
  requests(): JournalEntry[] {
    return this.journal.slice();
  }

  stats(): ProxyStats {
    const times = this.route53Times;
    const peak = peakInOneSecond(times);
    const perSecond: number[] = [];
    for (const t of times) {
      const s = Math.floor((t - this.statsSince) / 1000);
      while (perSecond.length <= s) perSecond.push(0);
      perSecond[s]!++;
    }
    return {
      byAction: { ...this.byAction },
      faults: { ...this.faultCounts },
      route53PeakPerSecond: peak,
      route53PerSecond: perSecond,
      route53SpanMs: times.length ? times[times.length - 1]! - this.statsSince : 0,
      held: this.held,
      latencyMs: this.latencyMs,
      upstreamMeanMs: Object.fromEntries(Object.entries(this.upstreamTimes).map(([api, t]) => [api, Math.round(t.ms / t.calls)])),
      peakPerSecond: Object.fromEntries(Object.entries(this.apiTimes).filter(([, t]) => t.length > 0).map(([api, t]) => [api, peakInOneSecond(t)])),
    };
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Counted at arrival, not once the body is in: a slow body must not bunch the per-second counts.
    const arrived = Date.now();
    const path = req.url ?? '/';
    const body = await readBody(req);
    if (path.startsWith(CONTROL_PREFIX)) return this.control(req.method ?? 'GET', path.slice(CONTROL_PREFIX.length), body, res, ownerOf(req));
    const authorization = req.headers.authorization;
    const text = body.length < 65_536 ? body.toString('utf8') : undefined;
    const action = classify(req.method ?? 'GET', path, signedService(authorization), text);
    this.count(action, arrived);
    const fault = this.fault(action, body, req.method ?? 'GET');
    this.record({ at: arrived, action, method: req.method ?? 'GET', path, params: apiOf(action) === 'rds' && text !== undefined ? rdsParams(text) : undefined }, fault);
    if (fault === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault === 'hang') {
      this.held++;
      req.socket.once('close', () => this.held--);
      return;
    }
    // The round trip to the cloud, decided at arrival like the faults; an error answer costs it too.
    if (this.latencyMs > 0 && action !== 'moto-api') await delay(this.latencyMs);
    if (fault) return send(res, fault.status, fault.body);
    const extra = Math.max(0, ...this.sets.map(({ faults: f }) => (f.latency && matches(f.latency, action, req.method) ? f.latency.ms : 0)));
    if (extra > 0) await new Promise((r) => setTimeout(r, extra));
    if (action === 'route53:ChangeResourceRecordSets') return this.strictChange(req, res, path, body);
    const upstream = await this.forward(req, this.rewriteRequestPath(action, path), body, apiOf(action));
    const played = this.rewrite?.({ action, request: text ?? '', status: upstream.status, body: upstream.body.toString('utf8') });
    if (played) return send(res, played.status, played.body, upstream.headers);
    if (upstream.status === 200 && action === 'route53:GetChange') return send(res, 200, this.changeStatus(path, upstream.body), upstream.headers);
    return send(res, upstream.status, upstream.body, upstream.headers);
  }

  private count(action: string, at: number): void {
    this.byAction[action] = (this.byAction[action] ?? 0) + 1;
    const api = apiOf(action);
    if (api === 'moto-api') return;
    (this.apiTimes[api] ??= api === 'route53' ? this.route53Times : []).push(at);
  }

  private record(entry: Omit<JournalEntry, 'fault'>, fault: ReturnType<FaultProxy['fault']>): void {
    const { at, action, method, path, params } = entry;
    if (action === 'moto-api') return;
    if (this.journal.length >= JOURNAL_MAX) this.journal.shift();
    const injected = fault === undefined ? undefined : typeof fault === 'string' ? fault : String(fault.status);
    this.journal.push({ at: at - this.statsSince, action, method, path: path.split('?')[0] ?? path, ...(injected ? { fault: injected } : {}), ...(params ? { params } : {}) });
  }

  /** The injected answer for this request, if any, from the first owner's set that has one. */
  private fault(action: string, body: Buffer, method: string): Injected {
    for (const set of this.sets) {
      const injected = this.faultOf(set, action, body, method);
      if (injected) return injected;
    }
    return undefined;
  }

  /** One owner's injected answer for this request, if any; consumes one unit of a counted fault. */
  private faultOf({ faults: f, throttleUntil }: FaultSet, action: string, body: Buffer, method: string): Injected {
    const hit = (kind: string) => (this.faultCounts[kind] = (this.faultCounts[kind] ?? 0) + 1);
    if (f.hang && (f.hang.count === undefined || f.hang.count > 0) && matches(f.hang, action, method)) {
      if (f.hang.count !== undefined) f.hang.count--;
      hit('hang');
      return 'hang';
    }
    if (f.drop && f.drop.count > 0 && matches(f.drop, action, method)) {
      f.drop.count--;
      hit('drop');
      return 'drop';
    }
    if (f.throttle && matches(f.throttle, action, method)) {
      const counted = f.throttle.count !== undefined && f.throttle.count > 0;
      if (counted || Date.now() < throttleUntil) {
        if (counted) f.throttle.count!--;
        const code = f.throttle.code ?? 'Throttling';
        hit(code);
        // S3 says "slow down" with a 503 of its own code; Route 53 and RDS with a 400 Throttling.
        if (apiOf(action) === 's3') return { status: 503, body: route53Error('SlowDown', 'Please reduce your request rate.', 'Receiver') };
        return { status: 400, body: route53Error(code, THROTTLE_MESSAGES[code]) };
      }
    }
    if (f.serverError && f.serverError.count > 0 && matches(f.serverError, action, method)) {
      f.serverError.count--;
      hit('serverError');
      const code = f.serverError.code ?? 'ServiceUnavailable';
      return { status: f.serverError.status ?? 503, body: route53Error(code, code === 'ServiceUnavailable' ? 'Service is unavailable, try again later.' : 'injected by the fault proxy', 'Receiver') };
    }
    if (f.rejectNames?.length && action === 'route53:ChangeResourceRecordSets') {
      const text = body.toString('utf8');
      const bad = f.rejectNames.find((n) => text.includes(`<Name>${n}</Name>`) || text.includes(`<Name>${n}.</Name>`));
      if (bad) {
        hit('invalidChangeBatch');
        const name = bad.endsWith('.') ? bad : `${bad}.`;
        return { status: 400, body: route53Error('InvalidChangeBatch', `[Invalid Resource Record: 'FATAL problem: injected by the fault proxy' encountered with '${name}']`) };
      }
    }
    return undefined;
  }

  /** A change batch under Route 53's guards, checked against the zone as the emulator holds it and forwarded, one per zone at a time. */
  private strictChange(req: IncomingMessage, res: ServerResponse, path: string, body: Buffer): Promise<void> {
    const zoneId = path.split('?')[0]!.split('/')[3] ?? '';
    const run = async () => {
      const text = body.toString('utf8');
      const zone = await this.upstreamRecordSets(zoneId, req.headers.authorization);
      if (!Array.isArray(zone)) return send(res, zone.status, zone.body);
      const refused = refusal(parseChanges(text), zone);
      if (refused) {
        this.faultCounts.strictRoute53 = (this.faultCounts.strictRoute53 ?? 0) + 1;
        return send(res, 400, route53Error('InvalidChangeBatch', refused));
      }
      const upstream = await this.forward(req, path, Buffer.from(forgivingBody(text)), 'route53');
      if (upstream.status === 200) return send(res, 200, this.mintChange(upstream.body), upstream.headers);
      return send(res, upstream.status, upstream.body, upstream.headers);
    };
    const done = (this.zoneChanges.get(zoneId) ?? Promise.resolve()).then(run);
    this.zoneChanges.set(zoneId, done.catch(() => undefined));
    return done;
  }

  /**
   * Every record set of a zone, read from the emulator (not counted), or the emulator's error (no
   * such zone), which is then the change's answer too. moto routes by the signature's service, so
   * the read carries the change's authorization header.
   */
  private async upstreamRecordSets(zoneId: string, authorization: string | undefined): Promise<StrictRecordSet[] | { status: number; body: Buffer }> {
    const out: StrictRecordSet[] = [];
    let query = 'maxitems=300';
    for (;;) {
      const page = await this.get(`${R53}hostedzone/${zoneId}/rrset?${query}`, authorization);
      if (page.status !== 200) return page;
      const { recordSets, next } = parseListingPage(page.body.toString('utf8'));
      out.push(...recordSets);
      if (!next) return out;
      query = new URLSearchParams({ maxitems: '300', name: next.name, ...(next.type ? { type: next.type } : {}), ...(next.id ? { identifier: next.id } : {}) }).toString();
    }
  }

  private get(path: string, authorization: string | undefined): Promise<{ status: number; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const headers = authorization ? { authorization } : {};
      const out = httpRequest({ host: this.target.hostname, port: this.target.port, method: 'GET', path, headers }, (upstream) => {
        void readBody(upstream).then((data) => resolve({ status: upstream.statusCode ?? 502, body: data }), reject);
      });
      out.once('error', reject);
      out.end();
    });
  }

  /** GetChange for a change id we minted asks the emulator about its own id. */
  private rewriteRequestPath(action: string, path: string): string {
    if (action !== 'route53:GetChange') return path;
    const id = path.split('/').pop() ?? '';
    const known = this.changes.get(id);
    return known ? `${R53}change/${known.upstream}` : path;
  }

  /** Route 53 change ids are unique per change; the emulator's are not, so give each its own. */
  private mintChange(body: Buffer): string {
    const text = body.toString('utf8');
    const upstream = /<Id>(?:\/change\/)?([^<]+)<\/Id>/.exec(text)?.[1];
    if (!upstream) return text;
    const id = `CFP${(++this.changeSeq).toString(36).toUpperCase().padStart(8, '0')}`;
    const pendingLeft = Math.max(0, ...this.sets.map((set) => set.faults.pendingGetChanges ?? 0));
    this.changes.set(id, { upstream, pendingLeft });
    const answer = text.replace(/<Id>[^<]*<\/Id>/, `<Id>/change/${id}</Id>`);
    return pendingLeft > 0 ? answer.replace(/<Status>INSYNC<\/Status>/, '<Status>PENDING</Status>') : answer;
  }

  private changeStatus(path: string, body: Buffer): string {
    const id = path.split('/').pop() ?? '';
    const known = this.changes.get(id);
    let text = body.toString('utf8');
    if (!known) return text;
    text = text.replace(/<Id>[^<]*<\/Id>/, `<Id>/change/${id}</Id>`);
    if (known.pendingLeft > 0) {
      known.pendingLeft--;
      text = text.replace(/<Status>INSYNC<\/Status>/, '<Status>PENDING</Status>');
    }
    return text;
  }

  /** Sends the request on to the emulator, timing its answer for `api` (`moto-api`: not timed). */
  private async forward(req: IncomingMessage, path: string, body: Buffer, api: string): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    const started = performance.now();
    const answer = await this.relay(req, path, body);
    if (api !== 'moto-api') {
      const t = (this.upstreamTimes[api] ??= { calls: 0, ms: 0 });
      t.calls++;
      t.ms += performance.now() - started;
    }
    return answer;
  }

  private relay(req: IncomingMessage, path: string, body: Buffer): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const headers = { ...req.headers };
      delete headers['content-length'];
      const out = httpRequest(
        { host: this.target.hostname, port: this.target.port, method: req.method, path, headers: { ...headers, 'content-length': String(body.length) } },
        (upstream) => {
          void readBody(upstream).then((data) => {
            const h: Record<string, string> = {};
            for (const [k, v] of Object.entries(upstream.headers)) {
              if (v !== undefined && !['content-length', 'transfer-encoding', 'connection'].includes(k)) h[k] = Array.isArray(v) ? v.join(', ') : v;
            }
            resolve({ status: upstream.statusCode ?? 502, headers: h, body: data });
          }, reject);
        },
      );
      out.once('error', reject);
      out.end(body);
    });
  }

  private control(method: string, path: string, body: Buffer, res: ServerResponse, owner = LOCAL_OWNER): void {
    const json = (status: number, value: unknown) => send(res, status, JSON.stringify(value), { 'content-type': 'application/json' });
    try {
      if (method === 'PUT' && path === '/faults') {
        this.configure(JSON.parse(body.toString('utf8') || '{}') as Faults, owner);
        return json(200, { ok: true });
      }
      if (method === 'PUT' && path === '/latency') {
        this.latencyMs = checkedLatency((JSON.parse(body.toString('utf8') || '{}') as { ms?: unknown }).ms);
        return json(200, { ok: true });
      }
      if (method === 'POST' && path === '/stats/reset') {
        this.resetStats();
        return json(200, { ok: true });
      }
      if (method === 'GET' && path === '/stats') return json(200, this.stats());
      if (method === 'GET' && path === '/journal') return json(200, this.requests());
      return json(404, { error: `no control endpoint ${method} ${path}` });
    } catch (err) {
      return json(400, { error: (err as Error).message });
    }
  }
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string> = {}): void {
  const payload = typeof body === 'string' ? Buffer.from(body) : body;
  const type = headers['content-type'] ?? 'text/xml';
  res.writeHead(status, { ...headers, 'content-type': type, 'content-length': String(payload.length), 'x-amzn-requestid': headers['x-amzn-requestid'] ?? randomUUID() });
  res.end(payload);
}

/** Drives a proxy over its control API: for test files in another process than the stack. */
export class FaultProxyClient {
  private readonly base: string;
  /** Its faults are its own: another client's configure neither clears nor replaces them. */
  private readonly owner = randomUUID();

  constructor(endpoint: string) {
    this.base = `${endpoint.replace(/\/$/, '')}${CONTROL_PREFIX}`;
  }

  async configure(faults: Faults): Promise<void> {
    await this.call('PUT', '/faults', faults);
  }

  /** The fixed latency of every cloud call from now on (0: none); faults are left as they are. */
  async setLatency(ms: number): Promise<void> {
    await this.call('PUT', '/latency', { ms });
  }

  async resetStats(): Promise<void> {
    await this.call('POST', '/stats/reset');
  }

  async stats(): Promise<ProxyStats> {
    return (await this.call('GET', '/stats')) as ProxyStats;
  }

  /** The cloud requests since the stats were reset, oldest first. */
  async requests(): Promise<JournalEntry[]> {
    return (await this.call('GET', '/journal')) as JournalEntry[];
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const headers = { [OWNER_HEADER]: this.owner, ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
    const res = await fetch(`${this.base}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const value: unknown = await res.json();
    if (!res.ok) throw new Error(`fault proxy ${method} ${path}: HTTP ${res.status} ${JSON.stringify(value)}`);
    return value;
  }
}
