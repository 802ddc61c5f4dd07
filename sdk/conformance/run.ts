// Running the cases against one target: programmatically (checkConformance, for tests of the kit
// itself) or as node:test tests with a report line per adapter (describeConformance).
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { ManagedResource, ProviderConnection } from '../contract.ts';
import { CASE_RUNNERS, NEEDS } from './cases.ts';
import type { CaseContext, Client } from './drive.ts';
import { CASES, type CaseName, type ConformanceTarget } from './target.ts';

export interface CaseResult {
  case: CaseName;
  status: 'passed' | 'failed' | 'skipped';
  /** Why it failed (the broken rule first), why it was skipped, or what a passed case covered. */
  message?: string | undefined;
}

/** A run's shared state: the secret and every error adapter calls threw. */
interface Run<Spec> {
  target: ConformanceTarget<Spec>;
  id: string;
  secret: string;
  errors: CaseContext<Spec>['errors'];
  serial: number;
}

function newRun<Spec>(target: ConformanceTarget<Spec>): Run<Spec> {
  return { target, id: randomBytes(3).toString('hex'), secret: `s3cr3t-${randomBytes(12).toString('hex')}`, errors: [], serial: 0 };
}

/** Secret values a call could leak: credentials, Secret data (a URL's password), the resource's Secret. */
function secretsOf(connection: ProviderConnection, resource: ManagedResource<unknown>): string[] {
  const values = [connection.credentials?.secretAccessKey, connection.credentials?.sessionToken, ...Object.values(connection.secretData ?? {}), ...Object.values(resource.connectionSecret ?? {})];
  const out = new Set<string>();
  for (const value of values) {
    if (typeof value !== 'string') continue;
    if (URL.canParse(value) && new URL(value).password) out.add(decodeURIComponent(new URL(value).password));
    else out.add(value);
  }
  // Shorter values (an emulator's `testing`) are words that may appear for other reasons.
  return [...out].filter((s) => s.length >= 8);
}

/** Every error a client throws is recorded with the secrets it could have leaked. */
function recording<Spec>(client: Client<Spec>, secrets: string[], sink: Run<Spec>['errors']): Client<Spec> {
  const wrap = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
    try {
      return await fn(...args);
    } catch (error) {
      sink.push({ error, secrets });
      throw error;
    }
  };
  return {
    observe: wrap((r) => client.observe(r)),
    create: wrap((r) => client.create(r)),
    update: wrap((r, o) => client.update(r, o)),
    delete: wrap((r, o) => client.delete(r, o)),
    ...(client.setCredentials ? { setCredentials: wrap((r, o) => client.setCredentials!(r, o)) } : {}),
    disconnect: () => client.disconnect(),
  };
}

/** Whether a case runs, and if not the written reason (or the problem with the target). */
function planned<Spec>(target: ConformanceTarget<Spec>, name: CaseName): CaseResult | undefined {
  const reason = target.skip?.[name];
  if (reason !== undefined) {
    if (reason.trim() === '') return { case: name, status: 'failed', message: `a skip needs a written reason: skip['${name}'] is empty` };
    return { case: name, status: 'skipped', message: reason };
  }
  const missing = (NEEDS[name] ?? []).filter((hook) => target[hook] === undefined);
  if (missing.length) return { case: name, status: 'failed', message: `the target gives no ${missing.join('(), ')}(); give one, or skip['${name}'] with the reason` };
  return undefined;
}

async function runCase<Spec>(run: Run<Spec>, name: CaseName): Promise<CaseResult> {
  const early = planned(run.target, name);
  if (early) return early;
  const { target } = run;
  const resource = target.resource(`cf-${run.id}-${++run.serial}`);
  const clients: Client<Spec>[] = [];
  const ctx: CaseContext<Spec> = {
    target,
    resource,
    secret: run.secret,
    errors: run.errors,
    timeoutMs: target.settleTimeoutMs ?? 30_000,
    connect: async (connection?: ProviderConnection) => {
      const conn = connection ?? (await target.connection());
      const secrets = secretsOf(conn, resource);
      try {
        const client = recording(await target.connector.connect(conn), secrets, run.errors);
        clients.push(client);
        return client;
      } catch (error) {
        run.errors.push({ error, secrets });
        throw error;
      }
    },
  };
  try {
    const covered = await CASE_RUNNERS[name](ctx);
    return { case: name, status: 'passed', ...(covered ? { message: covered } : {}) };
  } catch (err) {
    return { case: name, status: 'failed', message: err instanceof Error ? err.message : String(err) };
  } finally {
    await Promise.allSettled(clients.map((c) => c.disconnect()));
    await target.oracle.cleanup(resource).catch(() => undefined);
  }
}

/** Runs every case (or `only` those) against the target, in order; never throws for a failed case. */
export async function checkConformance<Spec>(target: ConformanceTarget<Spec>, only: readonly CaseName[] = CASES): Promise<CaseResult[]> {
  const run = newRun(target);
  const results: CaseResult[] = [];
  for (const name of CASES.filter((c) => only.includes(c))) results.push(await runCase(run, name));
  return results;
}

/** One line for the test output: case counts, then each skip's reason and each failure. */
export function summary(name: string, results: readonly CaseResult[]): string {
  const count = (status: CaseResult['status']) => results.filter((r) => r.status === status);
  const skipped = count('skipped').map((r) => `${r.case}: ${r.message}`);
  const failed = count('failed').map((r) => r.case);
  return `conformance ${name}: ${results.length} cases, ${count('passed').length} passed, ${failed.length} failed, ${skipped.length} skipped` +
    (skipped.length ? ` (skipped: ${skipped.join('; ')})` : '') + (failed.length ? ` (failed: ${failed.join('; ')})` : '');
}

/**
 * Registers the suite with node:test under `name` (e.g. `aws S3 Bucket`): one test per case, a
 * skipped case shown with its reason,
 * and a last test `report` whose diagnostic is the summary line. Call it at the top level of a test file.
 */
export function describeConformance<Spec>(name: string, target: ConformanceTarget<Spec> | (() => ConformanceTarget<Spec> | Promise<ConformanceTarget<Spec>>)): void {
  const results: CaseResult[] = [];
  let run: Run<Spec> | undefined;
  const current = async (): Promise<Run<Spec>> => (run ??= newRun(typeof target === 'function' ? await target() : target));
  describe(`conformance: ${name}`, () => {
    for (const c of CASES) {
      it(c, async (t) => {
        const result = await runCase(await current(), c);
        results.push(result);
        if (result.status === 'skipped') t.skip(result.message);
        if (result.status === 'failed') throw new Error(result.message);
        if (result.status === 'passed' && result.message) t.diagnostic(result.message);
      });
    }
    // A test of its own, so the line shows in order in any reporter (as a diagnostic).
    it('report', (t) => t.diagnostic(summary(name, results)));
  });
}
