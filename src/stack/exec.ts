// Running a setup command to completion, with its output kept for the error message.
import { spawn } from 'node:child_process';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Echo output lines as they come (long builds), prefixed. */
  echo?: (line: string) => void;
}

export class CommandError extends Error {
  override readonly name = 'CommandError';
  readonly command: string;
  readonly code: number | null;
  readonly output: string;
  constructor(command: string, code: number | null, output: string) {
    super(`${command} failed (exit ${code}):\n${output.split('\n').slice(-25).join('\n')}`);
    this.command = command;
    this.code = code;
    this.output = output;
  }
}

export function run(cmd: string, args: string[], options: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      if (options.echo) for (const line of text.split('\n')) if (line.trim()) options.echo(line);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (err) => reject(new CommandError(cmd, null, err.message)));
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(new CommandError([cmd, ...args].join(' '), code, output))));
  });
}
