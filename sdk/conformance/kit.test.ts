// The kit judged on an in-memory backend: a sound adapter passes every case, and each
// deliberately broken one fails the case of the rule it breaks, with a message naming that rule.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as z from 'zod';
import { immutable, withRules } from '../../src/api/common.ts';
import { ConflictError, RetryableError, TerminalError, type Connector, type ExternalClient, type ManagedResource, type ProviderConnection } from '../index.ts';
import { checkConformance, describeConformance, summary, type CaseName, type ConformanceTarget } from './index.ts';

// color is a setting; shape cannot change (the apiserver refuses it); wipe only says what delete does.
const Schema = z.object({
  size: z.number().int().min(0).max(1000),
  color: z.enum(['red', 'green', 'blue']).default('red'),
  shape: withRules(z.enum(['round', 'square']), [immutable('shape')]).default('round'),
  wipe: z.boolean().default(false),
});
type Spec = z.output<typeof Schema>;
type Thing = { size: number; color: string; mark?: string | undefined; items: number; reads: number };
const KEY = 'right-key-123';

/** How an adapter may be broken; each flag breaks one rule. */
type Breakage =
  | 'duplicates' | 'deleteThrowsWhenGone' | 'observeWrites' | 'leaksSecret' | 'untypedErrors' | 'takesForeign' | 'ignoresDrift' | 'createOverstates'
  | 'ignoresColor' | 'remembersColor';

/** A backend that keeps a list of things per name, so a duplicate is visible to the oracle. */
class Memory {
  things = new Map<string, Thing[]>();
  get = (name: string) => this.things.get(name)?.[0];
}

function connector(memory: Memory, broken?: Breakage): Connector<Spec> {
  return {
    async connect(connection: ProviderConnection) {
      const refuse = (): never => {
        if (connection.endpoint === 'dead') {
          if (broken === 'untypedErrors') throw new Error('connect ECONNREFUSED');
          throw new RetryableError('ProviderUnavailable', 'connection refused');
        }
        const key = connection.credentials?.secretAccessKey;
        throw new TerminalError('InvalidCredentials', broken === 'leaksSecret' ? `the key ${key} is not known` : 'the access key is not known');
      };
      const bad = connection.endpoint === 'dead' || connection.credentials?.secretAccessKey !== KEY;
      // remembersColor: the client keeps the color it was told and reports that, never writing it.
      const told = new Map<string, string>();
      const colorOf = (name: string, t: Thing) => (broken === 'remembersColor' ? (told.get(name) ?? t.color) : t.color);
      const client: ExternalClient<Spec> = {
        async observe(r) {
          if (bad) refuse();
          const t = memory.get(r.externalName);
          if (!t) return { exists: false, upToDate: false };
          if (broken === 'observeWrites') t.reads++;
          const diff = [
            ...(t.size === r.spec.size ? [] : [{ path: 'size', observed: t.size, desired: r.spec.size }]),
            ...(broken === 'ignoresColor' || colorOf(r.externalName, t) === r.spec.color ? [] : [{ path: 'color', observed: t.color, desired: r.spec.color }]),
          ];
          const upToDate = broken === 'ignoresDrift' || diff.length === 0;
          return { exists: true, upToDate, ownershipMark: t.mark, ...(upToDate ? {} : { diff }) };
        },
        async create(r) {
          if (bad) refuse();
          if (r.spec.size < 0) throw new TerminalError('InvalidSpec', 'spec.size must not be negative');
          const t = memory.get(r.externalName);
          if (t && broken !== 'duplicates') {
            if (t.mark !== undefined && t.mark !== r.ownershipMark && broken !== 'takesForeign') throw new ConflictError('Conflict', 'owned by someone else');
            t.mark = r.ownershipMark;
            return;
          }
          memory.things.set(r.externalName, [...(memory.things.get(r.externalName) ?? []), { size: r.spec.size, color: r.spec.color, mark: r.ownershipMark, items: 0, reads: 0 }]);
          // Made here, just now: what an observe would say (a broken one claims more than that).
          return { exists: true, upToDate: true, ownershipMark: r.ownershipMark, ...(broken === 'createOverstates' ? { atProvider: { size: 42 } } : {}) };
        },
        async update(r) {
          if (broken === 'remembersColor') told.set(r.externalName, r.spec.color);
          const color = broken === 'remembersColor' ? {} : { color: r.spec.color };
          Object.assign(memory.get(r.externalName)!, { size: r.spec.size, mark: r.ownershipMark, ...color });
        },
        async delete(r) {
          const t = memory.get(r.externalName);
          if (!t) {
            if (broken === 'deleteThrowsWhenGone') throw new Error(`no such thing ${r.externalName}`);
            return { done: true };
          }
          if (t.items > 0) {
            t.items = Math.max(0, t.items - 2);
            return { done: false, progress: `${t.items} items left` };
          }
          memory.things.delete(r.externalName);
          return { done: true };
        },
        async disconnect() {},
      };
      return client;
    },
  };
}

