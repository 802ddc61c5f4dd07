// The layer check on this repository (every git-tracked .ts file against layers.ts), and on small
// trees written for the purpose, to show it fails on each kind of wrong import and says why.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FLOORS, TEMPORARY_ALLOWED, TEST_EXTRAS } from '../../layers.ts';
import { checkLayers, REPO, trackedFiles, type Layers } from './check.ts';

describe('the layers of this repository', () => {
  it('hold: no import climbs or crosses where layers.ts does not allow it, no import cycle', () => {
    const problems = checkLayers(REPO, trackedFiles(REPO), { floors: FLOORS, testExtras: TEST_EXTRAS, allowed: TEMPORARY_ALLOWED });
    assert.deepEqual(problems, [], `fix the import, or (if the floors are wrong) layers.ts:\n${problems.join('\n')}`);
  });
});

describe('checkLayers on a tree written for it', () => {
  const root = mkdtempSync(join(tmpdir(), 'mooring-layers-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const LAYERS: Layers = {
    floors: [
      { name: 'ground', rooms: { base: {}, tools: { only: [] } } },
      { name: 'first', rooms: { kit: {}, 'plugins/*': { only: ['kit'] }, core: { siblings: ['kit/public.ts'] } } },
      { name: 'top', rooms: { app: {} } },
    ],
    testExtras: ['tools'],
    allowed: [],
  };
  /** Writes the files (path: its imports) and checks them. */
  const check = (tree: Record<string, string[]>, layers = LAYERS) => {
    const dir = mkdtempSync(join(root, 'tree-'));
    for (const [file, imports] of Object.entries(tree)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      const depth = file.split('/').length - 1;
      const up = depth === 0 ? './' : '../'.repeat(depth);
      writeFileSync(join(dir, file), imports.map((to, i) => (to.startsWith('mooring/') ? `import '${to}';` : `import { x${i} } from '${up}${to}';`)).join('\n') + '\nexport const x = 1;\n');
    }
    return checkLayers(dir, Object.keys(tree), layers);
  };

  it('passes imports of the own room, of lower floors and of listed siblings', () => {
    assert.deepEqual(check({ 'base/a.ts': ['base/b.ts'], 'base/b.ts': [], 'kit/public.ts': ['base/a.ts'], 'core/c.ts': ['kit/public.ts', 'base/b.ts'], 'app/main.ts': ['core/c.ts', 'kit/public.ts'] }), []);
  });

  it('fails an import that climbs, naming both files and the floors', () => {
    assert.deepEqual(check({ 'base/a.ts': ['app/main.ts'], 'app/main.ts': [] }), ['base/a.ts imports app/main.ts: base (floor 0: ground) climbs to app (floor 2: top)']);
  });

  it('fails an import of a sibling the room does not list', () => {
    assert.deepEqual(check({ 'core/c.ts': ['kit/internal.ts'], 'kit/internal.ts': [] }), ['core/c.ts imports kit/internal.ts: core (floor 1: first) crosses to its sibling kit, which it does not list']);
  });

  it('holds a room to `only`, tests included, and each `x/*` folder to its own room', () => {
    const problems = check({ 'plugins/p/a.ts': ['base/b.ts', 'kit/public.ts', 'plugins/p/sub/d.ts'], 'plugins/p/sub/d.ts': [], 'plugins/p/a.test.ts': ['plugins/q/e.ts', 'tools/t.ts'], 'plugins/q/e.ts': [], 'base/b.ts': [], 'kit/public.ts': [], 'tools/t.ts': [] });
    assert.deepEqual(problems, [
      'plugins/p/a.ts imports base/b.ts: plugins/p may import only kit, not base',
      'plugins/p/a.test.ts imports plugins/q/e.ts: plugins/p may import only kit, not plugins/q',
      'plugins/p/a.test.ts imports tools/t.ts: plugins/p may import only kit, not tools',
    ]);
  });

  it('lets a test file beside the code import the test extras, and no other file', () => {
    assert.deepEqual(check({ 'base/a.test.ts': ['tools/t.ts'], 'base/a.ts': ['tools/t.ts'], 'tools/t.ts': [] }), ['base/a.ts imports tools/t.ts: base (floor 0: ground) crosses to its sibling tools, which it does not list']);
  });

  it('resolves mooring/sdk as package.json does', () => {
    assert.deepEqual(check({ 'base/a.ts': ['mooring/sdk'], 'sdk/index.ts': [] }, { ...LAYERS, floors: [...LAYERS.floors, { name: 'sdk', rooms: { sdk: {} } }] }), ['base/a.ts imports sdk/index.ts: base (floor 0: ground) climbs to sdk (floor 3: sdk)']);
  });

  it('fails an import cycle between files of one room, naming every file on it', () => {
    assert.deepEqual(check({ 'base/a.ts': ['base/b.ts'], 'base/b.ts': ['base/c.ts'], 'base/c.ts': ['base/a.ts'], 'base/d.ts': ['base/a.ts'] }), ['import cycle: base/a.ts -> base/b.ts -> base/c.ts -> base/a.ts']);
  });

  it('fails a file in no room', () => {
    assert.deepEqual(check({ 'stray/x.ts': [] }), ['stray/x.ts lies in no room of layers.ts']);
  });

  it('lets the temporary list excuse an import (its cycle too), and fails an entry no import needs', () => {
    const tree = { 'base/a.ts': ['base/b.ts', 'app/main.ts'], 'base/b.ts': ['base/a.ts'], 'app/main.ts': [] };
    const allowed = [{ from: 'base/b.ts', to: 'base/a.ts' }, { from: 'base/', to: 'app/' }, { from: 'kit/', to: 'base/' }];
    assert.deepEqual(check(tree, { ...LAYERS, allowed }), ['layers.ts allows kit/ -> base/, which no import needs any more: remove it']);
  });
});
