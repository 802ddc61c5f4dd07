import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { describe, it } from 'node:test';
import { ConfigError, DEFAULTS, loadConfig, parseDuration, usage, type Config } from './config.ts';

type Env = Record<string, string>;

describe('loadConfig', () => {
  it('gives DEFAULTS with no flags and no environment', () => {
    const config = loadConfig([], {});
    for (const key of Object.keys(DEFAULTS) as (keyof Config)[]) if (key !== 'credentialsNamespaces') assert.equal(config[key], DEFAULTS[key], key);
    assert.equal(config.identity, hostname());
    assert.deepEqual(config.credentialsNamespaces, ['mooring-system'], 'unset: the operator\'s own namespace, mooring-system without POD_NAMESPACE');
  });

  const namespaces: { reason: string; argv: string[]; env: Env; want: string[] }[] = [
    { reason: 'the pod\'s own namespace by default', argv: [], env: { POD_NAMESPACE: 'platform' }, want: ['platform'] },
    { reason: 'a repeated flag adds up', argv: ['--credentials-namespaces', 'a', '--credentials-namespaces=b,c'], env: { POD_NAMESPACE: 'platform' }, want: ['a', 'b', 'c'] },
    { reason: 'a comma-separated variable', argv: [], env: { MOORING_CREDENTIALS_NAMESPACES: 'mooring-system, default' }, want: ['mooring-system', 'default'] },
  ];
  for (const c of namespaces) {
    it(`credentials namespaces: ${c.reason}`, () => assert.deepEqual(loadConfig(c.argv, c.env).credentialsNamespaces, c.want));
  }

  const watched: { reason: string; argv: string[]; env: Env; want: string[] | undefined }[] = [
    { reason: 'unset: all namespaces', argv: [], env: {}, want: undefined },
    { reason: 'one namespace', argv: ['--namespace', 'team-a'], env: {}, want: ['team-a'] },
    { reason: 'a comma-separated list, duplicates once', argv: ['--namespace=team-a, team-b,team-a'], env: {}, want: ['team-a', 'team-b'] },
    { reason: 'a repeated flag adds up', argv: ['--namespace', 'team-a', '--namespace=team-b'], env: {}, want: ['team-a', 'team-b'] },
    { reason: 'a comma-separated variable', argv: [], env: { MOORING_NAMESPACE: 'team-a,team-b' }, want: ['team-a', 'team-b'] },
  ];
  for (const c of watched) {
    it(`watched namespaces: ${c.reason}`, () => assert.deepEqual(loadConfig(c.argv, c.env).namespaces, c.want));
  }

  const precedence: { reason: string; argv: string[]; env: Env; want: Partial<Config> }[] = [
    { reason: 'a flag with =', argv: ['--concurrency=8'], env: {}, want: { concurrency: 8 } },
    { reason: 'a flag and its value apart', argv: ['--concurrency', '8'], env: {}, want: { concurrency: 8 } },
    { reason: 'the environment over the default', argv: [], env: { MOORING_CONCURRENCY: '6' }, want: { concurrency: 6 } },
    { reason: 'a flag over the environment', argv: ['--concurrency=8'], env: { MOORING_CONCURRENCY: '6' }, want: { concurrency: 8 } },
    { reason: 'an empty variable counts as unset', argv: [], env: { MOORING_CONCURRENCY: '' }, want: { concurrency: 4 } },
    { reason: 'the last of a repeated flag wins', argv: ['--concurrency=2', '--concurrency=3'], env: {}, want: { concurrency: 3 } },
    { reason: 'a bare switch means true', argv: ['--leader-elect'], env: {}, want: { leaderElect: true } },
    { reason: 'a switch can be turned off over the environment', argv: ['--leader-elect=false'], env: { MOORING_LEADER_ELECT: 'true' }, want: { leaderElect: false } },
    { reason: 'a switch does not swallow the next flag', argv: ['--leader-elect', '--concurrency', '2'], env: {}, want: { leaderElect: true, concurrency: 2 } },
    { reason: 'durations take units', argv: ['--resync-period=1h30m', '--backoff-base=250ms'], env: {}, want: { resyncPeriodMs: 5_400_000, backoffBaseMs: 250 } },
    { reason: 'the reconcile interval bounds', argv: ['--min-reconcile-interval=5m'], env: { MOORING_MAX_RECONCILE_INTERVAL: '2h' }, want: { minReconcileIntervalMs: 300_000, maxReconcileIntervalMs: 7_200_000 } },
    { reason: 'a bare number of seconds', argv: [], env: { MOORING_RESYNC_PERIOD: '60' }, want: { resyncPeriodMs: 60_000 } },
    { reason: 'an empty namespace flag is all namespaces', argv: ['--namespace='], env: { MOORING_NAMESPACE: 'team-a' }, want: { namespaces: undefined } },
    { reason: 'log level is not case-sensitive', argv: ['--log-level=DEBUG'], env: {}, want: { logLevel: 'debug' } },
    { reason: 'the sandbox\'s own flags', argv: ['--kubeconfig', '/tmp/kc', '--log-format', 'pretty'], env: {}, want: { kubeconfig: '/tmp/kc', logFormat: 'pretty' } },
    { reason: 'an IPv6 bind address', argv: ['--bind-address=[::1]:9090'], env: {}, want: { bindAddress: '[::1]:9090' } },
    { reason: 'identity from the environment', argv: [], env: { MOORING_IDENTITY: 'mooring-7d9f-abc' }, want: { identity: 'mooring-7d9f-abc' } },
  ];
  for (const c of precedence) {
    it(`reads ${c.reason}`, () => {
      const config = loadConfig(c.argv, c.env);
      for (const [key, value] of Object.entries(c.want)) assert.equal(config[key as keyof Config], value, key);
    });
  }

  const bad: { reason: string; argv: string[]; env: Env; mentions: string[] }[] = [
    { reason: 'a word for a number', argv: ['--concurrency=lots'], env: {}, mentions: ['--concurrency', 'MOORING_CONCURRENCY', '"lots"', 'from --concurrency'] },
    { reason: 'zero workers', argv: [], env: { MOORING_CONCURRENCY: '0' }, mentions: ['--concurrency', 'from MOORING_CONCURRENCY', '1 to 1000'] },
    { reason: 'a duration without a sensible unit', argv: ['--resync-period=5 minutes'], env: {}, mentions: ['--resync-period', 'MOORING_RESYNC_PERIOD', 'such as 30s'] },
    { reason: 'a jitter over 1', argv: ['--resync-jitter=1.5'], env: {}, mentions: ['--resync-jitter', 'MOORING_RESYNC_JITTER'] },
    { reason: 'an unknown log level', argv: [], env: { MOORING_LOG_LEVEL: 'loud' }, mentions: ['--log-level', 'MOORING_LOG_LEVEL', 'one of trace'] },
    { reason: 'a port out of range', argv: ['--bind-address=:80800'], env: {}, mentions: ['--bind-address', 'MOORING_BIND_ADDRESS'] },
    { reason: 'a switch given nonsense', argv: ['--leader-elect=maybe'], env: {}, mentions: ['--leader-elect', 'MOORING_LEADER_ELECT', 'true or false'] },
    { reason: 'a namespace Kubernetes would refuse', argv: ['--namespace=Team_A'], env: {}, mentions: ['--namespace', 'MOORING_NAMESPACE'] },
    { reason: 'a bad namespace among good ones', argv: ['--namespace=team-a,Team_B'], env: {}, mentions: ['--namespace', 'MOORING_NAMESPACE', 'separated by commas'] },
    { reason: 'a backoff base above its max', argv: ['--backoff-base=10m'], env: {}, mentions: ['--backoff-base', '--backoff-max (MOORING_BACKOFF_MAX)'] },
    { reason: 'a reconcile interval minimum above its maximum', argv: ['--min-reconcile-interval=2h', '--max-reconcile-interval=1h'], env: {}, mentions: ['--min-reconcile-interval', '--max-reconcile-interval (MOORING_MAX_RECONCILE_INTERVAL)'] },
    { reason: 'a renew deadline not shorter than the lease', argv: ['--lease-renew-deadline=15s'], env: {}, mentions: ['--lease-renew-deadline', '--lease-duration'] },
    { reason: 'a retry period too close to the renew deadline', argv: ['--lease-retry-period=9s'], env: {}, mentions: ['--lease-retry-period', '--lease-renew-deadline'] },
    { reason: 'a credentials namespace Kubernetes would refuse', argv: ['--credentials-namespaces=ok,Not_OK'], env: {}, mentions: ['--credentials-namespaces', 'MOORING_CREDENTIALS_NAMESPACES'] },
    { reason: 'an unknown flag', argv: ['--concurency=8'], env: {}, mentions: ['unknown flag --concurency', '--concurrency'] },
    { reason: 'a flag without its value', argv: ['--concurrency'], env: {}, mentions: ['--concurrency (MOORING_CONCURRENCY) needs a value'] },
    { reason: 'a flag followed by another flag', argv: ['--kubeconfig', '--concurrency=2'], env: {}, mentions: ['--kubeconfig (MOORING_KUBECONFIG) needs a value'] },
    { reason: 'a stray word', argv: ['run'], env: {}, mentions: ['unexpected argument "run"'] },
  ];
  for (const c of bad) {
    it(`refuses ${c.reason}`, () => {
      assert.throws(
        () => loadConfig(c.argv, c.env),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError, 'a ConfigError');
          for (const m of c.mentions) assert.ok(err.message.includes(m), `"${err.message}" mentions ${m}`);
          return true;
        },
      );
    });
  }

  it('reports every bad value at once, each with its source', () => {
    try {
      loadConfig(['--concurrency=x'], { MOORING_LOG_FORMAT: 'xml' });
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.issues.map((i) => [i.field, i.source]), [['concurrency', 'flag'], ['logFormat', 'env']]);
    }
  });
});

describe('parseDuration', () => {
  const cases: { text: string; want: number | undefined }[] = [
    { text: '300', want: 300_000 },
    { text: '1.5', want: 1_500 },
    { text: '500ms', want: 500 },
    { text: '5m', want: 300_000 },
    { text: '1h30m10s', want: 5_410_000 },
    { text: '-5s', want: undefined },
    { text: '5 s', want: undefined },
    { text: '5d', want: undefined },
    { text: '', want: undefined },
  ];
  for (const c of cases) it(`"${c.text}"`, () => assert.equal(parseDuration(c.text), c.want));
});

describe('DEFAULTS', () => {
  // The comment beside each field is what readers see; it must say what the code does.
  it('agree with the comment beside each field', () => {
    const source = readFileSync(new URL('./config.ts', import.meta.url), 'utf8');
    for (const [key, value] of Object.entries(DEFAULTS)) {
      const line = source.split('\n').find((l) => new RegExp(`^\\s+${key}: .*// default `).test(l));
      assert.ok(line, `${key} has a default comment`);
      const comment = line.slice(line.indexOf('// default ') + '// default '.length);
      const want =
        key === 'identity' ? 'the host name' :
        value === undefined ? 'unset' :
        key.endsWith('Ms') ? `${Number(value) / 1000} s` :
        String(value);
      assert.ok(comment.startsWith(want), `${key}: comment says "${comment}", DEFAULTS say ${want}`);
    }
  });

  it('appear in the usage text', () => {
    const text = usage();
    assert.match(text, /--concurrency[\s\S]*MOORING_CONCURRENCY, default 4/);
    assert.match(text, /--resync-period[\s\S]*default 300s/);
  });
});
