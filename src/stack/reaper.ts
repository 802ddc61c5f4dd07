// A detached watchdog: when the process that started the stack dies without stopping it (SIGKILL,
// a crash), it ends the stack's process groups and removes its folder, so nothing is orphaned.
// Usage: node reaper.ts <parent pid> <state file>. The state file holds { pgids, dirs }.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ReaperState {
  pgids: number[];
  dirs: string[];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroups(pgids: number[], signal: NodeJS.Signals): void {
  for (const pgid of pgids) {
    try {
      process.kill(-pgid, signal);
    } catch {
      // already gone
    }
  }
}

/** Ends every process group (TERM, then KILL after the grace period) and removes the folders. */
export async function reap(state: ReaperState, graceMs = 3000): Promise<void> {
  signalGroups(state.pgids, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && state.pgids.some(alive)) await sleep(100);
  signalGroups(state.pgids, 'SIGKILL');
  while (state.pgids.some(alive)) await sleep(50);
  for (const dir of state.dirs) rmSync(dir, { recursive: true, force: true });
}

async function watch(parentPid: number, stateFile: string): Promise<void> {
  // The launcher removes the state file after a clean stop: then there is nothing left to do.
  while (alive(parentPid) && existsSync(stateFile)) await sleep(500);
  if (!existsSync(stateFile)) return;
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as ReaperState;
  await reap(state);
  rmSync(stateFile, { force: true });
}

if (import.meta.main) {
  const [parent, stateFile] = process.argv.slice(2);
  if (!parent || !stateFile) {
    console.error('usage: reaper.ts <parent pid> <state file>');
    process.exit(2);
  }
  await watch(Number(parent), stateFile);
}
