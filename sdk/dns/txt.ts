// TXT text in zone-file form, as DNS APIs read and write it: quoted character-strings, `"` and `\`
// escaped, split at 255 characters; and back, in the backend's escape syntax.
import type { EscapeSyntax } from './names.ts';

/** A DNS character-string holds at most 255 octets; longer TXT text is split into several. */
const TXT_STRING = 255;

/** Plain text → one TXT value: quoted, `"` and `\` escaped, split into 255-character strings. */
export function formatTxt(text: string): string {
  if (text === '') return '""';
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += TXT_STRING) parts.push(text.slice(i, i + TXT_STRING));
  return parts.map((p) => `"${p.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(' ');
}

/** One TXT value as the backend answers it → the text: strings unquoted and joined, `\c` and `\ddd` undone. */
export function parseTxt(value: string, escapes: EscapeSyntax): string {
  const radix = escapes === 'octal' ? 8 : 10;
  let out = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '"') quoted = !quoted;
    else if (c === '\\') {
      const code = /^\d{3}/.exec(value.slice(i + 1, i + 4));
      out += code ? String.fromCharCode(parseInt(code[0], radix)) : (value[i + 1] ?? '');
      i += code ? 3 : 1;
    } else if (quoted || c !== ' ') out += c;
  }
  return out;
}
