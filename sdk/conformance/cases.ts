// The cases: each drives the adapter as the reconciler would and asks the oracle what really
// happened in the backend. A broken rule throws RuleBroken naming it.
import { isDeepStrictEqual } from 'node:util';
import { isQueued, type Observation, type ProviderConnection } from '../contract.ts';
import { isAdapterError } from '../errors.ts';
import { RuleBroken, deleteUntilGone, describeError, messagesOf, observeUntil, settle, thrown, type CaseContext, type Client } from './drive.ts';
import type { CaseName, ConformanceTarget, Found } from './target.ts';
import { everyFieldReachesTheCloud } from './walk.ts';

/** A case; a passed one may return a line saying what it covered. */
type Case = <Spec>(ctx: CaseContext<Spec>) => Promise<void | string>;

const FOREIGN_MARK = 'someone-else/elsewhere/not-ours';
const show = (value: unknown) => JSON.stringify(value);

function check(rule: CaseName, ok: boolean, what: string): asserts ok {
  if (!ok) throw new RuleBroken(rule, what);
}

/** Creates the resource and waits until observe reports nothing pending; also what create returned. */
async function created<Spec>(ctx: CaseContext<Spec>, client: Client<Spec>) {
  const made = await client.create(ctx.resource);
  const queued = isQueued(made);
  return Object.assign(await settle(client, ctx.resource, ctx.timeoutMs), { made: (!queued && made) || undefined, queued });
}

/** What the reconciler acts on when create returns an observation instead of reading it back. */
const acted = (o: Observation) => ({ exists: o.exists, upToDate: o.upToDate, ownershipMark: o.ownershipMark, atProvider: o.atProvider, connectionDetails: o.connectionDetails, pending: o.pending });

async function ours<Spec>(ctx: CaseContext<Spec>, rule: CaseName, when: string): Promise<Found> {
  const found = await ctx.target.oracle.read(ctx.resource);
  check(rule, found.length === 1, `${when}, the oracle found ${found.length} things named ${ctx.resource.externalName} (expected exactly one): ${show(found)}`);
  check(rule, found[0]!.mark === ctx.resource.ownershipMark, `${when}, the oracle found mark ${show(found[0]!.mark)} on it, expected ours: ${show(ctx.resource.ownershipMark)}`);
  return found[0]!;
}

async function gone<Spec>(ctx: CaseContext<Spec>, rule: CaseName, when: string): Promise<void> {
  const found = await ctx.target.oracle.read(ctx.resource);
  check(rule, found.length === 0, `${when}, the oracle still finds ${show(found)}`);
}

/** The delete calls must not throw; a RuleBroken wraps what they threw. */
async function deletes<Spec>(ctx: CaseContext<Spec>, rule: CaseName, when: string) {
  try {
    return await deleteUntilGone(() => ctx.connect(), ctx.resource, ctx.timeoutMs);
  } catch (err) {
    throw new RuleBroken(rule, `${when}, deleting failed: ${(err as Error).message}`, { cause: err });
  }
}

const createTwice: Case = async (ctx) => {
  const rule = 'create twice is one resource';
  const client = await ctx.connect();
  await created(ctx, client);
  // As after a crash between the backend's "created" and our record of it.
  const err = await thrown(() => created(ctx, client));
  check(rule, err === undefined, `a second create of a thing that exists and is ours threw: ${describeError(err)}`);
  await ours(ctx, rule, 'after two creates');
};

const observeAfterCreate: Case = async (ctx) => {
  const rule = 'observe after create is up to date and ours';
  const client = await ctx.connect();
  const observation = await created(ctx, client);
  check(rule, observation.exists, 'observe after create reports exists: false');
  check(rule, observation.upToDate, `observe after create reports not up to date, diff ${show(observation.diff)}`);
  check(rule, observation.ownershipMark === ctx.resource.ownershipMark, `observe reports mark ${show(observation.ownershipMark)}, expected ours ${show(ctx.resource.ownershipMark)}`);
  const { made, queued } = observation;
  // A queued create (SDK 1.4) is claimed once an observe reports it written: the one that found it made must.
  check(rule, !queued || observation.written === true, 'create returned { queued: true }, yet the observe that found the thing made does not report it written');
  check(rule, made === undefined || isDeepStrictEqual(acted(made), acted(observation)), `create returned ${show(made)}, but observe right after reports ${show(acted(observation))}`);
  const before = await ours(ctx, rule, 'after create');
  await client.observe(ctx.resource);
  await client.observe(ctx.resource);
  const after = await ours(ctx, rule, 'after observing');
  check(rule, isDeepStrictEqual(before, after), `observe is read-only, yet the thing changed: ${show(before.state)} became ${show(after.state)}`);
};

