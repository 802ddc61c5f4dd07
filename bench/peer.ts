// The peer, AWS Controllers for Kubernetes' S3 controller, is to be built from the Go module proxy
// when the proxy serves it; until then the bench records exactly what the proxy answered.
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import type { Bench } from './context.ts';

const MODULE = 'github.com/aws-controllers-k8s/s3-controller';

export function peer(bench: Bench): void {
  try {
    execFileSync('go', ['mod', 'download', '-json', `${MODULE}@latest`], { encoding: 'utf8', timeout: 120_000, cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
    bench.row('ACK S3 controller side by side', 'not run', `${MODULE} is downloadable; building and running it against the emulator is not written yet`);
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    let why = (e.stderr ?? e.message).trim();
    try {
      why = (JSON.parse(e.stdout ?? '') as { Error?: string }).Error ?? why;
    } catch {
      // not JSON: keep stderr
    }
    bench.row('ACK S3 controller side by side', 'not run', `the Go module proxy refuses ${MODULE}: ${why.replace(/\s+/g, ' ').replace(/\|/g, '/')}`);
  }
}
