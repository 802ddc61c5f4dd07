// `mooring generate`: every generated file, from its one source. CRDs (crds/ and the chart's
// crds/) and the kind reference pages from the zod schemas; the chart's RBAC from the permission
// list; the plain manifests by rendering the chart with helm.
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { crdOutput } from './crds.ts';
import { chartAdmission } from './admission.ts';
import { chartCrds, chartRbac } from './chart.ts';
import { drift, REPO_ROOT, write, type Output } from './files.ts';
import { manifestsOutput } from './manifests.ts';
import { reference } from './reference.ts';

export const GENERATE_HELP = `usage: mooring generate [--check]

Writes every generated file from its source, and removes generated files whose source is gone:
  crds/                          CustomResourceDefinitions, from the zod schemas in src/api
  docs/reference/                one page per kind, from the same schemas
  deploy/helm/mooring/crds/      the chart's copy of crds/
  deploy/helm/mooring/templates/rbac.yaml   the ClusterRole and Roles, from src/operator/permissions.ts
  deploy/helm/mooring/templates/admission.yaml   the grants admission policy, from src/generate/admission.ts
  deploy/manifests/              the chart rendered by helm (built into the cache on first use)

  --check   write nothing; exit 1 when a generated file differs from what generation gives

Exit codes: 0 done (or up to date), 1 out of date (--check) or helm could not be built, 2 bad usage.`;

/** The outputs that need nothing but this repository (the unit tests check these). */
export const SOURCE_OUTPUTS: Output[] = [crdOutput(), chartCrds, chartRbac, chartAdmission, reference];

const where = (output: Output, file: string) => relative(REPO_ROOT, `${output.dir}/${file}`);

/**
 * The helm binary, built on first use; or why there is none (no Go, say). The command line wires
 * the stack's setup in (src/cli), so generation itself knows nothing of how tools are built.
 */
export type HelmSource = () => Promise<{ helm: string } | { missing: string }>;

export async function generate(argv: string[], helmSource: HelmSource): Promise<number> {
  const { check } = parseArgs({ args: argv, options: { check: { type: 'boolean', default: false } } }).values;
  const outputs = [...SOURCE_OUTPUTS];
  // Without Go there is no helm: everything else is still generated, and the run says so.
  let helmMissing: string | undefined;
  const source = await helmSource();
  if ('helm' in source) outputs.push(manifestsOutput(source.helm));
  else helmMissing = `deploy/manifests/ not rendered: ${source.missing}`;
  if (check) {
    const stale = outputs.flatMap((o) => {
      const { stale: s, orphaned } = drift(o);
      return [...s, ...orphaned].map((f) => where(o, f));
    });
    if (stale.length) console.error(`out of date: ${stale.join(', ')}\nRun \`npm run generate\` and commit the result.`);
    if (helmMissing) console.error(helmMissing);
    return stale.length || helmMissing ? 1 : 0;
  }
  for (const output of outputs) {
    const { written, removed } = write(output);
    for (const file of written) console.log(`wrote ${where(output, file)}`);
    for (const file of removed) console.log(`removed ${where(output, file)}`);
  }
  if (helmMissing) console.error(helmMissing);
  return helmMissing ? 1 : 0;
}
