// Node's floor on this machine: what any controller written for Node holds before its own code.
// A bare node with the image's flags and environment that keeps one TLS watch open on the
// apiserver (Node's TLS and HTTP modules and OpenSSL loaded, one connection made), and nothing
// else. The idle row's distance from it is what the operator's own code and libraries cost.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import type { StackInfo } from '../src/stack/index.ts';
import { OPERATOR_ENV } from '../src/runtime/node-flags.ts';
import { sleep } from './context.ts';
import { footprint, type Footprint } from './footprint.ts';

interface Kubeconfig {
  clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
  users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
}

// Plain JavaScript given to node -e: no type stripping, no module of the project's.
const WATCH = `
const https = require('node:https');
const u = new URL(process.env.FLOOR_SERVER);
const req = https.request({ hostname: u.hostname, port: u.port, path: '/api/v1/namespaces?watch=1', ca: process.env.FLOOR_CA, cert: process.env.FLOOR_CERT, key: process.env.FLOOR_KEY, agent: false });
req.on('response', (res) => { console.log('watching', res.statusCode); res.resume(); });
req.on('error', (err) => { console.error(err.message); process.exit(1); });
req.end();
setInterval(() => {}, 1 << 30);
`;

/** The floor's resident set once its watch has been open for `settleMs`. */
export async function nodeFloor(info: StackInfo, nodeArgs: string[], settleMs = 5_000): Promise<Footprint> {
  const config = load(readFileSync(info.kube!.kubeconfig, 'utf8')) as Kubeconfig;
  const pem = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');
  const { cluster } = config.clusters[0]!;
  const { user } = config.users[0]!;
  const env = {
    ...OPERATOR_ENV, ...process.env,
    FLOOR_SERVER: cluster.server, FLOOR_CA: pem(cluster['certificate-authority-data']),
    FLOOR_CERT: pem(user['client-certificate-data']), FLOOR_KEY: pem(user['client-key-data']),
  };
  // Only the V8 and memory flags: a --conditions or --import of the operator's means nothing here.
  const flags = nodeArgs.filter((a) => !a.startsWith('--conditions') && !a.startsWith('--import'));
  const child = spawn(process.execPath, [...flags, '-e', WATCH], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', (chunk: Buffer) => (chunk.toString().startsWith('watching 200') ? resolve() : reject(new Error(`the floor's watch: ${chunk.toString().trim()}`))));
      child.once('exit', (code) => reject(new Error(`the floor process exited (${code})`)));
    });
    await sleep(settleMs);
    return footprint(child.pid!);
  } finally {
    child.kill('SIGKILL');
  }
}

