// The layer check: every import between git-tracked .ts files against the floors declared in
// layers.ts, and no import cycle between files. TypeScript's own pre-processor reads each file's
// imports (static, dynamic with a literal, `export … from`, type-only), exactly as the compiler
// sees them; ~100 lines of our own beat a dependency-graph library we would configure to the same.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import ts from 'typescript';
import type { Floor, Room } from '../../layers.ts';

export interface Layers {
  floors: readonly Floor[];
  testExtras: readonly string[];
  allowed: readonly { from: string; to: string }[];
}

export interface Edge {
  from: string;
  to: string;
}

/** mooring's own package specifiers, as package.json's exports resolve them. */
const SELF: Record<string, string> = { 'mooring/sdk': 'sdk/index.ts', 'mooring/sdk/conformance': 'sdk/conformance/index.ts' };

const under = (file: string, path: string) => file === path || file.startsWith(path.endsWith('/') ? path : `${path}/`);

/** Each import of each file that resolves to another file of the list (paths relative to root, with /). */
export function importEdges(root: string, files: readonly string[]): Edge[] {
  const known = new Set(files);
  const edges: Edge[] = [];
  for (const from of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(join(root, from), 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      const spec = fileName.split('?')[0]!;
      const to = spec.startsWith('.') ? posix.normalize(posix.join(posix.dirname(from), spec)) : SELF[spec];
      if (to !== undefined && known.has(to)) edges.push({ from, to });
    }
  }
  return edges;
}

interface Placed {
  room: string;
  floor: number;
  rule: Room;
}

/** The room `key` names for `file`, if the file lies in it (`x/*`: each folder under x/ is a room). */
function roomName(key: string, file: string): string | undefined {
  if (!key.endsWith('/*')) return under(file, key) ? key : undefined;
  const parent = key.slice(0, -1);
  const rest = file.startsWith(parent) ? file.slice(parent.length).split('/') : [];
  return rest.length > 1 ? parent + rest[0] : undefined;
}

/** The room a file lies in (the longest matching one), with its floor and rule. */
function placeOf(floors: readonly Floor[], file: string): Placed | undefined {
  let best: Placed | undefined;
  floors.forEach((f, floor) => {
    for (const [key, rule] of Object.entries(f.rooms)) {
      const room = roomName(key, file);
      if (room !== undefined && (!best || room.length > best.room.length)) best = { room, floor, rule };
    }
  });
  return best;
}

/** Why `from` may not import `to`, or undefined when it may. */
function refusal(layers: Layers, from: string, to: string): string | undefined {
  const a = placeOf(layers.floors, from);
  const b = placeOf(layers.floors, to);
  if (!a || !b || a.room === b.room) return undefined; // a file in no room is reported once, as such
  // A room held to `only` is held so in its tests too (a provider's tests use the SDK alone).
  if (a.rule.only) {
    return a.rule.only.some((p) => under(to, p)) ? undefined : `${a.room} may import only ${a.rule.only.join(', ') || 'its own files'}, not ${b.room}`;
  }
  const isTest = /\.test\.ts$|\/testdata\//.test(from);
  if (isTest && layers.testExtras.some((p) => under(to, p))) return undefined;
  const name = (p: Placed) => `${p.room} (floor ${p.floor}: ${layers.floors[p.floor]!.name})`;
  if (b.floor < a.floor) return undefined;
  if (b.floor === a.floor) {
    return (a.rule.siblings ?? []).some((p) => under(to, p)) ? undefined : `${name(a)} crosses to its sibling ${b.room}, which it does not list`;
  }
  return `${name(a)} climbs to ${name(b)}`;
}

/** Every cycle's files, one cycle per strongly connected group (Tarjan), each as a path back to its start. */
export function cycles(edges: readonly Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const group = stack.splice(stack.indexOf(v));
    if (group.length > 1 || (next.get(v) ?? []).includes(v)) found.push(pathWithin(next, new Set(group), v));
  };
  for (const v of [...next.keys()].sort()) if (!index.has(v)) visit(v);
  return found;
}

/** The shortest path from start back to start inside group. */
function pathWithin(next: Map<string, string[]>, group: Set<string>, start: string): string[] {
  const came = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of next.get(v) ?? []) {
      if (!group.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let at: string | undefined = v; at !== undefined && at !== start; at = came.get(at)) path.splice(1, 0, at);
        return [...path, start];
      }
      if (came.has(w)) continue;
      came.set(w, v);
      queue.push(w);
    }
  }
  return [start, start];
}

/** The problems of the files under root, each a line naming both files and the rule. */
export function checkLayers(root: string, files: readonly string[], layers: Layers): string[] {
  const matches = (e: Edge, a: { from: string; to: string }) => under(e.from, a.from) && under(e.to, a.to);
  const all = importEdges(root, files);
  const edges = all.filter((e) => !layers.allowed.some((a) => matches(e, a)));
  const problems = edges.flatMap((e) => {
    const why = refusal(layers, e.from, e.to);
    return why ? [`${e.from} imports ${e.to}: ${why}`] : [];
  });
  for (const f of files) if (!placeOf(layers.floors, f)) problems.push(`${f} lies in no room of layers.ts`);
  for (const c of cycles(edges)) problems.push(`import cycle: ${c.join(' -> ')}`);
  for (const a of layers.allowed) if (!all.some((e) => matches(e, a))) problems.push(`layers.ts allows ${a.from} -> ${a.to}, which no import needs any more: remove it`);
  return problems;
}

/** The repository's .ts files, as git tracks them. */
export function trackedFiles(root: string): string[] {
  return execFileSync('git', ['ls-files', '-z', '*.ts'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
}

export const REPO = join(dirname(import.meta.filename), '..', '..');
