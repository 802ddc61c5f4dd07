// Driving an adapter the way the reconciler does (observe until nothing is pending, delete until
// done), and the failure every case throws when a rule is broken.
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeleteResult, ExternalClient, ManagedResource, Observation, ProviderConnection } from '../contract.ts';
import type { CaseName, ConformanceTarget } from './target.ts';

/** A broken rule: the message starts with the rule, then what the kit saw. */
export class RuleBroken extends Error {
  readonly rule: CaseName;
  constructor(rule: CaseName, what: string, options?: { cause?: unknown }) {
    super(`rule broken: ${rule}: ${what}`, options);
    this.name = 'RuleBroken';
    this.rule = rule;
  }
}

export type Client<Spec> = ExternalClient<Spec, Record<string, unknown>>;

/** What a case gets: the target, its resource, and clients that record every error they throw. */
export interface CaseContext<Spec> {
  target: ConformanceTarget<Spec>;
  resource: ManagedResource<Spec>;
  /** A client on the target's connection, or on `connection` when given. */
  connect(connection?: ProviderConnection): Promise<Client<Spec>>;
  timeoutMs: number;
  /** The known secret handed to unreachable() and badCredentials(). */
  secret: string;
  /** Every error an adapter call threw in this run, with the secret values in scope when it did. */
  errors: { error: unknown; secrets: string[] }[];
}

/** Observes until the adapter reports nothing pending, as the reconciler's polls would. */
export async function settle<Spec>(client: Client<Spec>, resource: ManagedResource<Spec>, timeoutMs: number): Promise<Observation> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 50; ; wait = Math.min(wait * 2, 1000)) {
    const observation = await client.observe(resource);
    if (!observation.pending) return observation;
    if (Date.now() > deadline) throw new Error(`still pending after ${timeoutMs / 1000} s: ${observation.pending.message}`);
    await sleep(wait);
  }
}

/**
 * Observes (past anything pending) until `holds` is true of the observation: an adapter may reuse
 * a recent listing, so a change made behind its back shows within the timeout, not at once.
 * Returns the last observation either way; the caller judges it.
 */
export async function observeUntil<Spec>(client: Client<Spec>, resource: ManagedResource<Spec>, holds: (o: Observation) => boolean, timeoutMs: number): Promise<Observation> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 100; ; wait = Math.min(wait * 2, 1000)) {
    const observation = await settle(client, resource, timeoutMs);
    if (holds(observation) || Date.now() > deadline) return observation;
    await sleep(wait);
  }
}

/** Delete calls as the finalizer makes them, until gone; returns every result along the way. */
export async function deleteUntilGone<Spec>(
  connect: () => Promise<Client<Spec>>,
  resource: ManagedResource<Spec>,
  timeoutMs: number,
): Promise<DeleteResult[]> {
  const deadline = Date.now() + timeoutMs;
  const results: DeleteResult[] = [];
  for (;;) {
    // A fresh client per pass, as each reconcile connects anew: progress must live in the backend.
    const client = await connect();
    try {
      const observation = await settle(client, resource, Math.max(1000, deadline - Date.now()));
      if (!observation.exists) return results;
      const result = await client.delete(resource, observation);
      results.push(result);
      if (result.done) return results;
    } finally {
      await client.disconnect();
    }
    if (Date.now() > deadline) throw new Error(`not deleted after ${timeoutMs / 1000} s and ${results.length} delete calls`);
    await sleep(Math.min(results.at(-1)?.requeueAfterMs ?? 0, 1000));
  }
}

/** The messages of an error and of every cause below it. */
export function messagesOf(err: unknown): string[] {
  const out: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 10; depth++) {
    out.push(e instanceof Error ? `${e.name}: ${e.message}` : describeError(e));
    if (e instanceof AggregateError) out.push(...e.errors.flatMap(messagesOf));
    e = e instanceof Error ? e.cause : undefined;
  }
  return out;
}

/** Runs `fn`, returning what it threw (undefined when it did not throw). */
export async function thrown(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
    return undefined;
  } catch (err) {
    return err ?? new Error('threw a nullish value');
  }
}

/** An error as one line: its name and message, or the thrown value as JSON. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  try {
    return JSON.stringify(err) ?? typeof err;
  } catch {
    return typeof err;
  }
}
