import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callSignal, RetryableError, TerminalError, type ProbeReport } from '../../sdk/index.ts';
import type { Condition } from '../api/common.ts';
import { FakeClock } from '../runtime/clock.ts';
import { createLogger } from '../runtime/logger.ts';
import { SecretScrubber } from '../runtime/scrub.ts';
import { configProbe, ConfigStatusChecker, UsageIndex, type ConfigStatusOptions } from './config-status.ts';
import type { ProviderConfigView, ProviderRegistration } from './providers.ts';

const START = Date.parse('2030-01-01T00:00:00Z');
const REPORT: ProbeReport = { summary: 'STS answered: account 123456789012', account: '123456789012', endpoint: 'http://127.0.0.1:4566' };

/** ProviderConfigs as the cache holds them; `write` applies merge patches to their status, as the apiserver would. */
class Fakes {
  readonly clock = new FakeClock(START);
  readonly configs = new Map<string, { generation: number; status: Record<string, unknown> }>();
  readonly writes: { name: string; status: Record<string, unknown> }[] = [];
  readonly probes: string[] = [];
  answer: (name: string) => Promise<ProbeReport | undefined> = () => Promise.resolve(REPORT);
  used = new Map<string, number>();
  owned: (name: string) => boolean = () => true;

  add(name: string, generation = 1): void {
    this.configs.set(name, { generation, status: {} });
  }

  checker(options: Partial<ConfigStatusOptions> = {}): ConfigStatusChecker {
    return new ConfigStatusChecker({
      configs: {
        names: () => [...this.configs.keys()],
        get: (name) => (this.configs.has(name) ? ({ name, type: 'aws', ownershipId: 'mooring' } satisfies ProviderConfigView) : undefined),
        stored: (name) => this.configs.get(name),
      },
      probe: (name) => {
        this.probes.push(name);
        return this.answer(name);
      },
      write: (name, status) => {
        this.writes.push({ name, status });
        const pc = this.configs.get(name);
        if (pc) for (const [k, v] of Object.entries(status)) if (v === null) delete pc.status[k]; else pc.status[k] = v;
        return Promise.resolve();
      },
      usedBy: (name) => this.used.get(name) ?? 0,
      owns: (name) => this.owned(name),
      log: createLogger({ level: 'silent' }),
      clock: this.clock,
      random: () => 0.5,
      intervalMs: 600_000,
      minIntervalMs: 10_000,
      ...options,
    });
  }

  ready(name: string): Condition | undefined {
    return (this.configs.get(name)?.status.conditions as Condition[] | undefined)?.find((c) => c.type === 'Ready');
  }
}

