import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { settle } from '../runtime/clock.ts';
import type { KubeObject, ListResult, ListWatch, WatchEvent } from '../runtime/informer.ts';
import type { ResourceRef } from '../kube/listwatch.ts';
import { createLogger } from '../runtime/logger.ts';
import { ConfigCache } from './config-cache.ts';

/** One watch an informer opened; the test plays the apiserver's side of it. */
interface FakeWatch {
  rv: string;
  aborted: boolean;
  emit(type: string, object: KubeObject): void;
  end(err?: unknown): void;
}

/** The apiserver for one ResourceRef, as in src/runtime/informer.test.ts: lists answer `items`, watches by hand. */
class FakeListWatch implements ListWatch<KubeObject> {
  readonly ref: ResourceRef;
  items: KubeObject[] = [];
  lists = 0;
  watches: FakeWatch[] = [];
  /** While set, lists wait for it: the cache is not synced yet. */
  gate: Promise<void> | undefined;

  constructor(ref: ResourceRef) {
    this.ref = ref;
  }

  async list(): Promise<ListResult<KubeObject>> {
    this.lists++;
    if (this.gate) await this.gate;
    return { items: this.items, resourceVersion: '100' };
  }

  async watch(rv: string, onEvent: (e: WatchEvent<KubeObject>) => void, onDone: (err?: unknown) => void) {
    const w: FakeWatch = { rv, aborted: false, emit: (type, object) => onEvent({ type, object }), end: (err) => onDone(err) };
    this.watches.push(w);
    return { abort: () => { w.aborted = true; } };
  }

  get last(): FakeWatch {
    const w = this.watches.at(-1);
    assert.ok(w, `no watch of ${this.ref.plural} was opened`);
    return w;
  }

  /** Open: listed and watching, not yet aborted. */
  get open(): boolean {
    return this.watches.length > 0 && !this.last.aborted;
  }
}

let rv = 1;
const nextRv = () => String(++rv);

const providerConfig = (name: string, spec: unknown, generation = 1): KubeObject & { spec: unknown } => ({
  apiVersion: 'mooring.dev/v1alpha1',
  kind: 'ProviderConfig',
  metadata: { name, generation, resourceVersion: nextRv() } as KubeObject['metadata'],
  spec,
});

const fromSecret = (namespace: string, name: string, extra: Record<string, unknown> = {}) => ({
  type: 'aws',
  credentials: { source: 'Secret', secretRef: { namespace, name } },
  ...extra,
});

const secret = (namespace: string, name: string, data: Record<string, string>): KubeObject & { data: Record<string, string> } => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace, resourceVersion: nextRv() },
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')])),
});

const namespace = (name: string, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels, resourceVersion: nextRv() } as KubeObject['metadata'],
});

function harness(options: { configs?: KubeObject[]; secrets?: KubeObject[]; namespaces?: KubeObject[]; gateSecrets?: Promise<void>; watched?: string[]; credentialsNamespaces?: string[] } = {}) {
  const made: FakeListWatch[] = [];
  const changed: string[] = [];
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', destination: { write: (line: string) => lines.push(line) } });
  const cache = new ConfigCache({
    log,
    credentialsNamespaces: options.credentialsNamespaces,
    changed: (name) => changed.push(name),
    namespaces: options.watched,
    listWatch: (ref) => {
      const lw = new FakeListWatch(ref);
      if (ref.plural === 'providerconfigs') {
        lw.items = options.configs ?? [];
      } else if (ref.plural === 'namespaces') {
        const only = /^metadata\.name=(.+)$/.exec(ref.fieldSelector ?? '')?.[1];
        lw.items = (options.namespaces ?? []).filter((n) => only === undefined || n.metadata?.name === only);
      } else {
        // The field selector is how the real apiserver narrows the list: apply it here too.
        const name = /^metadata\.name=(.+)$/.exec(ref.fieldSelector ?? '')?.[1];
        lw.items = (options.secrets ?? []).filter((s) => s.metadata?.namespace === ref.namespace && s.metadata?.name === name);
        lw.gate = options.gateSecrets;
      }
      made.push(lw);
      return lw;
    },
  });
  const configsLw = () => {
    const lw = made.find((m) => m.ref.plural === 'providerconfigs');
    assert.ok(lw);
    return lw;
  };
  const namespacesLw = () => {
    const lw = made.find((m) => m.ref.plural === 'namespaces');
    assert.ok(lw);
    return lw;
  };
  const secretLws = (namespace?: string, name?: string) =>
    made.filter((m) => m.ref.plural === 'secrets' && (namespace === undefined || m.ref.namespace === namespace) && (name === undefined || m.ref.fieldSelector === `metadata.name=${name}`));
  /** Log records since the last call. */
  const logs = () => lines.splice(0).map((l) => JSON.parse(l) as Record<string, unknown>);
  const takeChanged = () => changed.splice(0);
  return { cache, made, configsLw, namespacesLw, secretLws, logs, takeChanged };
}

