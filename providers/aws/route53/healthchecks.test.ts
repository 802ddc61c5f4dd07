// Route 53 health checks: which CallerReference a spec gets (the uid and what Route 53 cannot
// change), the config sent, the drift UpdateHealthCheck corrects, and what observing costs: the
// account's listing shared by a pass, kept true by our own writes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HealthCheckConfig, HealthCheck as R53HealthCheck, Route53Client } from '@aws-sdk/client-route-53';
import type { DNSRecordSpec, HealthCheck, ManagedResource } from '../../../sdk/index.ts';
import { AwsCaller } from '../common/client.ts';
import { HEALTH_CHECK_DEFAULTS, Route53HealthChecks, callerReference, diffConfig, referencePrefix, toConfig } from './healthchecks.ts';

const check: HealthCheck = { protocol: 'HTTP', ipAddress: '192.0.2.10', path: '/health', requestInterval: 30, failureThreshold: 3 };
const UID = '6f1c2b4e-8d0a-4b8e-9a57-2f9d1e0c3b7a';

describe('Route 53 health checks', () => {
  it('derive the CallerReference from the uid and the settings Route 53 cannot change, within its 64 characters', () => {
    const ref = callerReference(UID, check);
    assert.ok(ref.startsWith(referencePrefix(UID)) && ref.length <= 64, ref);
    assert.equal(callerReference(UID, { ...check, path: '/ready', port: 8080, failureThreshold: 5 }), ref, 'mutable settings keep the check');
    assert.notEqual(callerReference(UID, { ...check, protocol: 'HTTPS' }), ref, 'a new type is a new check');
    assert.notEqual(callerReference(UID, { ...check, requestInterval: 10 }), ref, 'a new interval is a new check');
    assert.notEqual(callerReference(UID, { ...check, ipAddress: undefined, fqdn: 'app.example.com' }), ref, 'an address removed is a new check');
    assert.notEqual(callerReference('another-uid', check), ref);
  });

  it('send the default port of the protocol and the FQDN without its trailing dot', () => {
    assert.deepEqual(toConfig(check), { Type: 'HTTP', IPAddress: '192.0.2.10', Port: 80, ResourcePath: '/health', RequestInterval: 30, FailureThreshold: 3 });
    assert.deepEqual(toConfig({ protocol: 'HTTPS', fqdn: 'app.example.com.', requestInterval: 10, failureThreshold: 1 }), { Type: 'HTTPS', FullyQualifiedDomainName: 'app.example.com', Port: 443, RequestInterval: 10, FailureThreshold: 1 });
  });

  it('name each drifted setting by its spec path, and nothing when Route 53 holds the spec', () => {
    assert.deepEqual(diffConfig(check, toConfig(check)), []);
    const drifted = { ...toConfig(check), ResourcePath: '/other', FailureThreshold: 7 };
    assert.deepEqual(diffConfig(check, drifted).map((d) => d.path), ['healthCheck.path', 'healthCheck.failureThreshold']);
    assert.deepEqual(diffConfig({ ...check, path: undefined }, toConfig(check)).map((d) => d.path), ['healthCheck.path']);
  });
});

/** Route 53's health check API in memory, counting each request by command. */
class FakeChecks {
  readonly calls: Record<string, number> = {};
  readonly checks = new Map<string, R53HealthCheck>();
  /** CallerReferences of deleted checks: Route 53 refuses them again, whatever the settings. */
  readonly deleted = new Set<string>();
  private seq = 0;
  add(ref: string, config: HealthCheckConfig): R53HealthCheck {
    const check: R53HealthCheck = { Id: `H${++this.seq}`, CallerReference: ref, HealthCheckConfig: config, HealthCheckVersion: 1 };
    this.checks.set(check.Id!, check);
    return check;
  }
  remove(id: string): boolean {
    const ref = this.checks.get(id)?.CallerReference;
    if (ref) this.deleted.add(ref);
    return this.checks.delete(id);
  }
  count = (name: string) => this.calls[name] ?? 0;
  send = async (command: { constructor: { name: string }; input: Record<string, unknown> }): Promise<unknown> => {
    const name = command.constructor.name.replace(/Command$/, '');
    this.calls[name] = (this.calls[name] ?? 0) + 1;
    const { input } = command;
    if (name === 'ListHealthChecks') return { HealthChecks: [...this.checks.values()], IsTruncated: false };
    if (name === 'CreateHealthCheck') {
      if (this.deleted.has(input.CallerReference as string)) throw Object.assign(new Error('a deleted check had this CallerReference'), { name: 'HealthCheckAlreadyExists', $metadata: { httpStatusCode: 409 } });
      return { HealthCheck: this.add(input.CallerReference as string, input.HealthCheckConfig as HealthCheckConfig) };
    }
    if (name === 'DeleteHealthCheck') return this.remove(input.HealthCheckId as string) && {};
    if (name === 'ListTagsForResource') return { ResourceTagSet: { Tags: [] } };
    return {};
  };
}

