// RDS Performance Insights on the real apiserver, the operator and the AWS emulator (issue 21).
// moto keeps none of it, so two fault proxies of this file's own stand in front of it:
// - "played": the proxy plays AWS (src/stack/rds-insights.ts keeps what Create and Modify asked
//   for and reports it in every DescribeDBInstances answer); its journal shows the parameters the
//   adapter sent, and a change played behind the adapter's back is drift, seen and corrected;
// - "plain": a pass-through, the emulator as the sandbox sets it up, counted: the Database is Ready,
//   says the cloud reports nothing, and no ModifyDBInstance chases what cannot be seen.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { ManagedObject } from '../../src/reconcile/types.ts';
import { FaultProxy, type JournalEntry } from '../../src/stack/faultproxy.ts';
import { DEFAULT_INSIGHTS_KEY, RdsInsights } from '../../src/stack/rds-insights.ts';
import { condition, emulatorProviderConfig, eventually, objects, prepare, TEST_POLICY, uniq, waiters } from '../support/kube.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { useStack } from '../support/stack.ts';

const stack = useStack(['kube', 'aws']);
let kc: KubeConfig;
let ns: string;
let played: FaultProxy;
let plain: FaultProxy;
let playedPc: string;
let plainPc: string;
const insights = new RdsInsights();
let operator: RunningOperator;
const databases = () => objects(kc, 'databases');
const wait = () => waiters(kc, 'databases', ns);

before(async () => {
  ({ kc, ns } = await prepare(stack));
  played = await FaultProxy.start(stack().aws!.endpoint);
  played.setRewrite(insights.rewrite);
  plain = await FaultProxy.start(stack().aws!.endpoint);
  // The keys these Databases name are the account's: granted by the config's policy, as a tenant's must be.
  playedPc = await emulatorProviderConfig(kc, stack(), uniq('played'), { endpoint: played.endpoint, spec: { policy: { ...TEST_POLICY, rds: { kmsKeys: ['alias/team-*'] } } } });
  plainPc = await emulatorProviderConfig(kc, stack(), uniq('plain'), { endpoint: plain.endpoint });
  operator = await startOperator(stack(), { namespace: ns, resyncSeconds: 2, backoffBaseMs: 500 });
});
after(async () => {
  await operator?.stop();
  await played?.stop();
  await plain?.stop();
});

type Insights = { reported: boolean; enabled?: boolean; retentionDays?: number; kmsKeyId?: string };
const insightsOf = (d: ManagedObject) => (d.status?.atProvider as { performanceInsights?: Insights } | undefined)?.performanceInsights;
const calls = (proxy: FaultProxy, action: string, id: string): JournalEntry[] => proxy.requests().filter((r) => r.action === `rds:${action}` && r.params?.DBInstanceIdentifier === id);
const spec = (pc: string, performanceInsights: Record<string, unknown>) => ({ providerConfigRef: { name: pc }, rds: { skipFinalSnapshot: true, performanceInsights } });

