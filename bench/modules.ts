// Which modules an operator loaded, by package: a preload (given to node as a data: URL, so the
// compiled operator needs no type stripper for it) records every resolved module and writes the
// list at exit; the bench sums the source each package brought.
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const PRELOAD = (file: string) =>
  `import{registerHooks}from"node:module";import{writeFileSync}from"node:fs";const s=new Set();` +
  `registerHooks({resolve(a,c,n){const r=n(a,c);s.add(r.url);return r}});` +
  `process.on("exit",()=>writeFileSync(${JSON.stringify(file)},[...s].join("\\n")))`;

/** The node flag that makes a process write the URLs of the modules it loads to `file` at exit. */
export const moduleLogFlag = (file: string) => `--import=data:text/javascript,${encodeURIComponent(PRELOAD(file))}`;

/** `@aws-sdk/client-s3`, `zod`, … for a file under node_modules; `mooring` for the project's own; `node:` builtins. */
export function packageOf(url: string): string {
  if (!url.startsWith('file:')) return url.startsWith('node:') ? 'node: builtins' : '(other)';
  const at = url.lastIndexOf('/node_modules/');
  if (at < 0) return 'mooring';
  const [scope, name] = url.slice(at + '/node_modules/'.length).split('/');
  return scope?.startsWith('@') ? `${scope}/${name}` : (scope ?? '?');
}

/** The packages loaded, most source first: `zod 81 files 1.9 MiB, …`. */
export function modulesByPackage(urls: string[], top = 10): string {
  const byPackage = new Map<string, { files: number; bytes: number }>();
  for (const url of new Set(urls.filter(Boolean))) {
    const entry = byPackage.get(packageOf(url)) ?? { files: 0, bytes: 0 };
    entry.files++;
    entry.bytes += url.startsWith('file:') ? sizeOf(url) : 0;
    byPackage.set(packageOf(url), entry);
  }
  return [...byPackage]
    .sort((a, b) => b[1].bytes - a[1].bytes || b[1].files - a[1].files)
    .slice(0, top)
    .map(([name, { files, bytes }]) => `${name} ${files} files${bytes ? ` ${(bytes / 1048576).toFixed(1)} MiB` : ''}`)
    .join(', ');
}

function sizeOf(url: string): number {
  try {
    return statSync(fileURLToPath(url)).size;
  } catch {
    return 0;
  }
}