async function started(h: ReturnType<typeof harness>) {
  h.cache.start();
  await settle();
  assert.equal(await h.cache.whenSynced(), true);
}

describe('ConfigCache: ProviderConfigs', () => {
  it('watches ProviderConfigs, cluster-wide, in our API group', async () => {
    const h = harness();
    await started(h);
    assert.deepEqual(h.configsLw().ref, { group: 'mooring.dev', version: 'v1alpha1', plural: 'providerconfigs', kind: 'ProviderConfig' });
    h.cache.stop();
  });

  it('gives the parsed view of a listed ProviderConfig, with defaults, and says it changed', async () => {
    const h = harness({ configs: [providerConfig('aws', { type: 'aws', region: 'eu-west-1' })] });
    await started(h);
    assert.deepEqual(h.cache.get('aws'), {
      name: 'aws',
      type: 'aws',
      region: 'eu-west-1',
      endpoint: undefined,
      credentials: { source: 'Environment' },
      rateLimits: undefined,
      grants: undefined,
      policy: { adoption: 'Forbidden', dns: { apexNameServers: false }, rds: { publiclyAccessible: false }, buckets: { publicAccess: false } },
      ownershipId: undefined,
      ownershipMarks: 'Readable',
      settings: undefined,
    });
    assert.deepEqual(h.cache.names(), ['aws']);
    assert.deepEqual(h.takeChanged(), ['aws']);
    assert.equal(h.cache.get('other'), undefined);
    h.cache.stop();
  });

  it('adds a ProviderConfig that appears on the watch, keeping every field the resolver reads', async () => {
    const h = harness();
    await started(h);
    assert.deepEqual(h.takeChanged(), []);
    h.configsLw().last.emit(
      'ADDED',
      providerConfig('local', {
        type: 'aws',
        endpoint: 'http://127.0.0.1:4566',
        ownershipId: 'ci',
        ownershipMarks: 'Hashed',
        rateLimits: { requestsPerSecond: 3, maxConcurrent: 2 },
        settings: { forcePathStyle: 'true' },
      }),
    );
    assert.deepEqual(h.takeChanged(), ['local']);
    const view = h.cache.get('local');
    assert.equal(view?.endpoint, 'http://127.0.0.1:4566');
    assert.equal(view?.ownershipId, 'ci');
    assert.equal(view?.ownershipMarks, 'Hashed');
    assert.deepEqual(view?.rateLimits, { requestsPerSecond: 3, maxConcurrent: 2 });
    assert.deepEqual(view?.settings, { forcePathStyle: 'true' });
    h.cache.stop();
  });

  it('follows a spec change (a new generation) and says so', async () => {
    const h = harness({ configs: [providerConfig('aws', { type: 'aws' })] });
    await started(h);
    h.takeChanged();
    h.configsLw().last.emit('MODIFIED', providerConfig('aws', { type: 'aws', region: 'ap-south-1' }, 2));
    assert.deepEqual(h.takeChanged(), ['aws']);
    assert.equal(h.cache.get('aws')?.region, 'ap-south-1');
    h.cache.stop();
  });

  it('ignores a status-only update (same generation)', async () => {
    const h = harness({ configs: [providerConfig('aws', { type: 'aws' })] });
    await started(h);
    h.takeChanged();
    const before = h.cache.get('aws');
    h.configsLw().last.emit('MODIFIED', { ...providerConfig('aws', { type: 'aws' }, 1), status: { conditions: [] } } as KubeObject);
    assert.deepEqual(h.takeChanged(), []);
    assert.equal(h.cache.get('aws'), before, 'the view is the one from before');
    h.cache.stop();
  });

  it('reads whom the probe reached from a status of the current generation only, without saying it changed', async () => {
    const h = harness({ configs: [providerConfig('aws', { type: 'aws' }, 2)] });
    await started(h);
    h.takeChanged();
    assert.equal(h.cache.get('aws')?.probed, undefined);
    const withStatus = (observedGeneration: number) =>
      ({ ...providerConfig('aws', { type: 'aws' }, 2), status: { observedGeneration, account: '123456789012', endpoint: 'https://sts.amazonaws.com' } }) as KubeObject;
    h.configsLw().last.emit('MODIFIED', withStatus(1));
    assert.equal(h.cache.get('aws')?.probed, undefined, 'a status of the spec before may name another account');
    h.configsLw().last.emit('MODIFIED', withStatus(2));
    assert.deepEqual(h.cache.get('aws')?.probed, { account: '123456789012', endpoint: 'https://sts.amazonaws.com' });
    assert.deepEqual(h.takeChanged(), [], 'nothing to requeue');
    h.configsLw().last.emit('MODIFIED', providerConfig('aws', { type: 'aws', region: 'eu-west-1' }, 3));
    assert.equal(h.cache.get('aws')?.probed, undefined, 'a new spec: unknown again until probed');
    h.cache.stop();
  });

  it('forgets a deleted ProviderConfig and says it changed', async () => {
    const h = harness({ configs: [providerConfig('aws', { type: 'aws' }), providerConfig('b', { type: 'aws' })] });
    await started(h);
    h.takeChanged();
    h.configsLw().last.emit('DELETED', providerConfig('aws', { type: 'aws' }));
    assert.deepEqual(h.takeChanged(), ['aws']);
    assert.equal(h.cache.get('aws'), undefined);
    assert.deepEqual(h.cache.names(), ['b']);
    h.cache.stop();
  });

  it('ignores a ProviderConfig that does not parse, and logs why', async () => {
    const h = harness({ configs: [providerConfig('bad', { type: 'Not A Type', credentials: { source: 'Secret' } })] });
    await started(h);
    assert.equal(h.cache.get('bad'), undefined);
    assert.deepEqual(h.cache.names(), []);
    assert.deepEqual(h.secretLws(), [], 'no Secret watch for a config that does not parse');
    const errors = h.logs().filter((l) => l.level === 'error');
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.msg, 'ProviderConfig does not parse; ignoring it');
    assert.equal(errors[0]?.providerConfig, 'bad');
    const issues = errors[0]?.issues as string[];
    assert.ok(issues.some((i) => i.startsWith('spec.type:')), `issues name the field: ${issues.join('; ')}`);
    assert.ok(issues.some((i) => i.startsWith('spec.credentials.secretRef:')), `issues name the field: ${issues.join('; ')}`);
    h.cache.stop();
  });

  it('drops the view of a ProviderConfig edited into one that does not parse', async () => {
    const h = harness({ configs: [providerConfig('aws', fromSecret('creds', 'keys'))] });
    await started(h);
    h.takeChanged();
    assert.ok(h.cache.get('aws'));
    const [watch] = h.secretLws('creds', 'keys');
    h.configsLw().last.emit('MODIFIED', providerConfig('aws', { type: 'aws', region: 'Not_A_Region' }, 2));
    assert.equal(h.cache.get('aws'), undefined);
    assert.deepEqual(h.takeChanged(), ['aws'], 'its users are told: they now fail with ProviderConfigNotFound');
    assert.equal(watch?.last.aborted, true, 'its Secret is no longer watched');
    assert.equal(h.logs().filter((l) => l.level === 'error').length, 1);
    h.cache.stop();
  });
});

