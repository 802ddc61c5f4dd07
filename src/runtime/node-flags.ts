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
