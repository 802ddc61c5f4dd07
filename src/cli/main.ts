#!/usr/bin/env node
// The mooring command: one entry point, one module per subcommand, loaded only when used.
// Exit codes (docs/cli.md): 0 success, 1 failure (the message says what to do), 2 bad usage, 3 a
// provider plugin refused.
import { EnvironmentError } from '../stack/environment-error.ts';
import { isParseArgsError, UsageError } from './usage.ts';

export const HELP = `usage: mooring <command> [options]

commands:
  run        the operator, against --kubeconfig, $KUBECONFIG or the in-cluster service account
  generate   write the generated files (CRDs, reference docs, chart RBAC, manifests; --check)
  sandbox    a local control plane + AWS emulator + PostgreSQL, the operator and the examples
  plan       what applying a manifest would make the cloud do, before it is applied (-f FILE)
  refresh    observe and reconcile one resource now (KIND/NAME)
  import     manifests that adopt what already exists (buckets, zones' records, databases), as it is
  graph      a namespace's dependency graph (references, exports) with Ready states (-n NS)
  doctor     check a cluster and its ProviderConfigs (CRDs, RBAC, credentials, reachability)
  new-provider NAME  a provider plugin package to start from, passing the conformance suite
  help       this text; \`mooring help <command>\` for a command's

Run \`mooring <command> --help\` for a command's options.
Exit codes: 0 success, 1 failure (the message says what to do), 2 bad usage,
3 a provider plugin refused (--providers of run and doctor). See docs/cli.md.`;

type Command = (argv: string[]) => Promise<number>;

export const commands: Record<string, { help: () => Promise<string>; run: () => Promise<Command> }> = {
  run: {
    help: async () => (await import('./run.ts')).RUN_HELP,
    run: async () => (await import('./run.ts')).run,
  },
  generate: {
    help: async () => (await import('../generate/index.ts')).GENERATE_HELP,
    run: async () => {
      const [{ generate }, { helmForGenerate }] = await Promise.all([import('../generate/index.ts'), import('./helm.ts')]);
      return (argv) => generate(argv, helmForGenerate);
    },
  },
  sandbox: {
    help: async () => (await import('./sandbox.ts')).SANDBOX_HELP,
    run: async () => (await import('./sandbox.ts')).sandbox,
  },
  plan: {
    help: async () => (await import('./plan.ts')).PLAN_HELP,
    run: async () => (await import('./plan.ts')).plan,
  },
  graph: {
    help: async () => (await import('./graph.ts')).GRAPH_HELP,
    run: async () => (await import('./graph.ts')).graph,
  },
  refresh: {
    help: async () => (await import('./refresh.ts')).REFRESH_HELP,
    run: async () => (await import('./refresh.ts')).refresh,
  },
  import: {
    help: async () => (await import('./import.ts')).IMPORT_HELP,
    run: async () => (await import('./import.ts')).importCommand,
  },
  doctor: {
    help: async () => (await import('./doctor.ts')).DOCTOR_HELP,
    run: async () => (await import('./doctor.ts')).doctor,
  },
  'new-provider': {
    help: async () => (await import('./new-provider.ts')).NEW_PROVIDER_HELP,
    run: async () => (await import('./new-provider.ts')).newProvider,
  },
};

async function dispatch(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic && commands[topic]) console.log(await commands[topic].help());
    else if (topic) return unknown(topic);
    else console.log(HELP);
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) return unknown(name);
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(await command.help());
    return 0;
  }
  return (await command.run())(rest);
}

function unknown(name: string): number {
  console.error(`mooring: unknown command '${name}'\n\n${HELP}`);
  return 2;
}

/** Runs the command line; every failure becomes a message saying what to do, and an exit code. */
export async function main(argv: string[]): Promise<number> {
  const name = argv[0] ?? '';
  try {
    return await dispatch(argv);
  } catch (err) {
    if (err instanceof UsageError || isParseArgsError(err)) {
      console.error(`mooring ${name}: ${err.message}\n\nRun \`mooring ${name} --help\` for the options.`);
      return 2;
    }
    if (err instanceof EnvironmentError) console.error(`mooring ${name}: ${err.message}`);
    else {
      // Not a failure any command foresaw: show all of it, and where to take it.
      console.error(`mooring ${name}: unexpected error:`, err);
      console.error('\nIf the message does not say what to fix, this is a bug: report it with the output above.');
    }
    return 1;
  }
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
