import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RetryableError, type ProbeReport } from '../../sdk/index.ts';
import { AccountLimiter, Limits } from '../limits/index.ts';
import { FakeClock, settle } from '../runtime/clock.ts';
import { createLogger } from '../runtime/logger.ts';
import { AccountDirectory } from './account-directory.ts';
import type { AccountView } from './account-key.ts';
import { AccountLimits } from './account-limits.ts';

type View = AccountView & { name: string };

function harness(answer: (name: string) => Promise<ProbeReport | undefined>, usable?: (name: string) => boolean) {
  const configs = new Map<string, View>([
    ['one', { name: 'one', type: 'aws', region: 'eu-west-1', credentials: { source: 'Secret', secretRef: { namespace: 'creds', name: 'one' } } }],
    ['two', { name: 'two', type: 'aws', region: 'eu-west-1', credentials: { source: 'Secret', secretRef: { namespace: 'creds', name: 'two' } } }],
  ]);
  const probes: string[] = [];
  const clock = new FakeClock(0);
  const directory = new AccountDirectory({
    configs, clock, retryMs: 60_000, log: createLogger({ level: 'silent' }), ...(usable ? { usable } : {}),
    probe: (name) => {
      probes.push(name);
      return answer(name);
    },
  });
  const limits = new AccountLimits(new Limits(), { route53: { requestsPerSecond: 4.5 } }, configs);
  limits.directory = directory;
  const view = (name: string) => configs.get(name)!;
  return { directory, limits, probes, clock, configs, view };
}

const account = async (): Promise<ProbeReport> => ({ summary: 'ok', account: '123456789012' });

describe('AccountDirectory', () => {
  it('learns each config\'s account by its probe, once, and the limiters of configs on it meet', async () => {
    const h = harness(account);
    const before = [h.limits.limiter(h.view('one'), 'route53'), h.limits.limiter(h.view('one'), 'route53'), h.limits.limiter(h.view('two'), 'route53')];
    assert.notEqual(before[0], before[2], 'unknown yet: keyed by the credentials');
    await settle();
    assert.deepEqual(h.probes, ['one', 'two'], 'one probe per config, however many limiters asked meanwhile');
    const [one, two] = [h.limits.limiter(h.view('one'), 'route53'), h.limits.limiter(h.view('two'), 'route53')];
    assert.equal(one, two);
    assert.ok(one instanceof AccountLimiter);
    assert.equal(one.key, 'aws:123456789012:route53');
    assert.deepEqual(h.probes, ['one', 'two'], 'known: no more probes');
  });

  it('forgets what it learned when the config reaches elsewhere (a changed endpoint, region or credentials)', async () => {
    const h = harness(account);
    h.directory.learn('one');
    await settle();
    assert.equal(h.directory.of(h.view('one'))?.account, '123456789012');
    h.configs.set('one', { ...h.view('one'), credentials: { source: 'Secret', secretRef: { namespace: 'creds', name: 'other' } } });
    assert.equal(h.directory.of(h.view('one')), undefined);
  });

  it('asks a failed probe again only after the retry delay, or at the next use once the config changed', async () => {
    let fail = true;
    const h = harness(async () => {
      if (fail) throw new RetryableError('ProviderUnavailable', 'no answer');
      return account();
    });
    h.directory.use(h.view('one'));
    await settle();
    h.directory.use(h.view('one'));
    await settle();
    assert.deepEqual(h.probes, ['one'], 'not again within the retry delay');
    await h.clock.advance(60_000);
    h.directory.use(h.view('one'));
    await settle();
    assert.deepEqual(h.probes, ['one', 'one']);
    fail = false;
    h.directory.changed('one');
    await settle();
    assert.deepEqual(h.probes, ['one', 'one'], 'a change alone connects nowhere');
    h.directory.use(h.view('one'));
    await settle();
    assert.deepEqual(h.probes, ['one', 'one', 'one'], 'the next use asks at once');
    assert.equal(h.directory.of(h.view('one'))?.account, '123456789012');
  });

  it('never probes a config it only saw change (another team\'s, perhaps): a probe is a connection through it', async () => {
    const h = harness(account);
    h.directory.changed('one');
    h.directory.changed('two');
    await settle();
    assert.deepEqual(h.probes, []);
    h.limits.limiter(h.view('two'), 'route53');
    await settle();
    assert.deepEqual(h.probes, ['two'], 'a limiter used: its config asked');
  });

  it('probes a config a watched namespace may use as soon as it is seen or changes, and no other', async () => {
    const h = harness(account, (name) => name === 'one');
    h.directory.changed('one');
    h.directory.changed('two');
    await settle();
    assert.deepEqual(h.probes, ['one'], "its limiter is the account's from the first call; the other waits for a use");
    assert.equal((h.limits.limiter(h.view('one'), 'route53') as AccountLimiter).key, 'aws:123456789012:route53');
  });

  it('keeps what a probe found as a guess when the config changed meanwhile, and asks again at the next use', async () => {
    let release!: () => void;
    const h = harness(() => new Promise((resolve) => (release = () => resolve({ summary: 'ok', account: '1' }))));
    h.directory.use(h.view('one'));
    h.directory.changed('one');
    h.directory.use(h.view('one'));
    assert.deepEqual(h.probes, ['one'], 'one probe in flight at a time');
    release();
    await settle();
    assert.deepEqual(h.probes, ['one']);
    assert.equal(h.directory.use(h.view('one'))?.account, '1', 'the guess, while it is asked again');
    assert.deepEqual(h.probes, ['one', 'one']);
    release();
    await settle();
    h.directory.use(h.view('one'));
    assert.deepEqual(h.probes, ['one', 'one'], 'asked since the change: known');
  });
});
