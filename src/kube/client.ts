// A small Kubernetes API client for the operator's long-running path: JSON requests and
// newline-delimited watch streams over one keep-alive agent. Issue 8: @kubernetes/client-node
// loads every generated API model at import (about 85 MiB resident); the operator needs none of
// them, only paths, JSON and a few content types.
import type { Agent as HttpAgent, IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { connectionOf } from './client-node-auth.ts';
import type { KubeConnection } from './connection.ts';
import { http } from '../runtime/node-http.ts';

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query | undefined;
  /** Sent as JSON. */
  body?: unknown;
  /** Default application/json; patches name their strategy (MERGE_PATCH). */
  contentType?: string | undefined;
}

export const MERGE_PATCH = 'application/merge-patch+json';

/** An apiserver answer that was not a success: `code` is the HTTP status, `body` the Status object. */
export class KubeApiError extends Error {
  override name = 'KubeApiError';
  readonly code: number;
  /** The apiserver's Status object, or the body's text when it was not JSON. */
  readonly body: unknown;

  constructor(method: string, path: string, code: number, body: unknown) {
    const said = (body as { message?: unknown } | null | undefined)?.message;
    super(`${method} ${path}: ${code} ${typeof said === 'string' ? said : (http.STATUS_CODES[code] ?? 'error')}`);
    this.code = code;
    this.body = body;
  }
}

/** One line of a watch stream, as the apiserver sends it. */
/** The apiserver could not be reached, or did not answer in time: the request may be retried. */
export class KubeUnreachableError extends Error {
  override readonly name = 'KubeUnreachableError';
}

export interface RawWatchEvent {
  type: string;
  object: unknown;
}

export interface KubeClientOptions {
  /** A request (not a watch) without a complete answer by then fails. Default 60 s. */
  requestTimeoutMs?: number;
  /**
   * A watch that sent nothing, not even a BOOKMARK, for this long ends normally, so the caller
   * restarts it: a connection can die without a word. Default 30 s, client-node's Watch's value.
   */
  watchIdleMs?: number;
}

export const KUBE_CLIENT_DEFAULTS = { requestTimeoutMs: 60_000, watchIdleMs: 30_000 } as const;

const USER_AGENT = 'mooring';

export class KubeClient {
  readonly server: string;
  /** The kubeconfig context's or the pod's namespace, if any. */
  readonly namespace: string | undefined;
  private readonly connection: KubeConnection;
  private readonly agent: HttpAgent;
  private readonly send: typeof http.request;
  private readonly requestTimeoutMs: number;
  private readonly watchIdleMs: number;

  /** For callers that already hold a client-node KubeConfig (CLI commands, tests). */
  static fromKubeConfig(kc: KubeConfig, options?: KubeClientOptions): KubeClient {
    return new KubeClient(connectionOf(kc), options);
  }

  constructor(connection: KubeConnection, options: KubeClientOptions = {}) {
    this.connection = connection;
    this.server = connection.server;
    this.namespace = connection.namespace;
    this.requestTimeoutMs = options.requestTimeoutMs ?? KUBE_CLIENT_DEFAULTS.requestTimeoutMs;
    this.watchIdleMs = options.watchIdleMs ?? KUBE_CLIENT_DEFAULTS.watchIdleMs;
    // TCP keep-alive probes after 30 s idle, as client-go: a watch on a dead peer gets noticed.
    const keepAlive = { keepAlive: true, keepAliveMsecs: 30_000 };
    const tls = connection.server.startsWith('https:');
    this.agent = tls ? new HttpsAgent({ ...keepAlive, ...connection.tls }) : new http.Agent(keepAlive);
    this.send = tls ? httpsRequest : http.request;
  }

  /** One request; the parsed JSON answer (undefined when empty), or a KubeApiError. */
  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const signal = AbortSignal.timeout(this.requestTimeoutMs);
    let res: IncomingMessage;
    let text: string;
    try {
      res = await this.open(method, path, options, signal);
      text = await readAll(res);
    } catch (err) {
      if (signal.aborted) throw new KubeUnreachableError(`${method} ${path}: no answer within ${this.requestTimeoutMs / 1000} s`, { cause: err });
      throw new KubeUnreachableError(`${method} ${path}: ${(err as Error).message}`, { cause: err });
    }
    const body = parse(text);
    if ((res.statusCode ?? 0) >= 300) throw new KubeApiError(method, path, res.statusCode ?? 0, body);
    return body as T;
  }

  /**
   * Streams a watch's events to `onEvent`. Resolves when the stream ends normally: the server
   * closed it (timeoutSeconds), it stayed quiet for watchIdleMs, or `signal` aborted it. Rejects
   * with a KubeApiError when the watch was refused (410 Gone: the resourceVersion is too old), or
   * with the network's or the decoder's error.
   */
  async watch(path: string, query: Query, onEvent: (event: RawWatchEvent) => void, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const stop = new AbortController();
    let quiet = false;
    let idle: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        quiet = true;
        stop.abort();
      }, this.watchIdleMs).unref();
    };
    const cancel = () => stop.abort();
    signal.addEventListener('abort', cancel, { once: true });
    try {
      arm();
      const res = await this.open('GET', path, { query: { ...query, watch: true } }, stop.signal);
      if (res.statusCode !== 200) throw new KubeApiError('GET', path, res.statusCode ?? 0, parse(await readAll(res)));
      let rest = '';
      for await (const chunk of res.setEncoding('utf8') as AsyncIterable<string>) {
        arm();
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) onEvent(JSON.parse(line) as RawWatchEvent);
      }
      if (rest.trim()) onEvent(JSON.parse(rest) as RawWatchEvent);
    } catch (err) {
      if (quiet || signal.aborted) return;
      throw err;
    } finally {
      clearTimeout(idle);
      signal.removeEventListener('abort', cancel);
    }
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  private async open(method: string, path: string, options: RequestOptions, signal: AbortSignal): Promise<IncomingMessage> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string | number> = { Accept: 'application/json', 'User-Agent': USER_AGENT, ...(await this.connection.headers()) };
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    if (payload !== undefined) {
      headers['Content-Type'] = options.contentType ?? 'application/json';
      headers['Content-Length'] = Buffer.byteLength(payload);
    }
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = this.send(url, { method, headers, agent: this.agent, signal }, resolve);
      req.on('error', reject);
      req.end(payload);
    });
  }
}

async function readAll(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** JSON when it parses (Status objects, resources), else the text as it came, else undefined. */
function parse(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
