// Generated files kept in step with their sources: each output folder holds files that start with
// a header saying they are generated; generation rewrites them, removes generated files whose
// source is gone, and leaves any other file alone. `drift` compares without writing (for --check
// and the tests that fail when a generated file is stale).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');

export interface GeneratedFile {
  /** A name inside the output's folder. */
  file: string;
  text: string;
}

export interface Output {
  /** The folder the files are written to. */
  dir: string;
  /** Every generated file begins with it; a file in `dir` that does not is someone else's. */
  header: string;
  render: () => GeneratedFile[];
  /** The extension of files this output may own (for removing orphans). */
  extension: string;
}

export interface Drift {
  stale: string[];
  orphaned: string[];
}

/** A file of an output as a path from the repository root, for messages. */
export const shown = (output: Output, file: string) => relative(REPO_ROOT, join(output.dir, file));

/** What differs between the folder and what generation gives: file names inside the folder. */
export function drift(output: Output): Drift {
  const files = output.render();
  const present = existsSync(output.dir) ? readdirSync(output.dir).filter((f) => f.endsWith(output.extension)) : [];
  const stale = files.filter(({ file, text }) => !present.includes(file) || readFileSync(join(output.dir, file), 'utf8') !== text);
  const orphaned = present.filter((f) => !files.some((g) => g.file === f) && readFileSync(join(output.dir, f), 'utf8').startsWith(output.header));
  return { stale: stale.map((g) => g.file), orphaned };
}

/** Writes every file and removes orphans; returns the file names written and removed. */
export function write(output: Output): { written: string[]; removed: string[] } {
  const { orphaned } = drift(output);
  mkdirSync(output.dir, { recursive: true });
  const files = output.render();
  for (const { file, text } of files) writeFileSync(join(output.dir, file), text);
  for (const file of orphaned) rmSync(join(output.dir, file));
  return { written: files.map((g) => g.file), removed: orphaned };
}
