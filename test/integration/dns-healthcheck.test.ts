// DNSRecord health checks on Route 53, end to end: the real apiserver, the operator, and the
// emulator through the fault proxy. A failover pair whose primary has a health check: the check
// exists with the spec's settings, tagged with the ownership mark, and the primary's record set
// names it; a path change is applied to the same check; a path changed behind its back is put
// back; deleting the DNSRecord deletes the check; and a spec that tries to name another record's
// check (by a field the schema does not have) gets a check of its own, never that one. Drift
// checks of every record share one ListHealthChecks a pass (counted by the proxy).
// Route 53 is read through its API on the emulator directly, never the adapter.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateHostedZoneCommand, GetHealthCheckCommand, ListHealthChecksCommand, ListResourceRecordSetsCommand, ListTagsForResourceCommand, Route53Client, UpdateHealthCheckCommand,
  type HealthCheck, type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import type { KubeConfig } from '@kubernetes/client-node';
import type { ManagedObject } from '../../src/reconcile/types.ts';
import { condition, createNamespace, emulatorProviderConfig, eventually, installCrds, kubeConfig, markOf, objects, uniq, emulatorClientConfig } from '../support/kube.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { FaultProxyClient } from '../../src/stack/faultproxy.ts';
import { HEALTH_CHECK_DEFAULTS } from '../../providers/aws/route53/healthchecks.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { useStack } from '../support/stack.ts';

const stack = useStack(['kube', 'aws']);
let kc: KubeConfig;
let ns: string;
let pc: string;
let r53: Route53Client;
let operator: RunningOperator;
let zone: string;
let zoneId: string;
const records = () => objects(kc, 'dnsrecords');

before(async () => {
  await stack.ready();
  const aws = stack().aws!;
  assert.ok(aws.proxyEndpoint, 'the stack runs the fault proxy');
  kc = kubeConfig(stack());
  await installCrds(kc);
  ns = await createNamespace(kc);
  pc = await emulatorProviderConfig(kc, stack(), uniq('r53'), { endpoint: aws.proxyEndpoint, settings: { route53ChangeGuards: 'true' } });
  r53 = new Route53Client(emulatorClientConfig(stack()));
  zone = `${uniq('hc')}.test.`;
  zoneId = (await r53.send(new CreateHostedZoneCommand({ Name: zone, CallerReference: uniq('ref') }))).HostedZone!.Id!.replace('/hostedzone/', '');
  operator = await startOperator(stack(), { namespace: ns, resyncSeconds: 3, backoffBaseMs: 1000 });
});
after(async () => {
  await operator?.stop();
  r53?.destroy();
});

const spec = (name: string, rest: Record<string, unknown>) => ({ providerConfigRef: { name: pc }, zone: { name: zone }, name, type: 'A', ttl: 60, ...rest });
const check = { protocol: 'HTTP', ipAddress: '192.0.2.10', port: 8080, path: '/healthz', failureThreshold: 2 };

const ready = (name: string) =>
  eventually(async () => {
    const r = await records().get(ns, name);
    return condition(r, 'Ready')?.status === 'True' && r.status?.observedGeneration === r.metadata.generation ? r : undefined;
  }, `DNSRecord ${name} Ready`, 45_000, async () => JSON.stringify((await records().tryGet(ns, name))?.status));

async function rrset(name: string, setId: string): Promise<ResourceRecordSet | undefined> {
  const page = await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, StartRecordName: name, MaxItems: 20 }));
  return page.ResourceRecordSets?.find((s) => s.Name === name && s.Type === 'A' && s.SetIdentifier === setId);
}
const allChecks = async (): Promise<HealthCheck[]> => (await r53.send(new ListHealthChecksCommand({}))).HealthChecks ?? [];
const checksOf = async (uid: string) => (await allChecks()).filter((c) => c.CallerReference?.startsWith(`mooring-${uid}-`));
const getCheck = async (id: string) => (await r53.send(new GetHealthCheckCommand({ HealthCheckId: id }))).HealthCheck!;
const tagsOf = async (id: string) => (await r53.send(new ListTagsForResourceCommand({ ResourceType: 'healthcheck', ResourceId: id }))).ResourceTagSet?.Tags ?? [];