describe('ConfigStatusChecker', () => {
  it('writes Ready=True with the account, endpoint, usedBy and lastChecked at start', async () => {
    const f = new Fakes();
    f.add('aws', 3);
    f.used.set('aws', 2);
    f.checker().start();
    await f.clock.advance(0);
    const status = f.configs.get('aws')!.status;
    assert.deepEqual(f.ready('aws'), { type: 'Ready', status: 'True', reason: 'Reachable', message: REPORT.summary, observedGeneration: 3, lastTransitionTime: '2030-01-01T00:00:00.000Z' });
    assert.equal(status.account, '123456789012');
    assert.equal(status.endpoint, 'http://127.0.0.1:4566');
    assert.equal(status.usedBy, 2);
    assert.equal(status.lastChecked, '2030-01-01T00:00:00.000Z');
    assert.equal(status.observedGeneration, 3);
  });

  it("writes a failed check's reason, clears the account, and never writes a secret the message holds", async () => {
    const f = new Fakes();
    const scrubber = new SecretScrubber();
    scrubber.remember('hunter2-password-value');
    f.add('pg');
    f.answer = () => Promise.resolve(REPORT);
    const checker = f.checker({ scrubber });
    checker.start();
    await f.clock.advance(0);
    assert.equal(f.configs.get('pg')!.status.account, '123456789012');
    f.answer = () => Promise.reject(new TerminalError('InvalidCredentials', 'password authentication failed for hunter2-password-value'));
    await f.clock.advance(20_000);
    checker.changed('pg');
    await f.clock.advance(0);
    const ready = f.ready('pg')!;
    assert.equal(ready.status, 'False');
    assert.equal(ready.reason, 'InvalidCredentials');
    assert.equal(ready.message, 'password authentication failed for [redacted]');
    assert.equal(ready.lastTransitionTime, '2030-01-01T00:00:20.000Z');
    assert.equal(f.configs.get('pg')!.status.account, undefined, 'no account is shown for credentials that failed');
    assert.ok(!JSON.stringify(f.writes).includes('hunter2'));
  });

  it('keeps lastTransitionTime while the Ready status stays, and reports an untyped failure as ProviderError', async () => {
    const f = new Fakes();
    f.add('a');
    const checker = f.checker();
    checker.start();
    await f.clock.advance(0);
    await f.clock.advance(600_000);
    assert.equal(f.probes.length, 2, 'checked again after the interval');
    assert.equal(f.ready('a')!.lastTransitionTime, '2030-01-01T00:00:00.000Z');
    assert.equal(f.configs.get('a')!.status.lastChecked, '2030-01-01T00:10:00.000Z');
    f.answer = () => Promise.reject(new Error('boom'));
    await f.clock.advance(600_000);
    assert.equal(f.ready('a')!.reason, 'ProviderError');
    assert.match(f.ready('a')!.message, /boom/);
  });

  it('says NotProbed (Unknown) for a provider without a probe', async () => {
    const f = new Fakes();
    f.add('plugin');
    f.answer = () => Promise.resolve(undefined);
    f.checker().start();
    await f.clock.advance(0);
    assert.equal(f.ready('plugin')!.status, 'Unknown');
    assert.equal(f.ready('plugin')!.reason, 'NotProbed');
  });

  it('re-checks on the jittered interval', async () => {
    const f = new Fakes();
    f.add('a');
    const checker = f.checker({ random: () => 1 }); // the longest: +10%
    checker.start();
    await f.clock.advance(0);
    await f.clock.advance(659_999);
    assert.equal(f.probes.length, 1);
    await f.clock.advance(1);
    assert.equal(f.probes.length, 2);
  });

  it('never has two checks of one config in flight, and merges the asks that come meanwhile into one', async () => {
    const f = new Fakes();
    f.add('a');
    let release: (() => void) | undefined;
    f.answer = () => new Promise((resolve) => (release = () => resolve(REPORT)));
    const checker = f.checker();
    checker.start();
    await f.clock.advance(0);
    for (let i = 0; i < 50; i++) {
      checker.suspect('a');
      checker.changed('a');
    }
    await f.clock.advance(30_000);
    assert.equal(f.probes.length, 1, 'one in flight');
    release!();
    await f.clock.advance(0);
    // The one merged re-check waits for the least interval since the last start (already past).
    assert.equal(f.probes.length, 2);
    release!();
    await f.clock.advance(60_000);
    assert.equal(f.probes.length, 2, 'fifty asks made one more check, not fifty');
  });

  it('spaces checks by the least interval: a storm of credential failures makes one check', async () => {
    const f = new Fakes();
    f.add('a');
    const checker = f.checker();
    checker.start();
    await f.clock.advance(0);
    assert.equal(f.probes.length, 1);
    for (let t = 0; t < 9_000; t += 1_000) {
      checker.suspect('a');
      await f.clock.advance(1_000);
    }
    assert.equal(f.probes.length, 1, 'nothing before 10 s');
    await f.clock.advance(1_000);
    assert.equal(f.probes.length, 2, 'one check at 10 s for all nine asks');
    await f.clock.advance(60_000);
    assert.equal(f.probes.length, 2);
  });

  it('checks only the configs this replica owns, takes over on a reshard, and lets go of the others', async () => {
    const f = new Fakes();
    f.add('mine');
    f.add('theirs');
    f.owned = (name) => name === 'mine';
    const checker = f.checker();
    checker.start();
    await f.clock.advance(0);
    assert.deepEqual(f.probes, ['mine']);
    checker.changed('theirs');
    checker.suspect('theirs');
    checker.usageChanged('theirs');
    await f.clock.advance(5_000);
    assert.deepEqual(f.probes, ['mine']);
    assert.deepEqual(f.writes.map((w) => w.name), ['mine'], 'nothing written for a config another replica owns');
    f.owned = (name) => name === 'theirs';
    checker.recheckOwned();
    await f.clock.advance(0);
    assert.deepEqual(f.probes, ['mine', 'theirs']);
    await f.clock.advance(700_000);
    assert.equal(f.probes.filter((p) => p === 'mine').length, 1, 'no interval check of a config handed over');
  });

  it('checks nothing before start and after stop (a standby, a stopped leader)', async () => {
    const f = new Fakes();
    f.add('a');
    const checker = f.checker();
    checker.changed('a');
    checker.suspect('a');
    await f.clock.advance(1_000);
    assert.equal(f.probes.length, 0);
    checker.start();
    await f.clock.advance(0);
    checker.stop();
    checker.changed('a');
    await f.clock.advance(700_000);
    assert.equal(f.probes.length, 1);
    assert.equal(f.clock.pending, 0, 'no timer left');
  });

  it('does not write the result of a check whose config was deleted meanwhile', async () => {
    const f = new Fakes();
    f.add('a');
    let release: (() => void) | undefined;
    f.answer = () => new Promise((resolve) => (release = () => resolve(REPORT)));
    const checker = f.checker();
    checker.start();
    await f.clock.advance(0);
    f.configs.delete('a');
    checker.changed('a');
    release!();
    await f.clock.advance(700_000);
    assert.equal(f.writes.length, 0);
    assert.equal(f.clock.pending, 0);
  });

  it('writes a changed usedBy soon, once for a burst, without a check; never an unchanged one', async () => {
    const f = new Fakes();
    f.add('a');
    const checker = f.checker({ usageDelayMs: 1_000 });
    checker.start();
    await f.clock.advance(0);
    const writes = f.writes.length;
    for (let n = 1; n <= 5; n++) {
      f.used.set('a', n);
      checker.usageChanged('a');
    }
    await f.clock.advance(1_000);
    assert.deepEqual(f.writes.slice(writes), [{ name: 'a', status: { usedBy: 5 } }]);
    assert.equal(f.probes.length, 1, 'no probe for a count');
    checker.usageChanged('a');
    await f.clock.advance(1_000);
    assert.equal(f.writes.length, writes + 1, 'the same count is not written again');
  });
});

