#!/usr/bin/env node
// The mooring command: one entry point, one module per subcommand, loaded only when used.
import { EnvironmentError } from '../stack/preflight.ts';

const HELP = `usage: mooring <command> [options]

commands:
  run        the operator, against --kubeconfig or the in-cluster service account
  generate   write the CRDs in crds/ from the zod schemas (--check: fail if they differ)
  sandbox    a local control plane + AWS emulator + PostgreSQL, the operator and the examples
  plan       what applying a manifest would make the cloud do, before it is applied (-f FILE)
  refresh    observe and reconcile one resource now (KIND/NAME)
  help       this text

Run \`mooring <command> --help\` for a command's options.
Exit codes: 0 success, 1 failure (the message says what to do), 2 bad usage.`;

type Command = (argv: string[]) => Promise<number>;

const commands: Record<string, { help: () => Promise<string>; run: () => Promise<Command> }> = {
  run: {
    help: async () => (await import('./run.ts')).RUN_HELP,
    run: async () => (await import('./run.ts')).run,
  },
  generate: {
    help: async () => (await import('../api/generate.ts')).GENERATE_HELP,
    run: async () => (await import('../api/generate.ts')).generate,
  },
  sandbox: {
    help: async () => (await import('./sandbox.ts')).SANDBOX_HELP,
    run: async () => (await import('./sandbox.ts')).sandbox,
  },
  plan: {
    help: async () => (await import('./plan.ts')).PLAN_HELP,
    run: async () => (await import('./plan.ts')).plan,
  },
  refresh: {
    help: async () => (await import('./refresh.ts')).REFRESH_HELP,
    run: async () => (await import('./refresh.ts')).refresh,
  },
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    console.log(HELP);
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    console.error(`mooring: unknown command '${name}'\n\n${HELP}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(await command.help());
    return 0;
  }
  return (await command.run())(rest);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  if (err instanceof EnvironmentError) console.error(`mooring: ${err.message}`);
  else if (err instanceof TypeError && (err as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') console.error(`mooring: ${err.message}`);
  else console.error('mooring:', err);
  process.exitCode = 1;
}