describe('DNSRecord health checks on Route 53', () => {
  let primary: ManagedObject;
  let checkId: string;

  it('creates the primary’s check with the spec’s settings, tagged ours, and names it on the primary record set', async () => {
    await records().create(ns, 'primary', spec('app', { values: ['192.0.2.10'], failover: { setIdentifier: 'primary', role: 'PRIMARY' }, healthCheck: check }));
    await records().create(ns, 'secondary', spec('app', { values: ['192.0.2.20'], failover: { setIdentifier: 'secondary', role: 'SECONDARY' } }));
    primary = await ready('primary');
    await ready('secondary');
    const mine = await checksOf(primary.metadata.uid);
    assert.equal(mine.length, 1, 'one check for the primary');
    checkId = mine[0]!.Id!;
    assert.deepEqual(
      { ...mine[0]!.HealthCheckConfig, Disabled: undefined, EnableSNI: undefined, Inverted: undefined, MeasureLatency: undefined },
      { Type: 'HTTP', IPAddress: '192.0.2.10', Port: 8080, ResourcePath: '/healthz', RequestInterval: 30, FailureThreshold: 2, Disabled: undefined, EnableSNI: undefined, Inverted: undefined, MeasureLatency: undefined },
    );
    assert.deepEqual(await tagsOf(checkId), [{ Key: 'mooring.dev/owner', Value: await markOf(kc, 'dnsrecords', ns, 'primary') }]);
    const live = await rrset(`app.${zone}`, 'primary');
    assert.equal(live?.Failover, 'PRIMARY');
    assert.equal(live?.HealthCheckId, checkId, 'the primary names its check');
    assert.equal((await rrset(`app.${zone}`, 'secondary'))?.HealthCheckId, undefined, 'the secondary has none');
    assert.equal((await records().get(ns, 'primary')).status?.atProvider?.healthCheckId, checkId);
  });

  it('applies a path change to the same check', async () => {
    await records().patchSpec(ns, 'primary', { ...primary.spec, healthCheck: { ...check, path: '/ready' } });
    await ready('primary');
    await eventually(async () => (await getCheck(checkId)).HealthCheckConfig?.ResourcePath === '/ready', 'the check’s path is /ready', 30_000);
    assert.equal((await rrset(`app.${zone}`, 'primary'))?.HealthCheckId, checkId, 'still the same check');
    assert.equal((await checksOf(primary.metadata.uid)).length, 1);
  });

  it('puts back a failure threshold changed behind its back', async () => {
    await r53.send(new UpdateHealthCheckCommand({ HealthCheckId: checkId, FailureThreshold: 9 }));
    await eventually(async () => (await getCheck(checkId)).HealthCheckConfig?.FailureThreshold === 2, 'the threshold is 2 again', 45_000);
  });

  it('gives a spec naming another record’s check a check of its own, and leaves that one alone', async () => {
    // The schema has no field for an id: the apiserver drops these; the operator never reads ids from a spec or status.
    const hostile = spec('other', { values: ['192.0.2.30'], weighted: { setIdentifier: 'x', weight: 1 }, healthCheckId: checkId, healthCheck: { ...check, path: '/steal', id: checkId } });
    await records().create(ns, 'hostile', hostile);
    const r = await ready('hostile');
    assert.equal(r.spec.healthCheckId, undefined, 'pruned by the apiserver');
    const named = (await rrset(`other.${zone}`, 'x'))?.HealthCheckId;
    assert.ok(named && named !== checkId, `the hostile record set names ${named}, not the primary’s check`);
    assert.ok((await getCheck(named)).CallerReference?.startsWith(`mooring-${r.metadata.uid}-`), 'its own check');
    const theirs = await getCheck(checkId);
    assert.equal(theirs.HealthCheckConfig?.ResourcePath, '/ready', 'the primary’s check untouched');
    assert.deepEqual(await tagsOf(checkId), [{ Key: 'mooring.dev/owner', Value: await markOf(kc, 'dnsrecords', ns, 'primary') }]);
  });

  it('shares one health check listing among the drift checks of every record (resync 3 s), and still sees drift', async () => {
    const proxy = new FaultProxyClient(stack().aws!.proxyEndpoint!);
    await proxy.resetStats();
    const started = Date.now();
    const hostileCheck = (await records().get(ns, 'hostile')).status?.atProvider?.healthCheckId as string;
    await r53.send(new UpdateHealthCheckCommand({ HealthCheckId: hostileCheck, FailureThreshold: 7 }));
    await eventually(async () => (await getCheck(hostileCheck)).HealthCheckConfig?.FailureThreshold === 2, 'the hostile’s threshold is 2 again', 45_000);
    await sleep(Math.max(0, started + 21_000 - Date.now()));
    const elapsed = Date.now() - started;
    const journal = await proxy.requests();
    const count = (action: string) => journal.filter((e) => e.action === `route53:${action}`).length;
    // Three records observed each 3 s: a listing per observe (the old way) would be seven or more.
    const most = Math.ceil(elapsed / HEALTH_CHECK_DEFAULTS.listMaxAgeMs) + 1;
    assert.ok(count('ListHealthChecks') <= most, `${count('ListHealthChecks')} ListHealthChecks in ${elapsed} ms (at most ${most})`);
    assert.equal(count('GetHealthCheck'), 0);
    assert.equal(count('UpdateHealthCheck'), 1, 'the drift put back, once');
  });

  it('deletes the check with its DNSRecord, after the record set', async () => {
    await records().remove(ns, 'primary');
    await eventually(async () => (await records().tryGet(ns, 'primary')) === undefined, 'DNSRecord primary gone', 45_000);
    assert.equal(await rrset(`app.${zone}`, 'primary'), undefined, 'the record set is gone');
    assert.deepEqual(await checksOf(primary.metadata.uid), [], 'its check is gone');
    assert.ok((await rrset(`app.${zone}`, 'secondary')) !== undefined, 'the secondary stays');
  });
});
