// What the stack's checks of the machine throw: what is missing and how to get it, because a
// newcomer's first run should never end in a bare stack trace.
export class EnvironmentError extends Error {
  override readonly name = 'EnvironmentError';
  readonly what: string;
  readonly fix: string;
  constructor(what: string, fix: string) {
    super(`${what}\n  how to fix: ${fix}`);
    this.what = what;
    this.fix = fix;
  }
}