function target(broken?: Breakage, skip?: ConformanceTarget<Spec>['skip']): ConformanceTarget<Spec> {
  const memory = new Memory();
  const connection = (endpoint: string, secretAccessKey: string): ProviderConnection => ({ name: 'mem', type: 'memory', region: 'here', endpoint, settings: {}, credentials: { accessKeyId: 'id', secretAccessKey } });
  const state = (t: Thing) => ({ mark: t.mark, state: { size: t.size, color: t.color, items: t.items, reads: t.reads } });
  return {
    connector: connector(memory, broken),
    connection: () => connection('memory', KEY),
    resource: (name): ManagedResource<Spec> => ({ kind: 'Thing', namespace: 'ns', name, uid: `uid-${name}`, generation: 1, spec: Schema.parse({ size: 1 }), externalName: name, ownershipMark: `conformance/ns/${name}` }),
    oracle: {
      read: async (r) => (memory.things.get(r.externalName) ?? []).map(state),
      drift: async (r) => {
        memory.get(r.externalName)!.size = 99;
        return 'size';
      },
      remove: async (r) => void memory.things.delete(r.externalName),
      plant: async (r, mark) => void memory.things.set(r.externalName, [{ size: 7, color: 'red', mark, items: 0, reads: 0 }]),
      cleanup: async (r) => void memory.things.delete(r.externalName),
    },
    fill: async (r) => void (memory.get(r.externalName)!.items = 5),
    unreachable: (secret) => connection('dead', secret),
    badCredentials: (secret) => connection('memory', secret),
    invalidSpec: (r) => ({ ...r, spec: { ...r.spec, size: -1 } }),
    fields: { schema: Schema, notSettings: { wipe: 'only what delete does: nothing to read back' } },
    settleTimeoutMs: 500,
    ...(skip ? { skip } : {}),
  };
}

