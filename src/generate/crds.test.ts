import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { dumpYaml, loadAllYaml } from '@kubernetes/client-node';
import { crdFor } from '../api/crd.ts';
import { KINDS } from '../api/kinds.ts';
import { CRD_DIR, crdDrift, HEADER, renderCrds, writeCrds } from './crds.ts';

describe('crds/', () => {
  it('is what `npm run generate` gives', () => {
    const { stale, orphaned } = crdDrift(CRD_DIR);
    assert.deepEqual(
      { stale, orphaned },
      { stale: [], orphaned: [] },
      `crds/ is out of date (${[...stale, ...orphaned].join(', ')}): run \`npm run generate\` and commit crds/`,
    );
  });

  it('holds one file per kind, each saying it is generated', () => {
    const rendered = renderCrds();
    assert.deepEqual(rendered.map((r) => r.file).sort(), KINDS.map((k) => `${k.plural}.mooring.dev.yaml`).sort());
    for (const { yaml } of rendered) assert.ok(yaml.startsWith(HEADER));
  });

  // src/kube/apply.ts reads the files through client-node's model, which knows wire names such as
  // `default` and `x-kubernetes-validations` only for its own fields; what it drops never applies.
  it('loses no rule, default or list type when read the way the installer reads it', () => {
    const count = (text: string, key: string) => text.split('\n').filter((l) => l.trimStart().replace(/^- /, '').startsWith(`${key}:`)).length;
    for (const kind of KINDS) {
      const { yaml } = renderCrds().find((r) => r.file.startsWith(`${kind.plural}.`))!;
      const json = JSON.stringify(crdFor(kind));
      const reread = dumpYaml(loadAllYaml(yaml)[0], { lineWidth: -1, noRefs: true });
      assert.equal(HEADER + reread, yaml, `${kind.kind}: not stable through loadAllYaml/dumpYaml`);
      for (const key of ['x-kubernetes-validations', 'default', 'x-kubernetes-list-type', 'x-kubernetes-preserve-unknown-fields', 'pattern']) {
        assert.equal(count(yaml, key), json.split(`"${key}":`).length - 1, `${kind.kind}: ${key} count differs from the generated object`);
      }
    }
  });
});

describe('writeCrds', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mooring-crds-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes every CRD, removes generated files of kinds that are gone, keeps foreign files', () => {
    writeFileSync(join(dir, 'widgets.mooring.dev.yaml'), `${HEADER}kind: CustomResourceDefinition\n`);
    writeFileSync(join(dir, 'hand-written.yaml'), 'kind: ConfigMap\n');
    const { written, removed } = writeCrds(dir);
    assert.deepEqual(removed, ['widgets.mooring.dev.yaml']);
    assert.deepEqual(readdirSync(dir).sort(), [...written, 'hand-written.yaml'].sort());
    assert.deepEqual(crdDrift(dir), { stale: [], orphaned: [] });
  });

  it('notices a hand edit', () => {
    const [first] = renderCrds();
    writeFileSync(join(dir, first!.file), readFileSync(join(dir, first!.file), 'utf8').replace('maxLength: 63', 'maxLength: 64'));
    assert.deepEqual(crdDrift(dir).stale, [first!.file]);
  });
});