describe('ConfigCache: Secrets', () => {
  it('watches exactly the Secret a ProviderConfig names, in its namespace, by name', async () => {
    const h = harness({
      configs: [providerConfig('a', fromSecret('creds', 'aws-keys')), providerConfig('b', fromSecret('creds', 'aws-keys')), providerConfig('env', { type: 'aws' })],
    });
    await started(h);
    const secrets = h.secretLws();
    assert.equal(secrets.length, 1, 'one watch, however many ProviderConfigs name the Secret');
    assert.deepEqual(secrets[0]?.ref, { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespace: 'creds', fieldSelector: 'metadata.name=aws-keys' });
    assert.equal(secrets[0]?.open, true);
    h.cache.stop();
  });

  it('starts a watch when a ProviderConfig comes to name a Secret, one per Secret', async () => {
    const h = harness({ configs: [providerConfig('a', { type: 'aws' })] });
    await started(h);
    assert.equal(h.secretLws().length, 0);
    h.configsLw().last.emit('MODIFIED', providerConfig('a', fromSecret('team-a', 'keys'), 2));
    h.configsLw().last.emit('ADDED', providerConfig('b', fromSecret('team-b', 'keys')));
    h.configsLw().last.emit('ADDED', providerConfig('c', fromSecret('team-b', 'keys')));
    await settle();
    assert.deepEqual(h.secretLws().map((s) => s.ref.namespace).sort(), ['team-a', 'team-b']);
    assert.ok(h.secretLws().every((s) => s.open));
    h.cache.stop();
  });

  it('decodes the base64 data of a watched Secret', async () => {
    const h = harness({
      configs: [providerConfig('aws', fromSecret('creds', 'aws-keys'))],
      secrets: [secret('creds', 'aws-keys', { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'wJalr/K7MDENG+bPxRfiCY', note: 'ünïcode ✓' })],
    });
    await started(h);
    assert.deepEqual(h.cache.secret('creds', 'aws-keys'), { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'wJalr/K7MDENG+bPxRfiCY', note: 'ünïcode ✓' });
    h.cache.stop();
  });

  it('says undefined for a Secret that does not exist or is not watched, and {} for one without data', async () => {
    const h = harness({
      configs: [providerConfig('a', fromSecret('creds', 'missing')), providerConfig('b', fromSecret('creds', 'empty'))],
      secrets: [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'empty', namespace: 'creds', resourceVersion: nextRv() } }, secret('other', 'unwatched', { a: 'b' })],
    });
    await started(h);
    assert.equal(h.cache.secret('creds', 'missing'), undefined);
    assert.equal(h.cache.secret('other', 'unwatched'), undefined);
    assert.deepEqual(h.cache.secret('creds', 'empty'), {});
    h.cache.stop();
  });

  it('tells every ProviderConfig naming a Secret when it changes, and no other', async () => {
    const h = harness({
      configs: [
        providerConfig('a', fromSecret('creds', 'shared')),
        providerConfig('b', fromSecret('creds', 'shared')),
        providerConfig('c', fromSecret('creds', 'own')),
        providerConfig('d', { type: 'aws' }),
      ],
      secrets: [secret('creds', 'shared', { accessKeyId: 'OLD' })],
    });
    await started(h);
    h.takeChanged();
    const [shared] = h.secretLws('creds', 'shared');
    shared?.last.emit('MODIFIED', secret('creds', 'shared', { accessKeyId: 'NEW' }));
    assert.deepEqual(h.takeChanged().sort(), ['a', 'b']);
    assert.deepEqual(h.cache.secret('creds', 'shared'), { accessKeyId: 'NEW' });
    shared?.last.emit('DELETED', secret('creds', 'shared', { accessKeyId: 'NEW' }));
    assert.deepEqual(h.takeChanged().sort(), ['a', 'b'], 'a deleted Secret too');
    assert.equal(h.cache.secret('creds', 'shared'), undefined);
    const [own] = h.secretLws('creds', 'own');
    own?.last.emit('ADDED', secret('creds', 'own', { accessKeyId: 'C' }));
    assert.deepEqual(h.takeChanged(), ['c'], 'a Secret created after its ProviderConfig');
    h.cache.stop();
  });

  it('tells the ProviderConfigs once their Secret is first listed', async () => {
    const h = harness({ configs: [providerConfig('a', fromSecret('creds', 'keys'))], secrets: [secret('creds', 'keys', { k: 'v' })] });
    await started(h);
    assert.deepEqual(h.takeChanged(), ['a', 'a'], 'once for the ProviderConfig, once for its Secret');
    h.cache.stop();
  });

  it('stops watching a Secret no ProviderConfig names any more, and forgets it', async () => {
    const h = harness({
      configs: [providerConfig('a', fromSecret('creds', 'keys')), providerConfig('b', fromSecret('creds', 'keys'))],
      secrets: [secret('creds', 'keys', { k: 'v' })],
    });
    await started(h);
    const [watch] = h.secretLws();
    h.configsLw().last.emit('DELETED', providerConfig('a', fromSecret('creds', 'keys')));
    assert.equal(watch?.open, true, 'b still names it');
    h.configsLw().last.emit('MODIFIED', providerConfig('b', { type: 'aws', credentials: { source: 'Environment' } }, 2));
    assert.equal(watch?.open, false, 'no one names it: its watch is aborted');
    assert.equal(h.cache.secret('creds', 'keys'), undefined);
    h.takeChanged();
    watch?.last.emit('MODIFIED', secret('creds', 'keys', { k: 'changed' }));
    assert.deepEqual(h.takeChanged(), [], 'nothing heard from a stopped watch');
    // Named again: a fresh watch.
    h.configsLw().last.emit('MODIFIED', providerConfig('b', fromSecret('creds', 'keys'), 3));
    await settle();
    assert.equal(h.secretLws('creds', 'keys').length, 2);
    assert.equal(h.secretLws('creds', 'keys')[1]?.open, true);
    h.cache.stop();
  });

  it('moves the watch when a ProviderConfig names another Secret', async () => {
    const h = harness({ configs: [providerConfig('a', fromSecret('creds', 'old'))] });
    await started(h);
    h.configsLw().last.emit('MODIFIED', providerConfig('a', fromSecret('creds', 'new'), 2));
    await settle();
    assert.equal(h.secretLws('creds', 'old')[0]?.open, false);
    assert.equal(h.secretLws('creds', 'new')[0]?.open, true);
    h.cache.stop();
  });
});

