// Bad usage (an unknown option, a bad value): the command line is wrong, not the world. The
// `mooring` entry point prints the message and where the options are, and exits 2.
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** node:util parseArgs's own usage errors (unknown option, missing value, stray argument). */
export function isParseArgsError(err: unknown): err is Error {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}