describe('Route 53 health checks, what observing costs', () => {
  const resource = (uid: string, healthCheck?: HealthCheck) => ({ uid, spec: { healthCheck }, ownershipMark: `m/ns/${uid}` }) as unknown as ManagedResource<DNSRecordSpec>;
  const setup = () => {
    const fake = new FakeChecks();
    let now = 1_000_000;
    const checks = new Route53HealthChecks(fake as unknown as Route53Client, new AwsCaller(undefined), () => now);
    return { fake, checks, tick: (ms: number) => (now += ms) };
  };

  it('lists the account once for a pass of 1,000 records without checks, and not again on later passes', async () => {
    const { fake, checks, tick } = setup();
    for (let pass = 0; pass < 3; pass++) {
      for (let i = 0; i < 1000; i++) assert.deepEqual(await checks.observe(resource(`u${i}`), undefined, []), { diff: [], stale: [] });
      tick(5 * 60_000);
    }
    assert.equal(fake.count('ListHealthChecks'), 1);
  });

  it('answers a pass of 100 checked records from one listing, and lists again for the next pass', async () => {
    const { fake, checks, tick } = setup();
    const ids = Array.from({ length: 100 }, (_, i) => fake.add(callerReference(`u${i}`, check), toConfig(check)).Id);
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < 100; i++) {
        tick(100); // the records of a zone pass, 10 s in all
        assert.deepEqual(await checks.observe(resource(`u${i}`, check), check, [ids[i]!]), { id: ids[i], diff: [], stale: [] });
      }
      tick(HEALTH_CHECK_DEFAULTS.listMaxAgeMs);
    }
    assert.equal(fake.count('ListHealthChecks'), 2);
    assert.equal(fake.count('GetHealthCheck'), 0);
  });

  it('keeps the listing true with its own writes: a created check is seen, a pruned one gone, without listing again', async () => {
    const { fake, checks } = setup();
    await checks.observe(resource('a'), undefined, []);
    const id = await checks.ensure(resource('a', check), check);
    assert.deepEqual(await checks.observe(resource('a', check), check, []), { id, diff: [], stale: [] });
    assert.equal(fake.count('ListTagsForResource'), 0, 'a check just created has no tags to read');
    assert.equal(fake.count('ChangeTagsForResource'), 1);
    await checks.prune(resource('a'), []);
    assert.deepEqual(await checks.observe(resource('a'), undefined, [id!]), { diff: [], stale: [] });
    assert.equal(fake.count('ListHealthChecks'), 1);
  });

  it('keeps a check whose create was answered while a listing was in flight', async () => {
    const { fake, checks, tick } = setup();
    await checks.observe(resource('b'), undefined, []);
    const gates = { create: deferred(), list: deferred() };
    const send = fake.send;
    fake.send = async (command) => {
      const name = command.constructor.name;
      if (name === 'CreateHealthCheckCommand') await gates.create.promise;
      const answer = await send(command); // a listing as it stands when it is asked
      if (name === 'ListHealthChecksCommand') await gates.list.promise;
      return answer;
    };
    const created = checks.ensure(resource('a', check), check); // the listing is fresh: straight to its create
    await settle();
    tick(HEALTH_CHECK_DEFAULTS.listMaxAgeMs + 1);
    const listed = checks.observe(resource('b', check), check, []); // a new listing, without a's check
    await settle();
    gates.create.resolve();
    const id = await created;
    gates.list.resolve();
    await listed;
    assert.equal((await checks.observe(resource('a', check), check, [])).id, id);
    assert.equal(fake.count('ListHealthChecks'), 2);
  });

  it('never sends a deleted check\'s CallerReference again (Route 53 refuses it): HTTP → TCP → HTTP, and a check deleted out of band, are made anew', async () => {
    const { fake, checks, tick } = setup();
    const tcp: HealthCheck = { ...check, protocol: 'TCP', path: undefined };
    const first = await checks.ensure(resource('a', check), check);
    for (const want of [tcp, check]) {
      tick(1_000);
      const id = await checks.ensure(resource('a', want), want);
      await checks.prune(resource('a', want), [id]);
      assert.deepEqual([...fake.checks.values()].map((c) => c.HealthCheckConfig?.Type), [want.protocol], 'one check, the one asked for');
    }
    assert.notEqual([...fake.checks.keys()][0], first);
    const id = [...fake.checks.keys()][0]!;
    fake.remove(id); // by hand, in the console
    tick(HEALTH_CHECK_DEFAULTS.listMaxAgeMs + 1);
    const again = await checks.ensure(resource('a', check), check);
    assert.ok(again && again !== id && fake.checks.has(again));
    assert.equal(fake.deleted.size, 3);
  });
});

const settle = () => new Promise((r) => setImmediate(r));
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