describe('ConfigCache: sync and stop', () => {
  it('whenSynced waits for the Secrets the ProviderConfigs name', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const h = harness({ configs: [providerConfig('aws', fromSecret('creds', 'keys'))], secrets: [secret('creds', 'keys', { k: 'v' })], gateSecrets: gate });
    h.cache.start();
    let synced: boolean | undefined;
    void h.cache.whenSynced().then((s) => (synced = s));
    await settle();
    assert.ok(h.cache.get('aws'), 'the ProviderConfigs are in');
    assert.equal(synced, undefined, 'not synced while a named Secret is still being listed');
    assert.equal(h.cache.secret('creds', 'keys'), undefined);
    release();
    await settle();
    assert.equal(synced, true);
    assert.deepEqual(h.cache.secret('creds', 'keys'), { k: 'v' });
    h.cache.stop();
  });

  it('whenSynced is not fooled by a Secret watch stopped before it synced (its ProviderConfig changed)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const h = harness({ configs: [providerConfig('aws', fromSecret('creds', 'keys'))], gateSecrets: gate });
    h.cache.start();
    let synced: boolean | undefined;
    void h.cache.whenSynced().then((s) => (synced = s));
    await settle();
    assert.equal(synced, undefined);
    h.configsLw().last.emit('MODIFIED', providerConfig('aws', { type: 'aws' }, 2));
    await settle();
    assert.equal(synced, true, 'the cache did not stop: it is synced, with no Secret left to wait for');
    release();
    h.cache.stop();
  });

  it('whenSynced says false when stopped first', async () => {
    const gate = new Promise<void>(() => {});
    const h = harness({ configs: [providerConfig('aws', fromSecret('creds', 'keys'))], gateSecrets: gate });
    h.cache.start();
    await settle();
    const synced = h.cache.whenSynced();
    h.cache.stop();
    assert.equal(await synced, false);
  });

  it('stop aborts every watch and hears nothing after', async () => {
    const h = harness({
      configs: [providerConfig('a', fromSecret('creds', 'one')), providerConfig('b', fromSecret('other', 'two'))],
      secrets: [secret('creds', 'one', { k: 'v' })],
    });
    await started(h);
    assert.equal(h.made.length, 4, 'configs, namespaces and one Secret');
    assert.ok(h.made.every((lw) => lw.open));
    h.cache.stop();
    assert.ok(h.made.every((lw) => lw.watches.every((w) => w.aborted)), 'every watch aborted');
    h.takeChanged();
    h.configsLw().last.emit('ADDED', providerConfig('c', fromSecret('creds', 'three')));
    h.secretLws('creds', 'one')[0]?.last.emit('MODIFIED', secret('creds', 'one', { k: 'w' }));
    await settle();
    assert.deepEqual(h.takeChanged(), []);
    assert.equal(h.made.length, 4, 'no watch started after stop');
  });
});

