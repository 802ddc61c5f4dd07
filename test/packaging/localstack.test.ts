// localstack/: the compose file pins the last LocalStack that starts without an auth token, and
// runs the operator the way the Dockerfile and the chart do. (No Docker engine runs here, so the
// file is checked, not run; the image's entry point itself is run by test/integration/image.test.ts.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { loadAllYaml, loadYaml } from '@kubernetes/client-node';
import { ProviderConfigSpec } from '../../src/api/providerconfig.ts';
import { loadConfig } from '../../src/runtime/config.ts';

const dir = join(import.meta.dirname, '..', '..', 'localstack');

interface Compose {
  services: Record<string, { image?: string; command?: string[]; read_only?: boolean; user?: string; tmpfs?: string[]; build?: { context: string; dockerfile: string } }>;
}
const compose = loadYaml<Compose>(readFileSync(join(dir, 'compose.yaml'), 'utf8'));

it('pins LocalStack 4.14.0, the last release without an auth token, and the README says so', () => {
  assert.equal(compose.services.localstack!.image, '${LOCALSTACK_IMAGE:-localstack/localstack:4.14.0}');
  assert.match(readFileSync(join(dir, 'README.md'), 'utf8'), /\*\*`localstack\/localstack:4\.14\.0` and earlier\.\*\*/);
});

it('runs the operator from the Dockerfile, read-only and non-root, with flags `mooring run` accepts', () => {
  const mooring = compose.services.mooring!;
  assert.deepEqual(mooring.build, { context: '..', dockerfile: 'Dockerfile' });
  assert.equal(mooring.read_only, true);
  assert.deepEqual(mooring.tmpfs, ['/tmp']);
  assert.match(mooring.user ?? '', /10001/);
  const [command, ...flags] = mooring.command!;
  assert.equal(command, 'run');
  assert.equal(loadConfig(flags, {}).kubeconfig, '/kube/config');
});

it('ships a ProviderConfig for LocalStack that the schema accepts', () => {
  const [, pc] = loadAllYaml(readFileSync(join(dir, 'providerconfig.yaml'), 'utf8')) as [unknown, { spec: unknown }];
  const spec = ProviderConfigSpec.parse(pc.spec);
  assert.equal(spec.endpoint, 'http://127.0.0.1:4566');
});
