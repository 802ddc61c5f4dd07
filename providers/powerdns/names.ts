// Domain names as PowerDNS speaks them: absolute, lowercase, with the trailing dot. A spec may
// write a name relative to its zone (`www`, `@` for the apex) or absolute (`www.example.com.`).

/** `Example.COM` → `example.com.` */
export function canonical(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

/** The absolute name of a spec's `name` in its zone (given canonical). */
export function absolute(name: string, zone: string): string {
  if (name === '@') return zone;
  if (name.endsWith('.')) return canonical(name);
  return `${name.toLowerCase()}.${zone}`;
}

/** The name is the zone's apex or lies below it. */
export function inZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}
