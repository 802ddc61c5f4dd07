// The sandbox's closing table: one row per resource with its Ready condition.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Condition } from '../api/common.ts';

export interface ResourceRow {
  object: KubernetesObject & { status?: { conditions?: Condition[] } };
  error?: string;
}

function ready(row: ResourceRow): Condition | undefined {
  return row.object.status?.conditions?.find((c) => c.type === 'Ready');
}

export function age(created: Date | string | undefined, now = Date.now()): string {
  if (!created) return '-';
  const s = Math.max(0, Math.round((now - new Date(created).getTime()) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  return `${Math.round(s / 3600)}h`;
}

export function renderTable(rows: ResourceRow[], now = Date.now()): string {
  const header = ['KIND', 'NAMESPACE/NAME', 'READY', 'REASON', 'AGE'];
  const body = rows.map((r) => {
    const c = ready(r);
    const name = r.object.metadata?.namespace ? `${r.object.metadata.namespace}/${r.object.metadata.name}` : `${r.object.metadata?.name}`;
    return [r.object.kind ?? '?', name, c?.status ?? (r.error ? 'Error' : 'Unknown'), c?.reason ?? (r.error ? 'NotFound' : '-'), age(r.object.metadata?.creationTimestamp, now)];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  return [header, ...body].map((cols) => cols.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export function summarize(rows: ResourceRow[]): { allReady: boolean; failures: string[] } {
  const failures = rows
    .filter((r) => ready(r)?.status !== 'True')
    .map((r) => {
      const conditions = r.object.status?.conditions ?? [];
      const detail = conditions.map((c) => `${c.type}=${c.status} (${c.reason}: ${c.message})`).join('; ');
      return `${r.object.kind} ${r.object.metadata?.namespace ?? ''}/${r.object.metadata?.name}: ${r.error ?? (detail || 'no conditions yet')}`;
    });
  return { allReady: failures.length === 0, failures };
}
