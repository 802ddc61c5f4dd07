// Kubernetes Events for each transition, aggregated: the same event for the same object becomes
// one Event whose count grows, written at most once a minute, so a failing resource does not
// flood the apiserver (the idea of client-go's event correlator, much smaller).
import { scrubber as processScrubber, type SecretScrubber } from '../runtime/scrub.ts';
import type { ManagedObject, EventSink, Logger } from './types.ts';

export interface EventApi {
  create(namespace: string, body: Record<string, unknown>): Promise<{ metadata?: { name?: string } }>;
  patchCount(namespace: string, name: string, count: number, lastTimestamp: string): Promise<void>;
}

interface Seen {
  name?: string | undefined;
  count: number;
  /** When the first of the folded events happened (ms). */
  first: number;
  lastWrite: number;
  writing: boolean;
}

export interface RecorderOptions {
  component: string;
  /** Repeats inside this window are folded into one Event (default 10 min). */
  windowMs?: number;
  /** At most one write per folded Event within this interval (default 60 s). */
  minWriteIntervalMs?: number;
  now?: () => number;
  /** Bound on remembered events, oldest forgotten first (default 10,000); those past the window go sooner. */
  maxEntries?: number;
  /** Secret values replaced in messages (default: the process's scrubber). */
  scrubber?: SecretScrubber;
}

export class EventRecorder implements EventSink {
  private readonly api: EventApi;
  private readonly log: Logger;
  private readonly opts: Required<RecorderOptions>;
  private readonly seen = new Map<string, Seen>();
  /** Event writes (made or counted up) per kind of the object, for metrics and the benchmark. */
  readonly writes = new Map<string, number>();

  constructor(api: EventApi, log: Logger, options: RecorderOptions) {
    this.api = api;
    this.log = log;
    this.opts = { windowMs: 600_000, minWriteIntervalMs: 60_000, now: Date.now, maxEntries: 10_000, scrubber: processScrubber, ...options };
  }

  event(object: ManagedObject, type: 'Normal' | 'Warning', reason: string, text: string): void {
    const message = this.opts.scrubber.scrub(text);
    const key = `${object.metadata.uid}\u0000${type}\u0000${reason}\u0000${message}`;
    const now = this.opts.now();
    const entry = this.seen.get(key);
    if (entry && now - entry.first < this.opts.windowMs) {
      entry.count++;
      if (entry.name && !entry.writing && now - entry.lastWrite >= this.opts.minWriteIntervalMs) void this.bump(object, entry, entry.name, now);
      return;
    }
    const fresh: Seen = { count: 1, first: now, lastWrite: now, writing: true };
    this.seen.delete(key);
    this.seen.set(key, fresh);
    this.forget(now);
    void this.create(object, fresh, type, reason, message);
  }

  /**
   * Drops what can no longer fold: entries are kept in the order they began (a fresh one goes to
   * the end), so those past the window are at the front. Without this, every object's last Event
   * stayed in memory until 10,000 others pushed it out.
   */
  private forget(now: number): void {
    for (const [key, entry] of this.seen) {
      if (this.seen.size <= this.opts.maxEntries && now - entry.first < this.opts.windowMs) return;
      this.seen.delete(key);
    }
  }

  private async create(object: ManagedObject, entry: Seen, type: string, reason: string, message: string): Promise<void> {
    const ns = object.metadata.namespace;
    const first = new Date(entry.first).toISOString();
    this.counted(object);
    try {
      const created = await this.api.create(ns, {
        metadata: { generateName: `${object.metadata.name}.`, namespace: ns },
        involvedObject: {
          apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name, namespace: ns,
          uid: object.metadata.uid, resourceVersion: object.metadata.resourceVersion,
        },
        type, reason, message: message.slice(0, 1024),
        source: { component: this.opts.component },
        reportingComponent: this.opts.component,
        reportingInstance: this.opts.component,
        firstTimestamp: first,
        lastTimestamp: first,
        count: 1,
      });
      entry.name = created.metadata?.name;
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'could not record event');
    } finally {
      entry.writing = false;
    }
  }

  private counted(object: ManagedObject): void {
    this.writes.set(object.kind, (this.writes.get(object.kind) ?? 0) + 1);
  }

  private async bump(object: ManagedObject, entry: Seen, name: string, now: number): Promise<void> {
    entry.writing = true;
    entry.lastWrite = now;
    this.counted(object);
    try {
      await this.api.patchCount(object.metadata.namespace, name, entry.count, new Date(now).toISOString());
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'could not update event count');
    } finally {
      entry.writing = false;
    }
  }
}
