import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import type { Connector, ExternalClient, ProviderConnection } from '../../sdk/index.ts';
import { AwsReason } from '../../providers/aws/index.ts';
import { PgReason } from '../../providers/postgres/index.ts';
import { ALL_REASON_CODES } from '../reconcile/reasons.ts';
import { builtinProviders, lazyConnector } from './builtin.ts';

const connection: ProviderConnection = { name: 'pc', type: 'x', region: 'us-east-1', settings: {} };
const client = {} as ExternalClient<unknown>;

describe('lazyConnector', () => {
  it('loads its implementation once, on the first connect, and closes it', async () => {
    let loads = 0;
    let closed = 0;
    const lazy = lazyConnector(() => {
      loads++;
      return Promise.resolve<Connector<unknown>>({ connect: () => Promise.resolve(client), close: () => Promise.resolve(void closed++) });
    });
    await lazy.close?.();
    assert.equal(loads, 0, 'closing an unused connector loads nothing');
    assert.equal(await lazy.connect(connection), client);
    await lazy.connect(connection);
    assert.equal(loads, 1);
    await lazy.close?.();
    assert.equal(closed, 1);
  });

  it('tries a failed load again on the next connect', async () => {
    let loads = 0;
    const lazy = lazyConnector(() => (++loads === 1 ? Promise.reject(new Error('disk hiccup')) : Promise.resolve<Connector<unknown>>({ connect: () => Promise.resolve(client) })));
    await assert.rejects(lazy.connect(connection), /disk hiccup/);
    assert.equal(await lazy.connect(connection), client);
    assert.equal(loads, 2);
  });
});

describe('builtinProviders', () => {
  it('registers aws (Bucket, DNSRecord, Database) and postgres (Database) without loading a cloud SDK', async () => {
    const registered = builtinProviders().map((p) => [p.type, Object.keys(p.kinds).sort()]);
    assert.deepEqual(registered, [['aws', ['Bucket', 'DNSRecord', 'Database']], ['postgres', ['Database']]]);
    // Checked in a fresh process (this one may have loaded the SDKs through other test files),
    // which records every module it resolves.
    const script = `
      import { registerHooks } from 'node:module';
      const seen = [];
      registerHooks({ resolve: (specifier, context, next) => { const r = next(specifier, context); seen.push(r.url); return r; } });
      const { builtinProviders } = await import(${JSON.stringify(new URL('./builtin.ts', import.meta.url).href)});
      builtinProviders();
      console.log(JSON.stringify(seen.filter((u) => /@aws-sdk|node_modules\\/pg\\//.test(u))));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out), []);
  });

  it('loads, on a Bucket\'s first connect, the S3 client and not Route 53\'s, RDS\'s or STS\'s', () => {
    const script = `
      import { registerHooks } from 'node:module';
      const seen = new Set();
      registerHooks({ resolve: (specifier, context, next) => { const r = next(specifier, context); seen.add(r.url); return r; } });
      const { builtinProviders } = await import(${JSON.stringify(new URL('./builtin.ts', import.meta.url).href)});
      const aws = builtinProviders().find((p) => p.type === 'aws');
      await aws.kinds.Bucket.connect({ name: 'pc', type: 'aws', region: 'us-east-1', settings: {}, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
      const clients = [...seen].map((u) => /@aws-sdk.(client-[a-z0-9-]+)./.exec(u)?.[1]).filter(Boolean);
      console.log(JSON.stringify([...new Set(clients)].sort()));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out), ['client-s3']);
  });
});

// The reconciler knows no provider; the composition root, which wires them in, checks their codes.
it('every reason code a built-in provider reports is one of ours (and so documented)', () => {
  const unknown = [...Object.values(AwsReason), ...Object.values(PgReason)].filter((c) => !ALL_REASON_CODES.includes(c));
  assert.deepEqual(unknown, [], `add these to src/reconcile/reasons.ts and docs/reasons.md: ${unknown.join(', ')}`);
});