const drift: Case = async (ctx) => {
  const rule = 'drift is seen and converged';
  const client = await ctx.connect();
  await created(ctx, client);
  const path = await ctx.target.oracle.drift(ctx.resource);
  const observation = await observeUntil(client, ctx.resource, (o) => !o.upToDate, ctx.timeoutMs);
  const named = (observation.diff ?? []).some((d) => d.path === path || d.path.startsWith(`${path}.`) || path.startsWith(`${d.path}.`));
  check(rule, !observation.upToDate, `after the oracle changed ${path} behind the adapter's back, observe still reports up to date`);
  check(rule, named, `the diff does not name ${path}: ${show(observation.diff)}`);
  await client.update(ctx.resource, observation);
  const converged = await settle(client, ctx.resource, ctx.timeoutMs);
  check(rule, converged.upToDate, `update did not converge ${path}: diff still ${show(converged.diff)}`);
  await ours(ctx, rule, 'after the update');
};

const deleteTwice: Case = async (ctx) => {
  const rule = 'delete twice is fine';
  const client = await ctx.connect();
  const before = await created(ctx, client);
  await deletes(ctx, rule, 'the first time');
  await gone(ctx, rule, 'after the delete finished');
  // Called again with the observation it had before (a retry after a lost answer).
  const again = await thrown(() => client.delete(ctx.resource, before));
  check(rule, again === undefined, `a delete of a thing already gone threw: ${describeError(again)}`);
  await deletes(ctx, rule, 'after deleting it again');
  await gone(ctx, rule, 'after deleting it again');
};

const deleteAfterOutOfBand: Case = async (ctx) => {
  const rule = 'delete after an out-of-band delete is fine';
  const client = await ctx.connect();
  const observation = await created(ctx, client);
  await ctx.target.oracle.remove(ctx.resource);
  const err = await thrown(() => client.delete(ctx.resource, observation));
  check(rule, err === undefined, `delete threw once the thing was deleted behind its back: ${describeError(err)}`);
  await deletes(ctx, rule, 'after the out-of-band delete');
  await gone(ctx, rule, 'at the end');
};

const unowned: Case = async (ctx) => {
  const rule = 'an unowned resource is refused';
  const { oracle } = ctx.target;
  const client = await ctx.connect();
  for (const mark of [undefined, FOREIGN_MARK]) {
    await oracle.cleanup(ctx.resource);
    await oracle.plant(ctx.resource, mark);
    const before = await oracle.read(ctx.resource);
    const observation = await observeUntil(client, ctx.resource, (o) => o.exists && o.ownershipMark === mark, ctx.timeoutMs);
    check(rule, observation.exists, `observe does not see a thing of this name planted ${mark ? `with mark ${mark}` : 'without a mark'}`);
    check(rule, observation.ownershipMark === mark, `observe reports mark ${show(observation.ownershipMark)} on a thing that carries ${show(mark)}`);
    // Someone else's: a create (the reconciler's race) must refuse to take it.
    if (mark !== undefined) await thrown(async () => {
      await client.create(ctx.resource);
      await settle(client, ctx.resource, ctx.timeoutMs);
    });
    const after = await oracle.read(ctx.resource);
    check(rule, isDeepStrictEqual(before, after), `a thing ${mark ? `owned by ${mark}` : 'without our mark'} was changed: ${show(before)} became ${show(after)}`);
  }
};

const partialDelete: Case = async (ctx) => {
  const rule = 'partial delete resumes';
  const client = await ctx.connect();
  await created(ctx, client);
  await ctx.target.fill?.(ctx.resource);
  const results = await deletes(ctx, rule, 'while resuming');
  check(rule, results[0]?.done === false, `the first delete call finished everything: nothing to resume (give fill() to make one call too little, or skip with a reason)`);
  check(rule, typeof results[0]?.progress === 'string' && results[0].progress !== '', 'a delete that stops part-way must say what is left (progress)');
  await gone(ctx, rule, `after ${results.length} delete calls`);
};

