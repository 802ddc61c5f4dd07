// `npm run chaos`: a chaos run on a stack of its own, then a report (printed and written to a
// file). Exit status 1 when an invariant failed. See docs/chaos.md.
//
//   npm run chaos                                   5 minutes, a fresh random seed
//   npm run chaos -- --minutes 30 --seed 1234       30 minutes, replaying seed 1234
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startStack, stopOnSignals } from '../../src/stack/index.ts';
import { EnvironmentError } from '../../src/stack/preflight.ts';
import { randomSeed } from './prng.ts';
import { formatReport, runChaos } from './runner.ts';

const HELP = `usage: npm run chaos -- [--minutes M] [--seed N] [--out DIR] [--buckets N] [--records N] [--databases N] [--rds N] [--direct-records N] [--ref-records N]

  --minutes    how long actions and faults go on (default 5); then the system settles
  --seed       replays a run (default: a fresh random seed, printed)
  --settle     seconds the system may take to settle after the faults stop (default 180)
  --out        where the report (chaos-<seed>.md) and, on a failure, the operator log go (default .chaos/)
  --buckets, --records, --databases, --rds   the population (default 8, 8, 6 on PostgreSQL, 2 on RDS)
  --direct-records   DNSRecords through a config straight at the emulator, as the sandbox sets it up (default 2)
  --ref-records      dependant DNSRecords whose value or alias comes from another object, a ConfigMap or a Secret (default 4)`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '5' },
      seed: { type: 'string' },
      settle: { type: 'string', default: '180' },
      out: { type: 'string', default: join(process.cwd(), '.chaos') },
      buckets: { type: 'string', default: '8' },
      records: { type: 'string', default: '8' },
      databases: { type: 'string', default: '6' },
      rds: { type: 'string', default: '2' },
      'direct-records': { type: 'string', default: '2' },
      'ref-records': { type: 'string', default: '4' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const seed = values.seed === undefined ? randomSeed() : Number(values.seed);
  const minutes = Number(values.minutes);
  if (!Number.isInteger(seed) || seed < 0 || !(minutes > 0)) {
    console.error(`npm run chaos: --seed takes a whole number and --minutes a positive number\n\n${HELP}`);
    return 2;
  }
  console.error(`[chaos] seed ${seed}`);
  mkdirSync(values.out, { recursive: true });
  const traceFile = join(values.out, `chaos-${seed}.trace`);
  writeFileSync(traceFile, '');
  const stack = await startStack({ log: (l) => console.error(`[stack] ${l}`) });
  stopOnSignals(stack);
  try {
    const report = await runChaos({
      stack, seed, durationMs: minutes * 60_000, settleTimeoutMs: Number(values.settle) * 1000,
      size: { buckets: Number(values.buckets), records: Number(values.records), databases: Number(values.databases), rds: Number(values.rds), directRecords: Number(values['direct-records']), refRecords: Number(values['ref-records']) },
      traceFile,
      log: (l) => console.error(`[chaos ${new Date().toISOString().slice(11, 19)}] ${l}`),
    });
    const text = formatReport(report);
    const file = join(values.out, `chaos-${seed}.md`);
    if (report.violations.length) copyFileSync(report.logFile, join(values.out, `chaos-${seed}-operator.log`));
    writeFileSync(file, text.replace(report.logFile, report.violations.length ? join(values.out, `chaos-${seed}-operator.log`) : '(removed with the stack)'));
    console.log(text);
    console.error(`[chaos] report written to ${file}`);
    return report.violations.length ? 1 : 0;
  } finally {
    await stack.stop();
  }
}

try {
  process.exitCode = await main();
} catch (err) {
  console.error(err instanceof EnvironmentError ? err.message : err);
  process.exitCode = 1;
}
