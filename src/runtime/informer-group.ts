// Several informers of one resource read as one cache: a namespace-scoped operator watches each
// of its namespaces with a list/watch of its own (what a Role in that namespace allows), never the
// whole cluster. Keys are `namespace/name`, so the members' stores never overlap.
import { Informer, type InformerHandlers, type InformerOptions, type KubeObject, type ListWatch } from './informer.ts';

export class InformerGroup<T extends KubeObject> {
  readonly members: Informer<T>[];

  /** One informer per list/watch, each with the same handlers and options. */
  constructor(listWatches: ListWatch<T>[], options: Omit<InformerOptions<T>, 'listWatch'>) {
    if (listWatches.length === 0) throw new Error('an informer group needs at least one list/watch');
    this.members = listWatches.map((listWatch) => new Informer<T>({ ...options, listWatch }));
  }

  start(): void {
    for (const m of this.members) m.start();
  }

  stop(): void {
    for (const m of this.members) m.stop();
  }

  hasSynced(): boolean {
    return this.members.every((m) => m.hasSynced());
  }

  /** True once every member has synced; false when any was stopped first. */
  async whenSynced(): Promise<boolean> {
    return (await Promise.all(this.members.map((m) => m.whenSynced()))).every(Boolean);
  }

  /** Adds handlers to every member (each first replays what it has cached, once synced). */
  addHandlers(handlers: InformerHandlers<T>): void {
    for (const m of this.members) m.addHandlers(handlers);
  }

  get(key: string): T | undefined {
    for (const m of this.members) {
      const object = m.get(key);
      if (object) return object;
    }
    return undefined;
  }

  keys(): string[] {
    return this.members.flatMap((m) => m.keys());
  }

  list(): T[] {
    return this.members.flatMap((m) => m.list());
  }

  get size(): number {
    return this.members.reduce((n, m) => n + m.size, 0);
  }

  /** Lists and watches started, summed over the members (for metrics). */
  get counts(): { lists: number; watches: number } {
    return this.members.reduce((sum, m) => ({ lists: sum.lists + m.counts.lists, watches: sum.watches + m.counts.watches }), { lists: 0, watches: 0 });
  }
}
