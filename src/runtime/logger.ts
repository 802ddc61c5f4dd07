// Logs: pino, one JSON object a line, or a readable single line for a terminal (the sandbox).
// Every line passes one sink before it is written, and the sink redacts: a value under a
// secret-ish key (at any depth, in bindings, in errors' properties), the data of a Secret object,
// and the password in a URL never reach the output. Redacting the finished line, not pino's
// paths, is what makes "any depth" and "whatever a serializer added" hold; it costs one parse
// per line, which an operator's log volume does not notice.
import { randomUUID } from 'node:crypto';
import { pino, type Logger } from 'pino';
import type { LogFormat, LogLevel } from './config.ts';
import { REDACTED, scrubber as processScrubber, SECRET_KEYS, type SecretScrubber } from './scrub.ts';

export type { Logger };

/** Keys whose values are never logged (src/runtime/scrub.ts: matched by suffix, any casing). */
export const REDACTED_KEYS: readonly string[] = SECRET_KEYS;

export { REDACTED };

/** Something lines can be written to (a stream, or an array in a test). */
export interface LineSink {
  write(line: string): unknown;
}

export interface LoggerOptions {
  /** Default info. */
  level?: LogLevel;
  /** Default json. */
  format?: LogFormat;
  /** Default process.stdout. */
  destination?: LineSink;
  /** Keys redacted besides REDACTED_KEYS. */
  redact?: readonly string[];
  /** Secret values replaced wherever they appear (default: the process's scrubber). */
  scrubber?: SecretScrubber;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? 'json';
  const keys = [...REDACTED_KEYS, ...(options.redact ?? [])].map(normalize);
  const out = options.destination ?? process.stdout;
  const scrubber = options.scrubber ?? processScrubber;
  const sink = {
    write(line: string) {
      let record: Record<string, unknown>;
      try {
        record = scrubber.scrubDeep(redact(JSON.parse(line), keys)) as Record<string, unknown>;
      } catch {
        // Unparseable means unredactable: drop it rather than risk a secret.
        record = { level: 'error', time: new Date().toISOString(), msg: 'a log line could not be parsed and was dropped' };
      }
      out.write(format === 'pretty' ? `${pretty(record)}\n` : `${JSON.stringify(record)}\n`);
    },
  };
  return pino(
    {
      level: options.level ?? 'info',
      base: format === 'pretty' ? undefined : { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    sink,
  );
}

/** What a reconcile's log lines carry; `namespace` is unset for cluster-scoped kinds. */
export interface ReconcileFields {
  kind: string;
  namespace?: string | undefined;
  name: string;
  reconcileId: string;
}

/** A logger whose every line names the object and the reconcile. */
export function childFor(logger: Logger, fields: ReconcileFields): Logger {
  const { kind, namespace, name, reconcileId } = fields;
  return logger.child(namespace === undefined ? { kind, name, reconcileId } : { kind, namespace, name, reconcileId });
}

export function newReconcileId(): string {
  return randomUUID();
}

function normalize(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '');
}

function secretKey(key: string, keys: readonly string[]): boolean {
  const k = normalize(key);
  return keys.some((s) => k.endsWith(s));
}

// scheme://user:password@host: the password goes, the rest stays useful.
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:)[^\s@]*@/gi;

function redact(value: unknown, keys: readonly string[]): unknown {
  if (typeof value === 'string') return value.replace(URL_PASSWORD, `$1${REDACTED}@`);
  if (Array.isArray(value)) return value.map((v) => redact(v, keys));
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  const secretObject = object.kind === 'Secret';
  const result: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(object)) {
    result[k] = secretKey(k, keys) || (secretObject && (k === 'data' || k === 'stringData')) ? REDACTED : redact(v, keys);
  }
  return result;
}

const HIDDEN = new Set(['time', 'level', 'msg', 'pid', 'hostname', 'kind', 'namespace', 'name']);

/** `12:00:01.234 INFO  Bucket team-a/logs  reconciled  reconcileId=… durationMs=12` */
export function pretty(record: Record<string, unknown>): string {
  const time = typeof record.time === 'string' ? record.time.slice(11, 23) : '';
  const level = typeof record.level === 'string' ? record.level.toUpperCase().padEnd(5) : '';
  const subject = typeof record.name === 'string' ? [record.kind, [record.namespace, record.name].filter((p) => typeof p === 'string').join('/')].filter(Boolean).join(' ') : '';
  const fields = Object.entries(record)
    .filter(([k]) => !HIDDEN.has(k) || (k === 'kind' && !subject))
    .map(([k, v]) => `${k}=${show(k, v)}`);
  const msg = typeof record.msg === 'string' ? record.msg : '';
  return [time, level, subject, msg, fields.join(' ')].filter(Boolean).join('  ').replace(/\r?\n/g, '\\n');
}

function show(key: string, value: unknown): string {
  if (key === 'err' && value && typeof value === 'object') {
    const e = value as { type?: unknown; message?: unknown };
    return JSON.stringify(`${typeof e.type === 'string' ? `${e.type}: ` : ''}${String(e.message)}`);
  }
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value);
}
