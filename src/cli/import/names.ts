// Kubernetes names for imported things: valid (a DNS-1123 subdomain, kept to 63 characters so it
// reads well in kubectl and fits a label), and unique within a kind: a clash or a cut gets a short
// hash of the thing's own identity, so the same estate imported twice gets the same names.
import { createHash } from 'node:crypto';

const MAX = 63;

const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 6);

/** `Bucket-Logs.2024_eu` → `bucket-logs-2024-eu`; `*` → `wildcard`; never empty. */
export function kubeName(parts: readonly string[]): string {
  const words = parts
    .map((p) => p.toLowerCase().replace(/\*/g, 'wildcard').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, ''))
    .filter(Boolean);
  const name = words.join('-') || 'imported';
  return name.length <= MAX ? name : `${name.slice(0, MAX - 7).replace(/-+$/, '')}-${hash(parts.join('\0'))}`;
}

/** Hands out unique names per kind; `identity` decides the suffix a clash gets. */
export class NameBook {
  private readonly taken = new Set<string>();

  claim(parts: readonly string[], identity: string): string {
    let name = kubeName(parts);
    if (this.taken.has(name)) name = `${name.slice(0, MAX - 7).replace(/-+$/, '')}-${hash(identity)}`;
    for (let i = 2; this.taken.has(name); i++) name = `${kubeName(parts).slice(0, MAX - 10)}-${hash(identity)}-${i}`;
    this.taken.add(name);
    return name;
  }
}
