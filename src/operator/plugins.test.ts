import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SDK_VERSION, parseVersion } from '../../sdk/index.ts';
import { builtinProviders } from './builtin.ts';
import { PluginError, loadProviders } from './plugins.ts';

const [major, minor] = parseVersion(SDK_VERSION)!;

const FIXTURES = join(import.meta.dirname, 'testdata', 'plugins');
const load = (...specifiers: string[]) => loadProviders(specifiers, builtinProviders(), FIXTURES);

/** A predicate for assert.rejects: a PluginError naming the plugin, whose message matches. */
const refused = (plugin: string, message: RegExp) => (err: unknown) => {
  assert.ok(err instanceof PluginError, `expected a PluginError, got ${String(err)}`);
  assert.equal(err.plugin, plugin);
  assert.match(err.message, new RegExp(`^provider plugin ${plugin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
  assert.match(err.message, message);
  return true;
};

describe('loadProviders', () => {
  it('adds a good plugin (a file path, relative to the working directory) after the built-in ones', async () => {
    const types = (await load('./good.ts')).map((p) => p.type);
    assert.deepEqual(types, ['aws', 'postgres', 'fixture-good']);
  });

  it("takes a folder, importing its package.json's main, and a named registration export", async () => {
    assert.deepEqual((await load('./folder')).map((p) => p.type).at(-1), 'fixture-folder');
  });

  const cases: { reason: string; plugin: string; message: RegExp }[] = [
    { reason: 'a plugin written for another major SDK version', plugin: './wrong-major.ts', message: /provider type fixture-major cannot be loaded: it was written for SDK 2\.0\.0.*major versions differ.*use a release of the plugin written for SDK 1\.x/ },
    { reason: 'a plugin needing a newer minor SDK version', plugin: './newer-minor.ts', message: new RegExp(`needs SDK ${major}\\.${minor + 1}\\.0, newer than this operator's SDK ${SDK_VERSION.replace(/\./g, '\\.')}; upgrade mooring`) },
    { reason: 'a plugin exporting no registration', plugin: './no-registration.ts', message: /exports no provider registration; its module must `export default defineProvider/ },
    { reason: 'a plugin registering a type already taken', plugin: './duplicate.ts', message: /provider type aws is already registered \(built in\).*Remove one of them from --providers/ },
    { reason: 'a plugin failing as it loads', plugin: './throws.ts', message: /failed to load: the plugin could not read its configuration; fix the plugin, or remove it from --providers/ },
    { reason: 'a path that does not exist', plugin: './nowhere', message: /does not exist; give the plugin's folder or entry file/ },
    { reason: 'a package that is not installed', plugin: 'mooring-provider-nowhere', message: /no package of that name is installed beside mooring; run npm install mooring-provider-nowhere/ },
  ];
  for (const c of cases) {
    it(`refuses ${c.reason}, naming it and the fix`, async () => {
      await assert.rejects(load(c.plugin), refused(c.plugin, c.message));
    });
  }

  it('refuses the second of two plugins of one type, naming the first', async () => {
    await assert.rejects(load('./good.ts', join(FIXTURES, 'good.ts')), refused(join(FIXTURES, 'good.ts'), /fixture-good is already registered \(by plugin \.\/good\.ts\)/));
  });
});