async function reasons(name: string): Promise<string[]> {
  const list = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${name}` });
  return list.items.map((e) => e.reason ?? '');
}

describe('Performance Insights where the cloud reports it (the proxy playing AWS)', () => {
  it('is sent at create, changed by ModifyDBInstance, and turned back on when turned off behind our back', async () => {
    const name = uniq('pi');
    await databases().create(ns, name, spec(playedPc, { enabled: true, retentionDays: 31 }));
    const made = await wait().ready(name, 60_000);
    const [create] = calls(played, 'CreateDBInstance', name);
    assert.equal(create?.params?.EnablePerformanceInsights, 'true', JSON.stringify(create));
    assert.equal(create?.params?.PerformanceInsightsRetentionPeriod, '31');
    assert.deepEqual(insightsOf(made), { reported: true, enabled: true, retentionDays: 31, kmsKeyId: DEFAULT_INSIGHTS_KEY });
    assert.deepEqual(calls(played, 'ModifyDBInstance', name), [], 'up to date after create: nothing to modify');

    await databases().patchSpec(ns, name, spec(playedPc, { enabled: true, retentionDays: 62 }));
    const changed = await eventually(async () => {
      const d = await wait().ready(name);
      return insightsOf(d)?.retentionDays === 62 ? d : undefined;
    }, 'the retention changed', 30_000);
    assert.equal(changed.metadata.generation, 2);
    const [modify, ...more] = calls(played, 'ModifyDBInstance', name);
    assert.deepEqual(more, [], 'one ModifyDBInstance');
    assert.equal(modify?.params?.EnablePerformanceInsights, 'true');
    assert.equal(modify?.params?.PerformanceInsightsRetentionPeriod, '62');
    assert.equal(modify?.params?.ApplyImmediately, 'true');
    assert.equal(modify?.params?.PerformanceInsightsKMSKeyId, undefined, 'no key: RDS takes one only when turning it on');

    // Turned off in the console: the next resync (2 s) sees it and turns it back on, as it was.
    insights.set(name, { enabled: false, kmsKeyId: DEFAULT_INSIGHTS_KEY });
    await eventually(async () => calls(played, 'ModifyDBInstance', name).length === 2 || undefined, 'the drift corrected', 30_000);
    const fixed = calls(played, 'ModifyDBInstance', name)[1]!;
    assert.equal(fixed.params?.EnablePerformanceInsights, 'true');
    assert.equal(fixed.params?.PerformanceInsightsRetentionPeriod, '62');
    assert.deepEqual(insights.get(name), { enabled: true, retentionDays: 62, kmsKeyId: DEFAULT_INSIGHTS_KEY });
    await eventually(async () => (await reasons(name)).includes('DriftCorrected') || undefined, 'a DriftCorrected Event', 20_000);
    const after = await wait().ready(name);
    assert.equal(insightsOf(after)?.enabled, true);

    // Steady: a few resyncs later, no further ModifyDBInstance.
    await new Promise((r) => setTimeout(r, 5_000));
    assert.equal(calls(played, 'ModifyDBInstance', name).length, 2);
  });

  it('turns it off when the spec says so, and a key RDS keeps cannot be swapped by turning it off and on', async () => {
    const name = uniq('pikey');
    await databases().create(ns, name, spec(playedPc, { enabled: true, kmsKeyId: 'alias/team-a' }));
    await wait().ready(name, 60_000);
    assert.equal(calls(played, 'CreateDBInstance', name)[0]?.params?.PerformanceInsightsKMSKeyId, 'alias/team-a');
    await databases().patchSpec(ns, name, spec(playedPc, { enabled: false }));
    const off = await eventually(async () => {
      const d = await wait().ready(name);
      return insightsOf(d)?.enabled === false ? d : undefined;
    }, 'turned off', 30_000);
    assert.deepEqual(insightsOf(off), { reported: true, enabled: false });
    assert.equal(calls(played, 'ModifyDBInstance', name)[0]?.params?.EnablePerformanceInsights, 'false');

    // The schema lets a key come with turning it on; RDS keeps the first: a Terminal refusal in its words, not a loop.
    await databases().patchSpec(ns, name, spec(playedPc, { enabled: true, kmsKeyId: 'alias/team-b' }));
    const refused = await wait().degraded(name, 'InvalidRequest', 30_000);
    assert.match(condition(refused, 'Degraded')!.message, /cannot change the KMS key for Performance Insights/);
    assert.equal(insights.get(name).enabled, false, 'nothing changed');
  });
});

describe('Performance Insights where the cloud reports none (the emulator as it is)', () => {
  it('is Ready, says so in status, and never chases it: no ModifyDBInstance in steady state, nor for a spec change it cannot see', async () => {
    const name = uniq('pimoto');
    await databases().create(ns, name, spec(plainPc, { enabled: true, retentionDays: 93 }));
    const made = await wait().ready(name, 60_000);
    assert.equal(calls(plain, 'CreateDBInstance', name)[0]?.params?.EnablePerformanceInsights, 'true', 'sent at create all the same');
    assert.deepEqual(insightsOf(made), { reported: false });

    const describedBefore = calls(plain, 'DescribeDBInstances', name).length;
    await new Promise((r) => setTimeout(r, 7_000)); // three resyncs or more
    assert.ok(calls(plain, 'DescribeDBInstances', name).length > describedBefore, 'it was looked at meanwhile');
    await databases().patchSpec(ns, name, spec(plainPc, { enabled: true, retentionDays: 186 }));
    const changed = await wait().ready(name);
    assert.equal(changed.metadata.generation, 2);
    await new Promise((r) => setTimeout(r, 5_000));
    assert.deepEqual(calls(plain, 'ModifyDBInstance', name), [], 'no ModifyDBInstance');
    const now = await databases().get(ns, name);
    assert.deepEqual([condition(now, 'Drifted')?.status, condition(now, 'Drifted')?.reason], ['False', 'InSync']);
    assert.deepEqual(insightsOf(now), { reported: false });
    assert.ok(!(await reasons(name)).some((r) => r === 'DriftDetected' || r === 'DriftCorrected' || r === 'Updated'), 'no drift, no update claimed');
  });
});
