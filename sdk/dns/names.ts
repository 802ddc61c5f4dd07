// Domain names as the DNS kit speaks them: absolute, lowercase, with the trailing dot. A spec may
// write a name relative to its zone (`www`, `@` for the apex) or absolute (`www.example.com.`).
// Backends escape an octet in presentation format two ways: RFC 1035's `\DDD`, decimal
// (PowerDNS), and Route 53's `\ooo`, octal; each port says which (`DnsBackend.escapes`).

/** How a backend writes an octet as `\` and three digits. */
export type EscapeSyntax = 'decimal' | 'octal';

/**
 * The longest name DNS carries: 255 octets on the wire (RFC 1035 §2.3.4), a length octet per label
 * and the root's zero octet included, which is 253 characters in presentation format without the
 * trailing dot (254 with it). Route 53's "255 bytes, including the dots" is the wire count.
 */
export const MAX_NAME_OCTETS = 255;
/** The longest label, in octets (RFC 1035 §2.3.4). */
export const MAX_LABEL_OCTETS = 63;

/** `Example.COM` → `example.com.` */
export function canonical(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

/** The absolute name of a spec's `name` in its zone (the zone canonical). */
export function absolute(name: string, zone: string): string {
  if (name === '@') return zone;
  if (name.endsWith('.')) return canonical(name);
  return `${name.toLowerCase()}.${zone}`;
}

/** The name is the zone's apex or lies below it. */
export function inZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

/** The text with the backend's escapes undone (`\137` octal or `\095` decimal is `_`; `\c` is `c`). */
export function unescape(text: string, escapes: EscapeSyntax): string {
  const pattern = escapes === 'octal' ? /\\(?:([0-7]{3})|(.))/g : /\\(?:([0-9]{3})|(.))/g;
  return text.replace(pattern, (_, code: string | undefined, char: string | undefined) => (code ? String.fromCharCode(parseInt(code, escapes === 'octal' ? 8 : 10)) : char!));
}

/** The octets of each label of a name in presentation format: an escape (`\c`, `\DDD`) is one octet. */
export function labelOctets(name: string): number[] {
  const labels: number[] = [];
  let octets = 0;
  for (let i = 0; i < name.length; i++) {
    if (name[i] === '.') {
      labels.push(octets);
      octets = 0;
      continue;
    }
    if (name[i] === '\\') i += /^\d{3}/.test(name.slice(i + 1, i + 4)) ? 3 : 1;
    octets++;
  }
  if (octets > 0 || labels.length === 0) labels.push(octets);
  return labels;
}

/** Why a name is too long for DNS (the whole, or one label), or undefined when it fits. */
export function nameTooLong(name: string): string | undefined {
  const labels = labelOctets(name).filter((n) => n > 0);
  const wire = labels.reduce((sum, n) => sum + n + 1, 1);
  if (wire > MAX_NAME_OCTETS) return `${wire - 2} characters without the trailing dot; DNS allows ${MAX_NAME_OCTETS - 2} (${MAX_NAME_OCTETS} octets on the wire)`;
  const longest = Math.max(...labels);
  if (longest > MAX_LABEL_OCTETS) return `a label of ${longest} characters; DNS allows ${MAX_LABEL_OCTETS}`;
  return undefined;
}
