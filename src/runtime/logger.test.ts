import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { childFor, createLogger, newReconcileId, pretty, REDACTED } from './logger.ts';

/** An in-memory stream: every line written, as written. */
function memory() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, lines, text: () => lines.join('\n') };
}

const SECRET = 'hunter2-s3cr3t';

describe('createLogger redaction', () => {
  const cases: { reason: string; log: (l: ReturnType<typeof createLogger>) => void }[] = [
    { reason: 'a top-level password', log: (l) => l.info({ password: SECRET }, 'connecting') },
    { reason: 'a key in other casing and with underscores', log: (l) => l.info({ AWS_SECRET_ACCESS_KEY: SECRET }, 'env') },
    { reason: 'a key ending in a secret-ish word', log: (l) => l.info({ masterUserPassword: SECRET, sessionToken: SECRET }, 'rds') },
    { reason: 'a nested secretAccessKey', log: (l) => l.info({ provider: { credentials2: { secretAccessKey: SECRET } } }, 'provider') },
    { reason: 'secrets inside arrays', log: (l) => l.info({ users: [{ name: 'a', token: SECRET }] }, 'users') },
    { reason: 'a whole connectionDetails object', log: (l) => l.info({ connectionDetails: { host: 'db', value: SECRET } }, 'published') },
    { reason: 'a connection uri', log: (l) => l.info({ uri: `postgres://app@db/${SECRET}` }, 'db') },
    { reason: 'a child logger\'s bindings', log: (l) => l.child({ token: SECRET }).info('child') },
    { reason: 'a property of a logged error', log: (l) => l.error({ err: Object.assign(new Error('denied'), { config: { password: SECRET } }) }, 'failed') },
    { reason: 'an error logged on its own', log: (l) => l.error(Object.assign(new Error('denied'), { apiKey: SECRET })) },
    { reason: 'a password inside a URL in the message', log: (l) => l.info(`cannot reach postgres://app:${SECRET}@db:5432/app`) },
    { reason: 'a password inside a URL in a field', log: (l) => l.info({ endpoint: `https://user:${SECRET}@example.com/x` }, 'endpoint') },
    { reason: 'the data of a Secret object', log: (l) => l.info({ object: { kind: 'Secret', metadata: { name: 's' }, data: { anything: SECRET } } }, 'wrote') },
  ];
  for (const format of ['json', 'pretty'] as const) {
    for (const c of cases) {
      it(`${format}: hides ${c.reason}`, () => {
        const out = memory();
        c.log(createLogger({ destination: out.stream, format }));
        assert.equal(out.lines.length, 1, 'the line is written');
        assert.ok(!out.text().includes(SECRET), `no secret in: ${out.text()}`);
        // Pretty lines show an error as its message only, so the marker shows in JSON alone.
        if (format === 'json') assert.ok(out.text().includes(REDACTED), `marked as redacted: ${out.text()}`);
      });
    }
  }

  it('leaves ordinary fields alone', () => {
    const out = memory();
    createLogger({ destination: out.stream }).info({ bucket: 'logs', secretName: 'db-creds', url: 'https://s3.local:4566' }, 'ok');
    const line = JSON.parse(out.lines[0]!) as Record<string, unknown>;
    assert.deepEqual([line.bucket, line.secretName, line.url, line.msg, line.level], ['logs', 'db-creds', 'https://s3.local:4566', 'ok', 'info']);
  });

  it('takes extra keys to redact', () => {
    const out = memory();
    createLogger({ destination: out.stream, redact: ['pin'] }).info({ pin: SECRET }, 'x');
    assert.ok(!out.text().includes(SECRET));
  });

  it('respects the level', () => {
    const out = memory();
    const log = createLogger({ destination: out.stream, level: 'warn' });
    log.info('quiet');
    log.warn('loud');
    assert.deepEqual(out.lines.map((l) => (JSON.parse(l) as { msg: string }).msg), ['loud']);
  });
});

describe('childFor', () => {
  it('puts kind, namespace, name and reconcile id on every line', () => {
    const out = memory();
    const id = newReconcileId();
    childFor(createLogger({ destination: out.stream }), { kind: 'Bucket', namespace: 'team-a', name: 'logs', reconcileId: id }).info('observed');
    const line = JSON.parse(out.lines[0]!) as Record<string, unknown>;
    assert.deepEqual([line.kind, line.namespace, line.name, line.reconcileId], ['Bucket', 'team-a', 'logs', id]);
  });

  it('leaves namespace out for cluster-scoped kinds', () => {
    const out = memory();
    childFor(createLogger({ destination: out.stream }), { kind: 'ProviderConfig', name: 'aws', reconcileId: 'r1' }).info('x');
    assert.equal('namespace' in (JSON.parse(out.lines[0]!) as object), false);
  });
});

describe('pretty', () => {
  it('writes one readable line', () => {
    const out = memory();
    const log = childFor(createLogger({ destination: out.stream, format: 'pretty' }), { kind: 'Bucket', namespace: 'team-a', name: 'logs', reconcileId: 'r1' });
    log.error({ err: new Error('access denied\nby policy'), durationMs: 12 }, 'reconcile failed');
    assert.equal(out.lines.length, 1);
    assert.match(out.lines[0]!, /^\d\d:\d\d:\d\d\.\d{3}  ERROR  Bucket team-a\/logs  reconcile failed  reconcileId=r1 err="Error: access denied\\nby policy" durationMs=12$/);
  });

  const cases: { reason: string; record: Record<string, unknown>; want: string }[] = [
    { reason: 'no subject without a name', record: { time: '2025-01-01T10:00:00.000Z', level: 'info', msg: 'started' }, want: '10:00:00.000  INFO   started' },
    { reason: 'cluster-scoped subject', record: { level: 'warn', kind: 'ProviderConfig', name: 'aws', msg: 'm' }, want: 'WARN   ProviderConfig aws  m' },
    { reason: 'values with spaces are quoted, objects are JSON', record: { level: 'info', msg: 'm', reason: 'two words', diff: { a: 1 } }, want: 'INFO   m  reason="two words" diff={"a":1}' },
    { reason: 'a kind with no name stays a field', record: { level: 'info', msg: 'm', kind: 'Bucket' }, want: 'INFO   m  kind=Bucket' },
  ];
  for (const c of cases) it(c.reason, () => assert.equal(pretty(c.record), c.want));
});

describe('createLogger scrubbing by value', () => {
  it('replaces a remembered secret anywhere in a line: message, field, error', async () => {
    const { SecretScrubber } = await import('./scrub.ts');
    const scrubber = new SecretScrubber();
    scrubber.remember('leaked-by-an-adapter-42');
    const out = memory();
    const log = createLogger({ destination: out.stream, scrubber });
    log.warn({ err: new Error('login with leaked-by-an-adapter-42 refused'), note: 'x leaked-by-an-adapter-42' }, 'failed: leaked-by-an-adapter-42');
    assert.ok(!out.text().includes('leaked-by-an-adapter-42'), out.text());
    // The message, the field, the error's message and its stack.
    assert.equal(out.text().split(REDACTED).length - 1, 4);
  });
});
