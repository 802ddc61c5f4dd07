import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry, Counter } from 'prom-client';
import { createLogger } from '../runtime/logger.ts';
import { parseBindAddress, startHttp } from './http.ts';

describe('parseBindAddress', () => {
  for (const [input, want] of [
    [':8080', { host: undefined, port: 8080 }],
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
    ['[::1]:9090', { host: '::1', port: 9090 }],
  ] as const) {
    it(input, () => assert.deepEqual(parseBindAddress(input), want));
  }
});

describe('startHttp', () => {
  it('serves /healthz, /readyz (503 with the reason until ready) and /metrics', async () => {
    const registry = new Registry();
    new Counter({ name: 'test_total', help: 'a test counter', registers: [registry] }).inc(3);
    let why: string | undefined = 'watch caches not synced yet';
    const http = await startHttp({ bindAddress: '127.0.0.1:0', registry, notReady: () => why, log: createLogger({ level: 'silent' }) });
    try {
      assert.match(http.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal((await fetch(`${http.url}/healthz`)).status, 200);
      const notReady = await fetch(`${http.url}/readyz`);
      assert.equal(notReady.status, 503);
      assert.match(await notReady.text(), /watch caches not synced yet/);
      why = undefined;
      assert.equal((await fetch(`${http.url}/readyz`)).status, 200);
      const metrics = await fetch(`${http.url}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(metrics.headers.get('content-type') ?? '', /text\/plain/);
      assert.match(await metrics.text(), /^test_total 3$/m);
      assert.equal((await fetch(`${http.url}/nope`)).status, 404);
      assert.equal((await fetch(`${http.url}/metrics`, { method: 'POST' })).status, 405);
    } finally {
      await http.close();
    }
  });

  it('fails to start, with the reason, when the port is taken', async () => {
    const registry = new Registry();
    const log = createLogger({ level: 'silent' });
    const first = await startHttp({ bindAddress: '127.0.0.1:0', registry, notReady: () => undefined, log });
    try {
      const port = new URL(first.url).port;
      await assert.rejects(startHttp({ bindAddress: `127.0.0.1:${port}`, registry, notReady: () => undefined, log }), /EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});
