// `npm test`'s runner: makes sure the stack is built, starts one real stack for the whole run,
// runs every test file under node's test runner against it, and stops the stack however the run
// ends. `--unit` runs only the files beside the code, without a stack.
import { spawn } from 'node:child_process';
import { globSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startStack, stackInfo, stopOnSignals } from '../src/stack/index.ts';
import { EnvironmentError } from '../src/stack/preflight.ts';
import { ALL_PARTS, setup } from '../src/stack/setup.ts';
import { stackEnv } from './support/stack.ts';

const root = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
const only = args.find((a) => a === '--unit' || a === '--integration');
const extra = args.filter((a) => a !== only);

// The layer check (test/layers) needs no stack: it runs with the unit tests.
const UNIT = ['src/**/*.test.ts', 'sdk/**/*.test.ts', 'providers/**/*.test.ts', 'bench/**/*.test.ts', 'test/layers/*.test.ts'];
const INTEGRATION = ['test/**/*.test.ts'];
const patterns = only === '--unit' ? UNIT : only === '--integration' ? INTEGRATION : [...UNIT, ...INTEGRATION];
// The provider template's own test runs where the scaffold writes it (src/cli/new-provider.test.ts).
const files = [...new Set(patterns.flatMap((p) => globSync(p, { cwd: root, exclude: (f) => f.includes('node_modules') || f.includes('templates') })))]
  .filter((f) => only !== '--integration' || !f.startsWith('test/layers/'))
  .sort();

function runTests(env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--test', '--test-concurrency=2', '--test-timeout=600000', '--test-reporter=spec', ...extra, ...files],
      { cwd: root, env, stdio: 'inherit' },
    );
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<number> {
  if (only === '--unit') return runTests(process.env);
  const started = Date.now();
  // Every part, helm included (the chart tests render with it), before the stack starts.
  await setup(ALL_PARTS, (l) => console.error(`[setup] ${l}`));
  const stack = await startStack({ log: (l) => console.error(`[stack] ${l}`) });
  stopOnSignals(stack);
  const file = join(stack.dir, 'stack.json');
  const info = stackInfo(stack);
  writeFileSync(file, JSON.stringify(info));
  try {
    return await runTests({ ...process.env, ...stackEnv(info, file) });
  } finally {
    await stack.stop();
    console.error(`[stack] stopped; whole run took ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
}

try {
  process.exitCode = await main();
} catch (err) {
  console.error(err instanceof EnvironmentError ? err.message : err);
  process.exitCode = 1;
}
