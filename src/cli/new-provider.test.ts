// Follows docs/plugins.md: scaffold a provider into an empty folder, run its conformance suite
// there with npm test, and see it pass as generated.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isAdapterError, isProviderRegistration, type ProviderRegistration } from '../../sdk/index.ts';

const MAIN = join(import.meta.dirname, 'main.ts');
const work = mkdtempSync(join(tmpdir(), 'mooring-new-provider-'));
after(() => rmSync(work, { recursive: true, force: true }));
// This Node first on PATH, as `npm test` in mooring's folder has it; and no NODE_TEST_CONTEXT, which
// would make the inner test run report to this runner instead of printing its own results.
const { NODE_TEST_CONTEXT: _, ...outer } = process.env;
const env = { ...outer, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` };
const mooring = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', cwd: work, env });

describe('mooring new-provider', () => {
  it('writes a provider whose conformance suite passes as generated (the steps of docs/plugins.md)', () => {
    const made = mooring('new-provider', 'files', '--dir', 'files-provider');
    assert.equal(made.status, 0, made.stderr);
    assert.match(made.stdout, /a provider of type files/);
    const test = spawnSync('npm', ['test'], { encoding: 'utf8', cwd: join(work, 'files-provider'), env });
    assert.equal(test.status, 0, `${test.stdout}\n${test.stderr}`);
    assert.match(test.stdout, /conformance files Bucket: 12 cases, 11 passed, 0 failed, 1 skipped \(skipped: bad credentials are Terminal: a local folder takes no credentials\)/);
  });

  it("offers mooring doctor a probe: the root folder listed, or a Retryable error when it is missing", async () => {
    const { default: provider } = (await import(join(work, 'files-provider', 'index.ts'))) as { default: ProviderRegistration };
    assert.ok(isProviderRegistration(provider));
    const connection = (root: string) => ({ name: 'pc', type: 'files', region: 'local', settings: { root } });
    assert.match((await provider.probe!(connection(work))) as string, /^root folder .* holds \d+ entries$/);
    await assert.rejects(provider.probe!(connection(join(work, 'not-mounted'))), (err: unknown) => isAdapterError(err) && err.kind === 'Retryable');
  });

  it('refuses a name that cannot be a provider type (exit 2) and a folder that is not empty (exit 1)', () => {
    assert.equal(mooring('new-provider', 'My_Provider').status, 2);
    writeFileSync(join(work, 'taken.txt'), 'x');
    const r = mooring('new-provider', 'files', '--dir', '.');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /is not empty; give --dir a new or empty folder/);
  });
});
