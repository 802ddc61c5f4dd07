// The floors of mooring, bottom to top: which folder (a "room") may import which. Checked in
// `npm test` by test/layers/check.ts over every git-tracked .ts file (imports resolved to files).
//
// The rule. A file may import:
// - any file of its own room;
// - any file in a room on a lower floor (unless its room says `only`: then those rooms alone);
// - files on its own floor under the paths its room lists in `siblings`;
// and no import cycle may run between files, whatever the rooms.
//
// Test files beside the code (`*.test.ts`, `testdata/`) obey their room's rule like any other
// file, so a test sits at the floor of the highest thing it uses (move it up, not the rule
// down). Their one extra: src/stack, the real stack's launcher and pure helpers (certificates,
// kubeconfig YAML), which imports nothing of mooring (its `only: []` holds that). test/support is
// NOT open to them: it stands on the operator.

/** A room: one folder and everything under it. */
export interface Room {
  /** Paths (folders or files) on the same floor this room may import. */
  siblings?: readonly string[];
  /** When set: the only rooms (or paths) this room may import besides its own files, whatever the floors. */
  only?: readonly string[];
}

export interface Floor {
  name: string;
  /** Keyed by folder; `providers/*` makes each folder under providers/ a room of its own. */
  rooms: Record<string, Room>;
}

export const FLOORS: readonly Floor[] = [
  // The foundations: the schemas (the types flow from them), the runtime's machinery (watch
  // cache, queue, backoff, configuration, logging) and the rate limiters. None knows the others.
  // This declaration itself stands with them and imports nothing.
  { name: 'foundations', rooms: { 'src/api': {}, 'src/runtime': {}, 'src/limits': {}, 'layers.ts': { only: [] } } },
  // The public SDK: the adapter contract every provider and the reconciler stand on. It re-exports
  // the spec types and ownership vocabulary of src/api, so providers need nothing below it.
  { name: 'sdk', rooms: { sdk: {} } },
  // Providers import only the SDK: built in or plugged in, one floor for all (eslint holds their
  // npm packages too). The generic reconciler drives any adapter through the SDK's contract and
  // never names one; neither imports the other.
  { name: 'adapters and the reconciler', rooms: { 'providers/*': { only: ['sdk'] }, 'src/reconcile': {} } },
  // The operator's apiserver client and its writes: it implements the reconciler's ports
  // (src/reconcile/types.ts), so it stands above it.
  { name: 'kube', rooms: { 'src/kube': {} } },
  // Cluster membership (which replica does what: leader election, sharding) and the HTTP surface
  // (probes, metrics). Neither knows the operator that wires them.
  { name: 'cluster and http', rooms: { 'src/cluster': {}, 'src/http': {} } },
  // The composition root: wires the built-in providers, plugins, controllers, caches.
  { name: 'operator', rooms: { 'src/operator': {} } },
  // The operator's tools. src/stack (the local stack launcher) imports nothing of mooring, so
  // tests at any floor may start or describe the stack with it; nor does src/build (the bundle the image runs).
  { name: 'tools', rooms: { 'src/generate': {}, 'src/doctor': {}, 'src/stack': { only: [] }, 'src/build': { only: [] } } },
  { name: 'cli', rooms: { 'src/cli': {} } },
  // Above all. bench and test are one floor; the bench measures with the same harness the tests
  // use (test/support: the stack's clients, the in-process operator), so it may import that; test
  // never imports the bench.
  { name: 'bench and test', rooms: { test: {}, bench: { siblings: ['test/support'] } } },
];

/** Paths open to test files beside the code, whatever their room (see the rule above). */
export const TEST_EXTRAS: readonly string[] = ['src/stack'];

/**
 * Imports excused while a change that removes them is under way (empty: none is). Each entry says why; the check fails on an entry that matches no import, so a
 * stale one cannot stay. `from`/`to` are paths (a file, or a folder prefix ending in /).
 */
export const TEMPORARY_ALLOWED: readonly { from: string; to: string; why: string }[] = [];
