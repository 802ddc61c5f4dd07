// `mooring graph -n NS`: the namespace's dependency graph — which object reads what from which
// (`…From` references) and which ConfigMap each exports to — with each object's Ready state, as
// text, Graphviz DOT or Mermaid. It names fields and keys, never a value.
import { parseArgs } from 'node:util';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { GROUP, VERSION } from '../api/common.ts';
import { MANAGED_KINDS } from '../operator/manager.ts';
import { referencesIn } from '../reconcile/references.ts';
import type { ManagedObject } from '../reconcile/types.ts';
import { loadKubeConfig } from './kube.ts';
import { UsageError } from './usage.ts';

export const GRAPH_HELP = `usage: mooring graph [options]

Prints the dependency graph of a namespace: each mooring object with its Ready state, an edge
for each …From reference (to the object, ConfigMap or Secret it reads, labelled with the field or
key) and for each spec.exportTo (to the ConfigMap it writes). Values are never printed.

options:
  -n, --namespace NS     default: the kubeconfig context's, else default
      --kubeconfig FILE  default: $KUBECONFIG, the in-cluster service account, or ~/.kube/config
  -o, --format FORMAT    text (default), dot (Graphviz) or mermaid`;

export interface GraphNode {
  id: string;
  /** Ready's status and reason for mooring objects; 'missing' for a name nothing in the namespace holds; undefined for ConfigMaps and Secrets. */
  state?: string | undefined;
}
export interface GraphEdge {
  from: string;
  to: string;
  label: string;
}
export interface Graph {
  namespace: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

const FORMATS = ['text', 'dot', 'mermaid'] as const;

export async function graph(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { namespace: { type: 'string', short: 'n' }, kubeconfig: { type: 'string' }, format: { type: 'string', short: 'o', default: 'text' } },
  });
  const format = values.format as (typeof FORMATS)[number];
  if (!FORMATS.includes(format)) throw new UsageError(`--format is text, dot or mermaid, not ${values.format}`);
  const kc = await loadKubeConfig(values.kubeconfig);
  const namespace = values.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
  const api = kc.makeApiClient(CustomObjectsApi);
  const objects: ManagedObject[] = [];
  for (const kind of MANAGED_KINDS) {
    const list = (await api.listNamespacedCustomObject({ group: GROUP, version: VERSION, plural: kind.plural, namespace })) as { items: ManagedObject[] };
    objects.push(...list.items.map((o) => ({ ...o, kind: kind.kind })));
  }
  console.log(render(graphOf(namespace, objects), format));
  return 0;
}

/** The graph of these objects (all of one namespace). */
export function graphOf(namespace: string, objects: ManagedObject[]): Graph {
  const nodes = new Map<string, GraphNode>();
  const edges: GraphEdge[] = [];
  for (const o of objects) {
    const ready = o.status?.conditions?.find((c) => c.type === 'Ready');
    nodes.set(`${o.kind}/${o.metadata.name}`, { id: `${o.kind}/${o.metadata.name}`, state: ready ? `Ready=${ready.status} ${ready.reason}` : 'Ready=Unknown' });
  }
  const touch = (id: string, managed: boolean) => {
    if (!nodes.has(id)) nodes.set(id, { id, state: managed ? 'missing' : undefined });
  };
  for (const o of objects) {
    const from = `${o.kind}/${o.metadata.name}`;
    const paths = MANAGED_KINDS.find((k) => k.kind === o.kind)?.references ?? [];
    for (const e of referencesIn(o.spec, paths)) {
      const to = `${e.target.kind}/${e.target.name}`;
      touch(to, e.target.kind !== 'ConfigMap' && e.target.kind !== 'Secret');
      edges.push({ from, to, label: `${e.path} ← ${e.reads}` });
    }
    const exportTo = (o.spec.exportTo as { name?: string } | undefined)?.name;
    if (exportTo) {
      touch(`ConfigMap/${exportTo}`, false);
      edges.push({ from, to: `ConfigMap/${exportTo}`, label: 'exportTo' });
    }
  }
  return { namespace, nodes: [...nodes.values()].sort((a, b) => a.id.localeCompare(b.id)), edges };
}

export function render(g: Graph, format: (typeof FORMATS)[number]): string {
  if (format === 'dot') return dot(g);
  if (format === 'mermaid') return mermaid(g);
  if (!g.nodes.length) return `no mooring objects in namespace ${g.namespace}`;
  return g.nodes
    .flatMap((n) => [`${n.id}${n.state ? `  ${n.state}` : ''}`, ...g.edges.filter((e) => e.from === n.id).map((e) => `  → ${e.to}  (${e.label})`)])
    .join('\n');
}

const quote = (s: string) => `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;

function dot(g: Graph): string {
  const lines = g.nodes.map((n) => `  ${quote(n.id)} [label=${quote(n.state ? `${n.id}\n${n.state}` : n.id)}${n.state === undefined ? ', shape=note' : ''}];`);
  lines.push(...g.edges.map((e) => `  ${quote(e.from)} -> ${quote(e.to)} [label=${quote(e.label)}];`));
  return [`digraph ${quote(g.namespace)} {`, ...lines, '}'].join('\n');
}

function mermaid(g: Graph): string {
  const ids = new Map(g.nodes.map((n, i) => [n.id, `n${i}`]));
  // Mermaid labels in quotes take no double quote; none of these names holds one.
  const text = (s: string) => s.replace(/"/g, "'");
  const lines = g.nodes.map((n) => `  ${ids.get(n.id)}["${text(n.id)}${n.state ? `<br/>${text(n.state)}` : ''}"]`);
  lines.push(...g.edges.map((e) => `  ${ids.get(e.from)} -->|"${text(e.label)}"| ${ids.get(e.to)}`));
  return ['graph LR', ...lines].join('\n');
}
