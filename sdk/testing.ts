// For adapter authors' tests: does a known secret escape anywhere a user can read? Give it the
// secret values (credentials, generated passwords), let it see what left (log lines, Events,
// status, your adapter's errors and observations), and `assertNone()` fails naming each place a
// secret escaped, without ever printing the secret. mooring's operator scrubs known values itself
// (src/runtime/scrub.ts); this is how a plugin proves it does not rely on that.
import { AssertionError } from 'node:assert';
import type { ExternalClient, Observation } from './contract.ts';

/** Where a secret was found: which secret (by number, never by value) and the place and path. */
export interface SecretEscape {
  secret: number;
  where: string;
}

export class SecretEscapes {
  private readonly secrets: string[] = [];
  private readonly seen: { where: string; value: unknown }[] = [];
  private lines = 0;

  /** Values that must never be seen; each is also looked for URL-encoded and base64-encoded. */
  secret(...values: string[]): this {
    for (const v of values) if (v) this.secrets.push(v);
    return this;
  }

  /** Records something a user can read (a status, an Event message, an error). */
  saw(where: string, value: unknown): void {
    this.seen.push({ where, value });
  }

  /** A destination for a logger (pino's, or anything writing lines): each line is recorded. */
  logSink(): { write(line: string): void } {
    return { write: (line: string) => this.saw(`log line ${++this.lines}`, line) };
  }

  /**
   * The client, with every observation (except connectionDetails, the one place secrets belong),
   * delete result and thrown error recorded as `<name>.<call>`.
   */
  watch<Spec, AtProvider>(client: ExternalClient<Spec, AtProvider>, name = 'adapter'): ExternalClient<Spec, AtProvider> {
    const record = async <T>(call: string, run: () => Promise<T>): Promise<T> => {
      try {
        const result = await run();
        if (result && typeof result === 'object') this.saw(`${name}.${call} result`, withoutDetails(result));
        return result;
      } catch (err) {
        this.saw(`${name}.${call} error`, errorChain(err));
        throw err;
      }
    };
    return {
      observe: (r) => record('observe', () => client.observe(r)),
      create: (r) => record('create', () => client.create(r)),
      update: (r, o) => record('update', () => client.update(r, o)),
      delete: (r, o) => record('delete', () => client.delete(r, o)),
      ...(client.setCredentials ? { setCredentials: (r, o) => record('setCredentials', () => client.setCredentials!(r, o)) } : {}),
      disconnect: () => client.disconnect(),
    };
  }

  /** Every place a known secret was seen, in the order seen. */
  escapes(): SecretEscape[] {
    const forms = this.secrets.map((s) => [s, encodeURIComponent(s), Buffer.from(s).toString('base64')]);
    const found: SecretEscape[] = [];
    for (const { where, value } of this.seen) {
      for (const [path, text] of strings(value)) {
        forms.forEach((f, i) => {
          if (f.some((form) => text.includes(form))) found.push({ secret: i + 1, where: path ? `${where} at ${path}` : where });
        });
      }
    }
    return found;
  }

  /** Fails naming each place a known secret escaped (secrets are named by number, never shown). */
  assertNone(): void {
    const found = this.escapes();
    if (!found.length) return;
    const list = found.map((e) => `  secret #${e.secret} in ${e.where}`).join('\n');
    throw new AssertionError({ message: `${found.length} known secret value(s) escaped:\n${list}` });
  }
}

/** One call: fails naming where any of `secrets` appears in `places` (place name → what was seen). */
export function assertNoSecretEscapes(secrets: Iterable<string>, places: Record<string, unknown>): void {
  const watch = new SecretEscapes().secret(...secrets);
  for (const [where, value] of Object.entries(places)) watch.saw(where, value);
  watch.assertNone();
}

function withoutDetails(result: object): unknown {
  const { connectionDetails: _secretsBelongHere, ...rest } = result as Partial<Observation<unknown>>;
  return rest;
}

/** An error's message, code and its causes' messages: everything a log line would show. */
function errorChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    chain.push(e instanceof Error ? { ...e, name: e.name, message: e.message } : e);
  }
  return chain;
}

/** Every string in a value, with its path (`status.conditions[2].message`). */
function strings(value: unknown, path = ''): [string, string][] {
  if (typeof value === 'string') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [...strings(k, path ? `${path} (key)` : '(key)'), ...strings(v, path ? `${path}.${k}` : k)]);
}

/**
 * For tests: the value, present. Fails the test (naming `what`) when it is undefined or null,
 * where a non-null assertion would only move the failure to a TypeError further on.
 */
export function must<T>(value: T, what = 'a value'): NonNullable<T> {
  if (value === undefined || value === null) throw new AssertionError({ message: `expected ${what}, found ${String(value)}` });
  return value;
}
