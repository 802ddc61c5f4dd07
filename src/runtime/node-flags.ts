// The V8 flags the operator runs with, wherever it runs: the image (the Dockerfile's NODE_OPTIONS
// and ENTRYPOINT, which bench/support.test.ts holds to this list), `mooring sandbox`, and so the
// bench, which takes the Dockerfile's. Why each, measured: docs/performance.md.
export const OPERATOR_V8_FLAGS: readonly string[] = [
  // Young-generation semi-spaces of 4 MiB, not up to 32: the operator's garbage is small and short-lived.
  '--max-semi-space-size=4',
  // V8 favours memory over speed (smaller heap growth steps, more eager bytecode flushing).
  '--optimize-for-size',
  // Maglev at most, never TurboFan: the optimizing compiler's own code is ~6 MiB of resident pages.
  '--max-opt=2',
];

/**
 * The environment the operator runs with, wherever it runs (the Dockerfile's ENV, which
 * bench/support.test.ts holds to this, the sandbox, the bench). glibc gives each thread that
 * mallocs an arena of its own (up to 8 per core), and keeps what it freed there: V8's workers and
 * libuv's threads left about 7 MiB more resident after 1,000 Buckets converged than two arenas do.
 */
export const OPERATOR_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };
