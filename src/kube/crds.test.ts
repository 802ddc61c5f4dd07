import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Informer, type KubeObject, type ListResult, type ListWatch, type WatchEvent, type WatchHandle } from '../runtime/informer.ts';
import { absentKindAsEmpty } from './crds.ts';

const notFound = () => Object.assign(new Error('GET /apis/mooring.dev/v1alpha1/providerconfigs: 404 Not Found'), { code: 404 });

/** A collection whose CRD comes and goes: lists answer 404 while `installed` is false. */
class Collection implements ListWatch<KubeObject> {
  installed = false;
  items: KubeObject[] = [];
  lists = 0;
  watchDone: ((err?: unknown) => void) | undefined;
  async list(): Promise<ListResult<KubeObject>> {
    this.lists++;
    if (!this.installed) throw notFound();
    return { items: this.items, resourceVersion: '7' };
  }
  async watch(_rv: string, _onEvent: (e: WatchEvent<KubeObject>) => void, onDone: (err?: unknown) => void): Promise<WatchHandle> {
    if (!this.installed) throw notFound();
    this.watchDone = onDone;
    return { abort: () => undefined };
  }
}

const until = async (what: string, test: () => boolean) => {
  for (let i = 0; i < 200 && !test(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(test(), what);
};

describe('absentKindAsEmpty', () => {
  it('a kind whose CRD is not installed syncs empty (the bare informer never syncs), and is found once installed', async () => {
    const bare = new Collection();
    const bareInformer = new Informer({ listWatch: bare, retry: { baseMs: 1, maxMs: 2 } });
    bareInformer.start();
    await until('the bare informer keeps listing', () => bare.lists > 3);
    assert.equal(bareInformer.hasSynced(), false, 'without the wrapper a missing CRD blocks the sync: the bug');
    bareInformer.stop();

    const collection = new Collection();
    let told = 0;
    const informer = new Informer({ listWatch: absentKindAsEmpty(collection, () => told++), retry: { baseMs: 1, maxMs: 2 } });
    informer.start();
    assert.equal(await informer.whenSynced(), true);
    assert.equal(informer.size, 0);
    await until('listed again while missing', () => collection.lists > 3);
    assert.equal(told, 1, 'told once, not at every list');

    collection.items = [{ metadata: { name: 'aws', resourceVersion: '7' } }];
    collection.installed = true;
    await until('the kind is found once installed', () => informer.size === 1);

    // Deleted under an open watch: the watch's 404 leads to a list, which finds the kind gone.
    collection.installed = false;
    collection.watchDone?.(notFound());
    await until('the objects go with their CRD', () => informer.size === 0);
    assert.equal(told, 2);
    informer.stop();
  });

  it('passes other failures through: a 403 is not an empty kind', async () => {
    const inner: ListWatch<KubeObject> = {
      list: () => Promise.reject(Object.assign(new Error('forbidden'), { code: 403 })),
      watch: () => Promise.reject(new Error('unused')),
    };
    await assert.rejects(absentKindAsEmpty(inner, () => undefined).list(), /forbidden/);
  });
});
