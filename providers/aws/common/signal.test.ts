// The deadline of an adapter call reaches every AWS request through the client itself
// (sendWithCallSignal), against a server that accepts connections and never answers.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { withCallSignal, type ProviderConnection } from '../../../sdk/index.ts';
import { s3ClientConfig, sendWithCallSignal } from './client.ts';
import { ClientPool } from './pool.ts';

let server: Server;
let endpoint: string;
const held = new Set<Socket>();
let closed = 0;

before(async () => {
  server = createServer((req) => {
    // A blackhole: keep the request open, never answer; count the client giving up.
    held.add(req.socket);
    req.socket.once('close', () => {
      held.delete(req.socket);
      closed++;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  for (const s of held) s.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const connection = (): ProviderConnection => ({ name: 'pc', type: 'aws', region: 'us-east-1', endpoint, settings: {}, credentials: { accessKeyId: 'id', secretAccessKey: 'secret' } });

async function untilClosed(count: number, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (closed < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

async function untilHeld(count: number, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (held.size < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

describe('sendWithCallSignal', () => {
  it('aborts a pooled client\'s request when the call\'s signal aborts, and closes its socket', async () => {
    const pool = new ClientPool((c, region) => new S3Client(s3ClientConfig(c, region)));
    const s3 = pool.get(connection());
    const call = new AbortController();
    const before = closed;
    const heldBefore = held.size;
    const sent = withCallSignal(call.signal, () => s3.send(new HeadBucketCommand({ Bucket: 'b' })));
    const outcome = sent.then(() => 'answered', (err: Error) => err.name);
    // Abort only once the request is on the wire (a loaded machine may take longer than any fixed wait).
    await untilHeld(heldBefore + 1, 10_000);
    const started = Date.now();
    call.abort(new Error('deadline'));
    assert.equal(await outcome, 'AbortError');
    assert.ok(Date.now() - started < 1000, 'at once, not after the 20 s request timeout');
    await untilClosed(before + 1, 10_000);
    assert.equal(closed, before + 1, 'the held request\'s socket was closed by the client');
    pool.destroy();
  });

  it('leaves a request outside any call, or with its own abortSignal, as it was', async () => {
    const s3 = sendWithCallSignal(new S3Client(s3ClientConfig(connection())));
    const call = new AbortController();
    const own = new AbortController();
    const sent = withCallSignal(call.signal, () => s3.send(new HeadBucketCommand({ Bucket: 'b' }), { abortSignal: own.signal }));
    const outcome = sent.then(() => 'answered', (err: Error) => err.name);
    await new Promise((r) => setTimeout(r, 100));
    call.abort(new Error('not this one'));
    const race = await Promise.race([outcome, new Promise((r) => setTimeout(() => r('still waiting'), 200))]);
    assert.equal(race, 'still waiting', 'the sender\'s own signal wins over the call\'s');
    own.abort(new Error('own'));
    assert.equal(await outcome, 'AbortError');
    s3.destroy();
  });

  it('returns a client without an SDK HTTP handler untouched', () => {
    const fake = { destroy() {} };
    assert.equal(sendWithCallSignal(fake), fake);
  });
});
