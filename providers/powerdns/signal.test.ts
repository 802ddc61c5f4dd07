// The deadline of an adapter call reaches PowerDNS's fetch: a server that never answers is given
// up on when the call's signal aborts, not after the API's own 10 s timeout.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { withCallSignal, type AdapterError } from '../../sdk/index.ts';
import { PdnsApi, pdnsSettings } from './api.ts';
import { PdnsReason } from './reasons.ts';

describe('PdnsApi under a call deadline', () => {
  let server: Server;
  let endpoint: string;
  const held = new Set<Socket>();
  let closed = 0;
  before(async () => {
    server = createServer((req) => {
      held.add(req.socket);
      req.socket.once('close', () => {
        held.delete(req.socket);
        closed++;
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(async () => {
    for (const s of held) s.destroy();
    await new Promise((r) => server.close(r));
  });

  it('aborts the request when the call\'s signal aborts, as a retryable failure, and closes the connection', async () => {
    const api = new PdnsApi(pdnsSettings({ name: 'pdns', type: 'powerdns', region: 'x', endpoint, secretData: { apiKey: 'sekrit-api-key-0123456789' }, settings: {} }));
    const call = new AbortController();
    const outcome = withCallSignal(call.signal, () => api.zone('example.test.')).then(() => undefined, (err: AdapterError) => err);
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    call.abort(new Error('the call\'s deadline'));
    const err = await outcome;
    assert.ok(Date.now() - started < 1000, 'at once, not after the 10 s request timeout');
    assert.equal(err?.kind, 'Retryable');
    assert.equal(err?.reason, PdnsReason.ProviderUnavailable);
    const deadline = Date.now() + 2000;
    while (closed < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(closed, 1, 'the held request\'s connection was closed');
  });
});
