// Where a process's resident memory is, from /proc/PID/smaps: the pages of the node binary it has
// touched (its code and read-only data, shared with every node process on the host but counted in
// RSS), the V8 heap and the rest of the anonymous memory (malloc: buffers, compiler zones, threads).
import { readFileSync } from 'node:fs';

export interface Footprint {
  /** Touched pages of the node executable (text, rodata, data), MiB. */
  binary: number;
  /** Other files mapped (shared libraries), MiB. */
  libraries: number;
  /** Anonymous memory (V8 heap, malloc, stacks), MiB. */
  anonymous: number;
  rss: number;
}

export function footprint(pid: number): Footprint {
  return summarise(readFileSync(`/proc/${pid}/smaps`, 'utf8'));
}

export function summarise(smaps: string): Footprint {
  const kb = { binary: 0, libraries: 0, anonymous: 0 };
  let into: keyof typeof kb = 'anonymous';
  for (const line of smaps.split('\n')) {
    const mapping = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping) {
      const file = mapping[1] ?? '';
      into = file.startsWith('/') ? (/\/node$/.test(file) ? 'binary' : 'libraries') : 'anonymous';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) kb[into] += Number(rss[1]);
  }
  const mib = (n: number) => Math.round(n / 1024);
  return { binary: mib(kb.binary), libraries: mib(kb.libraries), anonymous: mib(kb.anonymous), rss: mib(kb.binary + kb.libraries + kb.anonymous) };
}

export const describeFootprint = (f: Footprint) => `node binary's pages ${f.binary} MiB, libraries ${f.libraries} MiB, anonymous ${f.anonymous} MiB (V8 heap, malloc, stacks)`;
