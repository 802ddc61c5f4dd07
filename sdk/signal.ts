// The abort signal of the adapter call in progress, for a sending point that does not see the
// resource (a client shared by every resource of a ProviderConfig). The reconciler runs each
// adapter call inside `withCallSignal`; `callSignal()` anywhere below it (across awaits, timers
// and promise chains the call started) returns that call's signal. The same signal is on
// `ManagedResource.signal`: use whichever is at hand.
import { AsyncLocalStorage } from 'node:async_hooks';

// One store per process, found through the global symbol registry: a plugin that bundles its own
// copy of the SDK still sees the signal the operator's copy set.
const STORE = Symbol.for('mooring.dev/call-signal');
const registry = globalThis as { [STORE]?: AsyncLocalStorage<AbortSignal> };
const store: AsyncLocalStorage<AbortSignal> = (registry[STORE] ??= new AsyncLocalStorage<AbortSignal>());

/**
 * The signal of the adapter call this code runs for, or undefined outside one (a test calling an
 * adapter directly, a background batch started by no call). It aborts when the call's deadline
 * passes or the operator stops; pass it to every request (fetch's `signal`, the AWS SDK's
 * `abortSignal`, a database query's cancel).
 */
export function callSignal(): AbortSignal | undefined {
  return store.getStore();
}

/** Runs `fn` with `signal` as its `callSignal()`. The reconciler does this for every adapter call. */
export function withCallSignal<T>(signal: AbortSignal, fn: () => T): T {
  return store.run(signal, fn);
}