describe('the conformance kit', () => {
  it('passes a sound adapter on every case', async () => {
    const results = await checkConformance(target());
    assert.deepEqual(results.filter((r) => r.status !== 'passed'), []);
    // The reconciler's own fields are not in this schema; shape is refused by the apiserver.
    assert.equal(results.find((r) => r.case === 'every mutable field reaches the cloud')?.message, 'changed and seen: size, color; immutable: shape; declared: wipe');
    assert.match(summary('memory', results), /^conformance memory: 12 cases, 12 passed, 0 failed, 0 skipped$/);
  });

  const broken: { breakage: Breakage; rule: CaseName; says: RegExp }[] = [
    { breakage: 'duplicates', rule: 'create twice is one resource', says: /found 2 things named/ },
    { breakage: 'deleteThrowsWhenGone', rule: 'delete twice is fine', says: /a delete of a thing already gone threw: Error: no such thing/ },
    { breakage: 'deleteThrowsWhenGone', rule: 'delete after an out-of-band delete is fine', says: /delete threw once the thing was deleted behind its back/ },
    { breakage: 'observeWrites', rule: 'observe after create is up to date and ours', says: /observe is read-only, yet the thing changed/ },
    { breakage: 'leaksSecret', rule: 'no secret in any error message', says: /an error message holds a secret value \(s3c…\): TerminalError: the key \[SECRET\] is not known/ },
    { breakage: 'untypedErrors', rule: 'a dead endpoint is Retryable', says: /the adapter threw an untyped error \(Error: connect ECONNREFUSED\); throw RetryableError/ },
    { breakage: 'takesForeign', rule: 'an unowned resource is refused', says: /a thing owned by someone-else\/elsewhere\/not-ours was changed/ },
    { breakage: 'createOverstates', rule: 'observe after create is up to date and ours', says: /create returned .*"size":42.*, but observe right after reports/ },
    { breakage: 'ignoresDrift', rule: 'drift is seen and converged', says: /observe still reports up to date/ },
    { breakage: 'ignoresColor', rule: 'every mutable field reaches the cloud', says: /color: changed to "green", observe still reports up to date \(the adapter ignores the field/ },
    { breakage: 'remembersColor', rule: 'every mutable field reaches the cloud', says: /color: changed to "green", the adapter reports it converged but the oracle sees no change/ },
  ];
  for (const b of broken) {
    it(`fails an adapter that breaks "${b.rule}" (${b.breakage}), naming the rule`, async () => {
      const results = await checkConformance(target(b.breakage));
      const result = results.find((r) => r.case === b.rule);
      assert.equal(result?.status, 'failed', JSON.stringify(results));
      assert.ok(result.message?.startsWith(`rule broken: ${b.rule}: `), result.message);
      assert.match(result.message ?? '', b.says);
    });
  }

  it('fails a field left undeclared that the oracle cannot see change, and declarations that name no changeable field', async () => {
    const rule = 'every mutable field reaches the cloud';
    const undeclared = target();
    undeclared.fields = { schema: Schema };
    const [silent] = await checkConformance(undeclared, [rule]);
    assert.equal(silent?.status, 'failed');
    assert.match(silent?.message ?? '', /wipe: changed to true, observe still reports up to date/);
    const stale = target();
    stale.fields = { schema: Schema, notSettings: { wipe: 'delete only', gone: 'was here once' }, unseen: { shape: 'cannot read it' }, refused: { color: ' ' } };
    const [result] = await checkConformance(stale, [rule]);
    assert.match(result?.message ?? '', /fields\.notSettings\['gone'\] names no field of the schema/);
    assert.match(result?.message ?? '', /fields\.unseen\['shape'\] is immutable already/);
    assert.match(result?.message ?? '', /fields\.refused\['color'\] needs a written reason/);
  });

  it('shows each skip with its written reason, and refuses a skip without one', async () => {
    const results = await checkConformance(target(undefined, { 'partial delete resumes': 'every delete finishes in one call', 'bad credentials are Terminal': ' ' }));
    assert.deepEqual(results.find((r) => r.case === 'partial delete resumes'), { case: 'partial delete resumes', status: 'skipped', message: 'every delete finishes in one call' });
    assert.match(results.find((r) => r.case === 'bad credentials are Terminal')?.message ?? '', /a skip needs a written reason/);
    assert.match(summary('memory', results), /12 cases, 10 passed, 1 failed, 1 skipped \(skipped: partial delete resumes: every delete finishes in one call\) \(failed: bad credentials are Terminal\)/);
  });

  it('fails a case whose hook the target lacks, unless it is skipped with a reason', async () => {
    const lacking = target();
    delete lacking.invalidSpec;
    const results = await checkConformance(lacking, ['an invalid spec is Terminal']);
    assert.match(results[0]?.message ?? '', /the target gives no invalidSpec\(\); give one, or skip\['an invalid spec is Terminal'\] with the reason/);
  });
});

// The suite as an adapter's own test file registers it: one test per case and the report line.
describeConformance('memory', target());
