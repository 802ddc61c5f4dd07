// What the bench removes from external-dns before building it, and why: the Go module proxy this
// machine reaches refuses a few of its dependencies (403, "This module version is not available"),
// so the parts that import them cannot compile. None of them is on the bench's path (the `crd`
// source, the `aws` provider, the `txt` registry); each removal is applied only when the proxy
// refuses one of its modules, must match the source exactly, and is named in the bench's table.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Text cut from one file: each `exact` once, then each `from`…`through` span (inclusive) once. */
export interface Cut {
  file: string;
  exact?: string[];
  spans?: { from: string; through: string }[];
}

export interface Removal {
  /** What goes, in the bench table's words. */
  what: string;
  /** Dependencies it imports that the proxy may refuse; also dropped from go.mod. */
  modules: string[];
  /** Files or folders deleted whole. */
  remove: string[];
  cuts: Cut[];
}

export const REMOVALS: Removal[] = [
  {
    what: 'the OpenShift Route source (source/openshift_route.go and its OpenShift client in source/store.go)',
    modules: ['github.com/openshift/api', 'github.com/openshift/client-go'],
    remove: ['source/openshift_route.go', 'source/openshift_route_test.go', 'source/openshift_route_fqdn_test.go'],
    cuts: [
      {
        file: 'source/store.go',
        exact: [
          '\topenshift "github.com/openshift/client-go/route/clientset/versioned"\n',
          '\tOpenShiftClient() (openshift.Interface, error)\n',
          '\topenshiftClient    openshift.Interface\n\topenshiftClientErr error\n',
          '\topenshiftOnce      sync.Once\n',
          '\tcase types.OpenShiftRoute:\n\t\treturn buildOpenShiftRouteSource(ctx, p, cfg)\n',
        ],
        spans: [
          { from: '// OpenShiftClient generates', through: 'return p.openshiftClient, p.openshiftClientErr\n}\n\n' },
          { from: 'func buildOpenShiftRouteSource(', through: 'return NewOcpRouteSource(ctx, ocpClient, cfg)\n}\n\n' },
        ],
      },
    ],
  },
  providerRemoval('civo', 'github.com/civo/civogo', '\t\texternaldns.ProviderCivo:         civo.New,\n'),
  providerRemoval('exoscale', 'github.com/exoscale/egoscale/v3', '\t\texternaldns.ProviderExoscale:     exoscale.New,\n'),
];

/** A DNS provider other than AWS: its folder, its import and its line in the provider factory. */
function providerRemoval(name: string, module: string, factoryLine: string): Removal {
  return {
    what: `the ${name} DNS provider (provider/${name}/ and its entry in provider/factory/provider.go)`,
    modules: [module],
    remove: [`provider/${name}`],
    cuts: [{ file: 'provider/factory/provider.go', exact: [`\t"sigs.k8s.io/external-dns/provider/${name}"\n`, factoryLine] }],
  };
}

/** The removals some of whose modules the proxy refused; throws when a refused module has none. */
export function removalsFor(refused: { Path: string; Error?: string | undefined }[]): Removal[] {
  const unknown = refused.filter((m) => !REMOVALS.some((r) => r.modules.includes(m.Path)));
  if (unknown.length) throw new Error(`the Go module proxy refuses ${unknown.map((m) => `${m.Path} (${m.Error?.replace(/\s+/g, ' ')})`).join(', ')}, which no known removal covers`);
  return REMOVALS.filter((r) => r.modules.some((m) => refused.some((d) => d.Path === m)));
}

/** `text` without each cut; throws naming the first cut that does not match exactly once. */
export function cutText(text: string, cut: Cut): string {
  let out = text;
  for (const exact of cut.exact ?? []) {
    if (out.split(exact).length !== 2) throw new Error(`${cut.file}: expected exactly one ${JSON.stringify(exact)}`);
    out = out.replace(exact, '');
  }
  for (const { from, through } of cut.spans ?? []) {
    const start = out.indexOf(from);
    const end = start < 0 ? -1 : out.indexOf(through, start);
    if (start < 0 || end < 0 || out.indexOf(from, start + 1) >= 0) throw new Error(`${cut.file}: expected exactly one span from ${JSON.stringify(from)}`);
    out = out.slice(0, start) + out.slice(end + through.length);
  }
  return out;
}

/** Applies `removal` to the source tree at `dir` (a writable copy of the module). */
export function applyRemoval(dir: string, removal: Removal): void {
  for (const path of removal.remove) rmSync(join(dir, path), { recursive: true });
  for (const cut of removal.cuts) {
    const file = join(dir, cut.file);
    writeFileSync(file, cutText(readFileSync(file, 'utf8'), cut));
  }
}