describe('ConfigCache: Namespaces (grants by namespaceSelector)', () => {
  it('serves every namespace\'s labels, and only the watched ones\' when the operator watches some', async () => {
    const all = harness({ namespaces: [namespace('team-a', { tenant: 'yes' }), namespace('team-b')] });
    await started(all);
    assert.deepEqual(all.cache.labels('team-a'), { tenant: 'yes' });
    assert.deepEqual(all.cache.labels('team-b'), {});
    assert.equal(all.cache.labels('nowhere'), undefined);
    assert.equal(all.namespacesLw().ref.fieldSelector, undefined);
    all.cache.stop();
    const some = harness({ watched: ['team-a', 'team-c'], namespaces: [namespace('team-a', { tenant: 'yes' }), namespace('team-b', { tenant: 'yes' }), namespace('team-c')] });
    await started(some);
    const selectors = some.made.filter((m) => m.ref.plural === 'namespaces').map((m) => m.ref.fieldSelector);
    assert.deepEqual(selectors, ['metadata.name=team-a', 'metadata.name=team-c'], 'each watched namespace watched by name, no cluster-wide list');
    assert.deepEqual(some.cache.labels('team-a'), { tenant: 'yes' });
    assert.deepEqual(some.cache.labels('team-c'), {});
    assert.equal(some.cache.labels('team-b'), undefined, 'an unwatched namespace is not known');
    some.cache.stop();
  });

  it('a relabelled namespace requeues the configs that grant by selector, and no other', async () => {
    const h = harness({
      configs: [
        providerConfig('by-label', { type: 'aws', grants: { namespaceSelector: { matchLabels: { tenant: 'yes' } } } }),
        providerConfig('by-name', { type: 'aws', grants: { namespaces: ['team-a'] } }),
      ],
      namespaces: [namespace('team-a')],
    });
    await started(h);
    h.takeChanged();
    h.namespacesLw().last.emit('MODIFIED', namespace('team-a', { tenant: 'yes' }));
    await settle();
    assert.deepEqual(h.takeChanged(), ['by-label']);
    assert.deepEqual(h.cache.labels('team-a'), { tenant: 'yes' });
    h.namespacesLw().last.emit('MODIFIED', namespace('team-a', { tenant: 'yes' }));
    await settle();
    assert.deepEqual(h.takeChanged(), [], 'same labels: nothing to look at again');
    h.cache.stop();
  });
});

describe('ConfigCache: credentials namespaces', () => {
  it('never watches (so never reads) a Secret outside the namespaces it may read credentials in', async () => {
    const h = harness({
      credentialsNamespaces: ['mooring-system'],
      configs: [providerConfig('ok', fromSecret('mooring-system', 'keys')), providerConfig('tenant', fromSecret('team-a', 'keys'))],
      secrets: [secret('mooring-system', 'keys', { accessKeyId: 'AK' }), secret('team-a', 'keys', { accessKeyId: 'AK2' })],
    });
    await started(h);
    assert.equal(h.secretLws('mooring-system', 'keys').length, 1);
    assert.deepEqual(h.secretLws('team-a'), [], 'no list or watch in the tenant\'s namespace');
    assert.equal(h.cache.secret('team-a', 'keys'), undefined);
    assert.deepEqual(h.cache.credentialsNamespaces, ['mooring-system'], 'the resolver reads the same list');
    h.cache.stop();
  });
});
