// Are the CRDs installed, and are they the ones this version of mooring generates? A CRD is
// current when everything generation writes is there as written; the apiserver may add fields of
// its own (status, conversion defaults), which do not count.
import { ApiextensionsV1Api, loadYaml, type KubeConfig, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { crdFor } from '../api/crd.ts';
import { KINDS } from '../api/kinds.ts';
import { fail, ok, type Finding } from './report.ts';

/** The first place where `actual` lacks or changes something of `expected`, or undefined. */
export function firstDifference(expected: unknown, actual: unknown, path = ''): string | undefined {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return `${path || '.'}: ${Array.isArray(actual) ? `${actual.length} entries, expected ${expected.length}` : 'missing'}`;
    for (let i = 0; i < expected.length; i++) {
      const d = firstDifference(expected[i], actual[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof actual !== 'object' || actual === null) return `${path || '.'}: missing`;
    for (const [key, value] of Object.entries(expected)) {
      const d = firstDifference(value, (actual as Record<string, unknown>)[key], `${path}.${key}`);
      if (d) return d;
    }
    return undefined;
  }
  return expected === actual ? undefined : `${path}: ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`;
}

const INSTALL = 'kubectl apply --server-side -f crds/ (or upgrade the Helm release: helm upgrade installs the chart\'s crds/ only on first install, so apply them by hand too)';

export async function checkCrds(kc: KubeConfig): Promise<Finding> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const problems: string[] = [];
  for (const kind of KINDS) {
    const expected = crdFor(kind);
    try {
      const installed = await api.readCustomResourceDefinition({ name: expected.metadata.name });
      // Both as the client's model (its own field names, e.g. x_kubernetes_validations), then plain JSON.
      const model = loadYaml<V1CustomResourceDefinition>(JSON.stringify(expected));
      const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
      const difference = firstDifference(plain(model.spec), plain(installed.spec), 'spec');
      if (difference) problems.push(`${expected.metadata.name} differs from crds/ (${difference.slice(0, 200)})`);
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
      problems.push(`${expected.metadata.name} is not installed`);
    }
  }
  if (!problems.length) return ok('crds', `${KINDS.length} CRDs installed and current`);
  return fail('crds', problems.join('; '), INSTALL);
}
