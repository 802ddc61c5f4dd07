import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BUILTINS_THROUGH_REQUIRE, bundle, EXTERNAL_PACKAGES, importsOf, type BundleResult } from './bundle.ts';

const dir = mkdtempSync(join(tmpdir(), 'mooring-bundle-'));
const out = join(dir, 'dist');
let built: BundleResult;

before(async () => {
  built = await bundle(out);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** The output files (relative to the working directory, as the metafile names them) a file statically imports, itself included. */
function staticClosure(start: string): Set<string> {
  const seen = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const i of built.metafile.outputs[file]!.imports) if (i.kind === 'import-statement' && !i.external) walk(i.path);
  };
  walk(start);
  return seen;
}

const outputOf = (entry: string) => Object.keys(built.metafile.outputs).find((k) => built.metafile.outputs[k]!.entryPoint === entry)!;
const inputsOf = (files: Iterable<string>) => [...files].flatMap((f) => Object.keys(built.metafile.outputs[f]!.inputs));

describe('the bundle', () => {
  it('finds the imports of minified code, static and dynamic, and nothing in strings', () => {
    assert.deepEqual(importsOf('import{a as b}from"node:fs";import"x";let s="see import from";export{c};await import("y");let r=import("./z.mjs")'), ['node:fs', 'x', 'y']);
  });

  it('runs the mooring command', () => {
    assert.match(execFileSync(process.execPath, [built.main, '--help'], { encoding: 'utf8' }), /^usage: mooring <command>/);
  });

  it("holds each SDK module once, in a chunk the operator and sdk.mjs (a plugin's mooring/sdk) both import", () => {
    const sdkModules = Object.keys(built.metafile.inputs).filter((i) => i.startsWith('sdk/'));
    assert.ok(sdkModules.includes('sdk/errors.ts') && sdkModules.includes('sdk/define.ts'), sdkModules.join(', '));
    for (const input of sdkModules) {
      const holders = Object.keys(built.metafile.outputs).filter((o) => input in built.metafile.outputs[o]!.inputs);
      assert.equal(holders.length, 1, `${input} is in ${holders.join(', ')}`);
    }
    const errors = Object.keys(built.metafile.outputs).find((o) => 'sdk/errors.ts' in built.metafile.outputs[o]!.inputs)!;
    assert.ok(staticClosure(outputOf('sdk/index.ts')).has(errors));
    assert.ok(staticClosure(outputOf('src/cli/run.ts')).has(errors));
  });

  it('loads no provider, cloud client or database driver until a kind needs it', () => {
    const start = inputsOf([...staticClosure(outputOf('src/cli/main.ts')), ...staticClosure(outputOf('src/cli/run.ts'))]);
    assert.ok(start.includes('src/operator/builtin.ts'));
    assert.deepEqual(start.filter((i) => /^providers\/|node_modules\/(@aws-sdk|@smithy|pg)\//.test(i)), []);
  });

  it('imports no Node built-in with lazy exports as ESM, and no package but those left out', () => {
    const imports = new Set<string>();
    for (const file of readdirSync(out).filter((f) => f.endsWith('.mjs'))) {
      for (const spec of importsOf(readFileSync(join(out, file), 'utf8'))) imports.add(spec);
    }
    assert.ok(imports.has('node:fs'), [...imports].join(', '));
    const lazy = [...imports].filter((s) => BUILTINS_THROUGH_REQUIRE.includes(s.replace(/^node:/, '')));
    assert.deepEqual(lazy, []);
    const packages = [...imports].filter((s) => !s.startsWith('node:'));
    assert.deepEqual(packages.filter((s) => !EXTERNAL_PACKAGES.some((p) => s === p || s.startsWith(`${p}/`))), []);
  });
});
