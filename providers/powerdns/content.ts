// Record content in the "zone file" form the PowerDNS API reads and writes, and the comparable
// form two equal contents share. PowerDNS refuses content it would write differently (a CNAME
// without its trailing dot, an unquoted TXT string), so values are written the way it does.
import { canonical } from './names.ts';

/** A DNS character-string holds at most 255 octets; longer TXT text is split into several. */
const TXT_STRING = 255;

/** Plain text → TXT content: quoted, `"` and `\` escaped, split into 255-character strings. */
export function formatTxt(text: string): string {
  if (text === '') return '""';
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += TXT_STRING) parts.push(text.slice(i, i + TXT_STRING));
  return parts.map((p) => `"${p.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(' ');
}

/** TXT content → the text: strings unquoted and joined; `\c` and PowerDNS's decimal `\DDD` undone. */
export function parseTxt(content: string): string {
  let out = '';
  let quoted = false;
  for (let i = 0; i < content.length; i++) {
    const c = content[i]!;
    if (c === '"') quoted = !quoted;
    else if (c === '\\') {
      const decimal = /^\d{3}/.exec(content.slice(i + 1, i + 4));
      out += decimal ? String.fromCharCode(Number(decimal[0])) : (content[i + 1] ?? '');
      i += decimal ? 3 : 1;
    } else if (quoted || c !== ' ') out += c;
  }
  return out;
}

const host = (name: string) => (name === '.' ? '.' : canonical(name));

/** The last field of MX and SRV content is a host name, absolute in PowerDNS. */
function withHost(value: string): string {
  const parts = value.trim().split(/\s+/);
  parts[parts.length - 1] = host(parts[parts.length - 1]!);
  return parts.join(' ');
}

/** IPv6 in its compressed lowercase form (RFC 5952), as PowerDNS answers it. */
function ipv6(value: string): string {
  try {
    return new URL(`http://[${value}]/`).hostname.slice(1, -1);
  } catch {
    return value.toLowerCase(); // not an address: PowerDNS's 422 will say so
  }
}

/** A spec value → the content sent to PowerDNS. */
export function toContent(type: string, value: string): string {
  switch (type) {
    case 'TXT':
      return formatTxt(value);
    case 'CNAME':
    case 'NS':
      return host(value.trim());
    case 'MX':
    case 'SRV':
      return withHost(value);
    case 'AAAA':
      return ipv6(value.trim());
    default:
      return value.trim();
  }
}

/** Content in the form two equal contents share, for comparison only. */
export function comparable(type: string, content: string): string {
  if (type === 'TXT') return parseTxt(content);
  return toContent(type, content).toLowerCase();
}