describe('UsageIndex', () => {
  it('counts objects per config as they are added, moved between configs and deleted', () => {
    const changed: string[] = [];
    const usage = new UsageIndex((pc) => changed.push(pc));
    usage.set('Bucket/ns/a', 'aws');
    usage.set('Bucket/ns/b', 'aws');
    usage.set('Bucket/ns/a', 'aws');
    assert.equal(usage.count('aws'), 2);
    usage.set('Bucket/ns/b', 'other');
    assert.equal(usage.count('aws'), 1);
    assert.equal(usage.count('other'), 1);
    usage.set('Bucket/ns/a', undefined);
    usage.set('Bucket/ns/zzz', undefined);
    assert.equal(usage.count('aws'), 0);
    assert.deepEqual(changed, ['aws', 'aws', 'aws', 'other', 'aws']);
  });
});

describe('configProbe', () => {
  const view: ProviderConfigView = { name: 'pc', type: 'aws', ownershipId: 'mooring' };
  const connection = { name: 'pc', type: 'aws', region: 'us-east-1', settings: {} };
  const resolver = { resolve: () => Promise.resolve({ connection, connector: { connect: () => Promise.reject(new Error('unused')) } }) };
  const provider = (probe?: ProviderRegistration['probe']): ProviderRegistration => ({ type: 'aws', kinds: { Bucket: { connect: () => Promise.reject(new Error('unused')) } }, ...(probe ? { probe } : {}) });

  it("runs the provider's probe on the config's connection; a string answer is the summary", async () => {
    const seen: unknown[] = [];
    const probe = configProbe({ get: () => view }, resolver, [provider((c) => (seen.push(c), Promise.resolve('it answered')))]);
    assert.deepEqual(await probe('pc'), { summary: 'it answered' });
    assert.deepEqual(seen, [connection]);
  });

  it('is undefined without a probe, ProviderNotRegistered for an unknown type, ProviderUnavailable when the probe hangs', async () => {
    assert.equal(await configProbe({ get: () => view }, resolver, [provider()])('pc'), undefined);
    await assert.rejects(configProbe({ get: () => ({ ...view, type: 'gcp' }) }, resolver, [provider()])('pc'), (err: TerminalError) => err.reason === 'ProviderNotRegistered');
    const hung = configProbe({ get: () => view }, resolver, [provider(() => new Promise(() => undefined))], 20);
    await assert.rejects(hung('pc'), (err: RetryableError) => err instanceof RetryableError && err.reason === 'ProviderUnavailable' && /no answer within/.test(err.message));
  });

  it("aborts the hung probe's requests at its timeout: callSignal() in the probe is the deadline's", async () => {
    let seen: AbortSignal | undefined;
    const hung = configProbe({ get: () => view }, resolver, [provider(() => {
      seen = callSignal();
      return new Promise(() => undefined);
    })], 20);
    await assert.rejects(hung('pc'), (err: RetryableError) => err.reason === 'ProviderUnavailable');
    assert.ok(seen, 'the probe runs with a call signal');
    assert.equal(seen.aborted, true, 'aborted once the timeout passed');
  });

  it('passes on what resolving the credentials throws (CredentialsNotFound)', async () => {
    const missing = { resolve: () => Promise.reject(new TerminalError('CredentialsNotFound', 'the credentials Secret default/x does not exist')) };
    await assert.rejects(configProbe({ get: () => view }, missing, [provider(() => Promise.resolve('x'))])('pc'), (err: TerminalError) => err.reason === 'CredentialsNotFound');
  });
});