/**
 * The error a client on `connection` throws first while it converges the resource as the
 * reconciler would: connect, observe, create or update, observe again, update what drifted.
 */
async function firstError<Spec>(ctx: CaseContext<Spec>, connection: ProviderConnection, resource = ctx.resource): Promise<unknown> {
  return thrown(async () => {
    const client = await ctx.connect(connection);
    const observation = await client.observe(resource);
    if (!observation.exists) await client.create(resource);
    else if (!observation.upToDate) await client.update(resource, observation);
    const after = await settle(client, resource, ctx.timeoutMs);
    if (after.exists && !after.upToDate) await client.update(resource, after);
  });
}

function classified(rule: CaseName, err: unknown, kind: 'Retryable' | 'Terminal', when: string): void {
  check(rule, err !== undefined, `${when}, nothing failed`);
  check(rule, isAdapterError(err), `${when}, the adapter threw an untyped error (${describeError(err)}); throw RetryableError, TerminalError or ConflictError`);
  check(rule, err.kind === kind, `${when}, the error is ${err.kind} (${err.reason}: ${err.message}), expected ${kind}`);
  check(rule, typeof err.reason === 'string' && err.reason !== '', `${when}, the error has no reason code`);
}

const deadEndpoint: Case = async (ctx) => {
  const rule = 'a dead endpoint is Retryable';
  classified(rule, await firstError(ctx, await ctx.target.unreachable!(ctx.secret)), 'Retryable', 'with a dead endpoint');
};

const badCredentials: Case = async (ctx) => {
  const rule = 'bad credentials are Terminal';
  classified(rule, await firstError(ctx, await ctx.target.badCredentials!(ctx.secret)), 'Terminal', 'with bad credentials');
};

const invalidSpec: Case = async (ctx) => {
  const rule = 'an invalid spec is Terminal';
  classified(rule, await firstError(ctx, await ctx.target.connection(), await ctx.target.invalidSpec!(ctx.resource)), 'Terminal', 'with an invalid spec');
};

const noSecret: Case = async (ctx) => {
  const rule = 'no secret in any error message';
  const { target } = ctx;
  if (target.unreachable) await firstError(ctx, await target.unreachable(ctx.secret));
  if (target.badCredentials) await firstError(ctx, await target.badCredentials(ctx.secret));
  const withSecret = ctx.errors.filter((e) => e.secrets.includes(ctx.secret));
  check(rule, withSecret.length > 0, 'no call failed while the known secret was in the connection: give unreachable() or badCredentials(), or skip with a reason');
  for (const { error, secrets } of ctx.errors) {
    for (const message of messagesOf(error)) {
      const leaked = secrets.find((s) => message.includes(s));
      check(rule, leaked === undefined, `an error message holds a secret value (${leaked?.slice(0, 3)}…): ${message.replaceAll(leaked ?? '', '[SECRET]')}`);
    }
  }
};

export const CASE_RUNNERS: Record<CaseName, Case> = {
  'create twice is one resource': createTwice,
  'observe after create is up to date and ours': observeAfterCreate,
  'drift is seen and converged': drift,
  'every mutable field reaches the cloud': everyFieldReachesTheCloud,
  'delete twice is fine': deleteTwice,
  'delete after an out-of-band delete is fine': deleteAfterOutOfBand,
  'an unowned resource is refused': unowned,
  'partial delete resumes': partialDelete,
  'a dead endpoint is Retryable': deadEndpoint,
  'bad credentials are Terminal': badCredentials,
  'an invalid spec is Terminal': invalidSpec,
  'no secret in any error message': noSecret,
};

/** The target hooks a case needs; a case whose hook is missing must be skipped with a reason. */
export const NEEDS: Partial<Record<CaseName, (keyof ConformanceTarget<unknown>)[]>> = {
  'every mutable field reaches the cloud': ['fields'],
  'a dead endpoint is Retryable': ['unreachable'],
  'bad credentials are Terminal': ['badCredentials'],
  'an invalid spec is Terminal': ['invalidSpec'],
};
