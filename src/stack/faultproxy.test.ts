import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ChangeResourceRecordSetsCommand, GetChangeCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { classify, FaultProxy, FaultProxyClient } from './faultproxy.ts';
import { startFaultProxyThread } from './faultproxy-worker.ts';

// A stand-in for the emulator: answers ChangeResourceRecordSets and GetChange the way moto does
// (INSYNC at once, the same change id every time) and anything else with an empty listing.
const CHANGE = '<?xml version="1.0"?><ChangeResourceRecordSetsResponse><ChangeInfo><Id>/change/C1</Id><Status>INSYNC</Status><SubmittedAt>2026-01-01T00:00:00Z</SubmittedAt></ChangeInfo></ChangeResourceRecordSetsResponse>';
const GET_CHANGE = '<?xml version="1.0"?><GetChangeResponse><ChangeInfo><Id>C1</Id><Status>INSYNC</Status><SubmittedAt>2026-01-01T00:00:00Z</SubmittedAt></ChangeInfo></GetChangeResponse>';
const LIST = '<?xml version="1.0"?><ListResourceRecordSetsResponse><ResourceRecordSets></ResourceRecordSets><IsTruncated>false</IsTruncated><MaxItems>300</MaxItems></ListResourceRecordSetsResponse>';

let upstream: Server;
let upstreamPaths: string[] = [];
let upstreamBodies: string[] = [];
/** The emulator's zone, as its listing answers (empty unless a test fills it). */
let listing = LIST;
let proxy: FaultProxy;
let r53: Route53Client;

const batch = (name: string) =>
  new ChangeResourceRecordSetsCommand({
    HostedZoneId: 'Z1',
    ChangeBatch: { Changes: [{ Action: 'UPSERT', ResourceRecordSet: { Name: name, Type: 'A', TTL: 60, ResourceRecords: [{ Value: '192.0.2.1' }] } }] },
  });

before(async () => {
  upstream = createServer((req, res) => {
    upstreamPaths.push(`${req.method} ${req.url}`);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.once('end', () => {
      if (req.method === 'POST') upstreamBodies.push(Buffer.concat(chunks).toString('utf8'));
      const body = req.url?.includes('/rrset') ? (req.method === 'POST' ? CHANGE : listing) : GET_CHANGE;
      // `/slow…`: an emulator taking its time over a call.
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(body);
      }, req.url?.startsWith('/slow') ? 40 : 0);
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  proxy = await FaultProxy.start(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
  r53 = new Route53Client({ endpoint: proxy.endpoint, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'k', secretAccessKey: 's' } });
});
after(async () => {
  r53.destroy();
  await proxy.stop();
  await new Promise((r) => upstream.close(r));
});
beforeEach(() => {
  proxy.setLatency(0);
  proxy.configure({});
  proxy.resetStats();
  upstreamPaths = [];
  upstreamBodies = [];
  listing = LIST;
});

describe('classify', () => {
  const table = [
    { method: 'POST', path: '/2013-04-01/hostedzone/Z1/rrset', want: 'route53:ChangeResourceRecordSets' },
    { method: 'GET', path: '/2013-04-01/hostedzone/Z1/rrset?maxitems=300', want: 'route53:ListResourceRecordSets' },
    { method: 'GET', path: '/2013-04-01/change/C1', want: 'route53:GetChange' },
    { method: 'GET', path: '/2013-04-01/hostedzonesbyname?dnsname=example.test.', want: 'route53:ListHostedZonesByName' },
    { method: 'GET', path: '/2013-04-01/hostedzone/Z1', want: 'route53:GetHostedZone' },
    { method: 'POST', path: '/2013-04-01/hostedzone', want: 'route53:CreateHostedZone' },
    { method: 'DELETE', path: '/2013-04-01/hostedzone/Z1', want: 'route53:DeleteHostedZone' },
    { method: 'GET', path: '/2013-04-01/healthcheck?maxitems=1000', want: 'route53:ListHealthChecks' },
    { method: 'POST', path: '/2013-04-01/healthcheck', want: 'route53:CreateHealthCheck' },
    { method: 'GET', path: '/2013-04-01/healthcheck/H1', want: 'route53:GetHealthCheck' },
    { method: 'POST', path: '/2013-04-01/healthcheck/H1', want: 'route53:UpdateHealthCheck' },
    { method: 'DELETE', path: '/2013-04-01/healthcheck/H1', want: 'route53:DeleteHealthCheck' },
    { method: 'GET', path: '/2013-04-01/tags/healthcheck/H1', want: 'route53:ListTagsForResource' },
    { method: 'POST', path: '/2013-04-01/tags/healthcheck/H1', want: 'route53:ChangeTagsForResource' },
    { method: 'PUT', path: '/my-bucket?versioning', want: 's3' },
    { method: 'GET', path: '/moto-api/data.json', want: 'moto-api' },
    { method: 'POST', path: '/', service: 'rds', body: 'Action=CreateDBInstance&Version=2014-10-31', want: 'rds:CreateDBInstance' },
    { method: 'POST', path: '/', service: 'rds', body: '', want: 'rds:Other' },
    { method: 'POST', path: '/', service: 'sts', body: 'Action=GetCallerIdentity&Version=2011-06-15', want: 'sts:GetCallerIdentity' },
    { method: 'POST', path: '/b?delete', service: 's3', body: '<Delete/>', want: 's3' },
  ];
  for (const c of table) it(`${c.method} ${c.path} ${c.service ?? ''}`, () => assert.equal(classify(c.method, c.path, c.service, c.body), c.want));
});

describe('FaultProxy', () => {
  it('forwards, counts per action, and gives every change its own id', async () => {
    const a = await r53.send(batch('a.example.test.'));
    const b = await r53.send(batch('b.example.test.'));
    assert.notEqual(a.ChangeInfo?.Id, b.ChangeInfo?.Id, 'unique change ids, unlike the emulator');
    const got = await r53.send(new GetChangeCommand({ Id: a.ChangeInfo!.Id }));
    assert.equal(got.ChangeInfo?.Id, a.ChangeInfo?.Id);
    assert.ok(upstreamPaths.includes('GET /2013-04-01/change/C1'), 'the emulator is asked about its own id');
    const stats = proxy.stats();
    assert.deepEqual(stats.byAction, { 'route53:ChangeResourceRecordSets': 2, 'route53:GetChange': 1 });
    assert.equal(stats.route53PeakPerSecond, 3);
  });

  it("throttles with Route 53's error shape, which the SDK reads as Throttling", async () => {
    proxy.configure({ throttle: { count: 2 } });
    for (let i = 0; i < 2; i++) {
      await assert.rejects(r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: 'Z1' })), (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(err.name, 'Throttling');
        assert.equal(err.$metadata?.httpStatusCode, 400);
        assert.equal(err.message, 'Rate exceeded');
        return true;
      });
    }
    await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: 'Z1' }));
    assert.equal(upstreamPaths.length, 1, 'throttled requests never reach the emulator');
    assert.equal(proxy.stats().faults.Throttling, 2);
  });

  it('throttles for a duration, and with PriorRequestNotComplete', async () => {
    proxy.configure({ throttle: { forMs: 300, code: 'PriorRequestNotComplete' } });
    await assert.rejects(r53.send(batch('a.example.test.')), { name: 'PriorRequestNotComplete' });
    await new Promise((r) => setTimeout(r, 350));
    await r53.send(batch('a.example.test.'));
  });

  it('only faults the actions it is told to', async () => {
    proxy.configure({ serverError: { count: 1, status: 500, actions: ['route53:GetChange'] } });
    await r53.send(batch('a.example.test.'));
    await assert.rejects(r53.send(new GetChangeCommand({ Id: 'C1' })), (err: Error & { $metadata?: { httpStatusCode?: number } }) => err.$metadata?.httpStatusCode === 500);
  });

  it('drops connections', async () => {
    proxy.configure({ drop: { count: 1 } });
    await assert.rejects(r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: 'Z1' })), (err: Error & { code?: string }) => /ECONNRESET|socket hang up/.test(`${err.code} ${err.message}`));
    await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: 'Z1' }));
  });

  it('holds requests open without an answer (a blackhole) until the client gives up', async () => {
    proxy.configure({ hang: { count: 1, actions: ['route53:ListResourceRecordSets'] } });
    const client = new AbortController();
    const sent = r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: 'Z1' }), { abortSignal: client.signal }).then(() => 'answered', (err: Error) => err.name);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(proxy.stats().held, 1, 'held, not answered nor forwarded');
    assert.deepEqual(upstreamPaths, []);
    client.abort();
    assert.equal(await sent, 'AbortError');
    for (let i = 0; i < 100 && proxy.stats().held > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(proxy.stats().held, 0, 'released once the client closed it');
    assert.equal(proxy.stats().faults.hang, 1);
    await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: 'Z1' }));
  });

  it('adds latency', async () => {
    proxy.configure({ latency: { ms: 200 } });
    const started = Date.now();
    await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: 'Z1' }));
    assert.ok(Date.now() - started >= 190);
  });

  describe('a fixed latency per call (the round trip to the cloud)', () => {
    const signed = { authorization: 'AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0' };
    /** How long one call takes, from the client's side. */
    const timed = async (call: () => Promise<unknown>) => {
      const started = performance.now();
      await call();
      return performance.now() - started;
    };

    it('delays every call by it, and holds 20 at once on timers: together they take about one latency, not twenty', async () => {
      proxy.setLatency(50);
      const started = performance.now();
      const each = await Promise.all(Array.from({ length: 20 }, (_, i) =>
        timed(() => (i % 2 ? r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: 'Z1' })) : fetch(`${proxy.endpoint}/bucket-${i}`, { method: 'PUT', headers: signed }).then((r) => r.text())))));
      const took = performance.now() - started;
      assert.ok(Math.min(...each) >= 50, `every call waited the latency (fastest ${Math.round(Math.min(...each))} ms)`);
      // Held on timers, the calls overlap: the whole takes far less than their sum (one after another it
      // would be the sum), whatever the machine's load adds to each.
      const sum = each.reduce((a, b) => a + b, 0);
      assert.ok(took < sum / 4, `20 calls at once took ${Math.round(took)} ms, their sum ${Math.round(sum)} ms: they did not overlap`);
      assert.deepEqual(proxy.stats().byAction, { s3: 10, 'route53:ListResourceRecordSets': 10 });
    });

    it('delays injected answers too, is set over the control API, and outlives a change of faults', async () => {
      const client = new FaultProxyClient(proxy.endpoint);
      await client.setLatency(80);
      await client.configure({ throttle: { count: 1 } });
      assert.ok((await timed(() => assert.rejects(r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: 'Z1' })), { name: 'Throttling' }))) >= 80, 'a throttle costs the round trip');
      await client.configure({});
      assert.ok((await timed(() => r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: 'Z1' })))) >= 80, 'clearing the faults leaves the latency');
      assert.equal((await client.stats()).latencyMs, 80);
      await client.setLatency(0);
      assert.equal((await client.stats()).latencyMs, 0);
      const bad = await fetch(`${proxy.endpoint}/_faultproxy/latency`, { method: 'PUT', body: JSON.stringify({ ms: -5 }) });
      assert.equal(bad.status, 400);
      assert.match(await bad.text(), /whole milliseconds/);
    });

    it("times the emulator's own answers apart from the latency", async () => {
      proxy.setLatency(200);
      await fetch(`${proxy.endpoint}/slow-bucket`, { method: 'PUT', headers: signed }).then((r) => r.text());
      const { upstreamMeanMs } = proxy.stats();
      assert.ok(upstreamMeanMs.s3! >= 40 && upstreamMeanMs.s3! < 200, `the emulator took ${upstreamMeanMs.s3} ms: its 40, not the proxy's 200`);
      assert.deepEqual(Object.keys(upstreamMeanMs), ['s3']);
    });

    it('is an option of the proxy thread the stack starts', async () => {
      const thread = await startFaultProxyThread(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, { latencyMs: 60 });
      try {
        assert.ok((await timed(() => fetch(`${thread.endpoint}/bucket`, { method: 'PUT', headers: signed }).then((r) => r.text()))) >= 60);
        assert.equal((await new FaultProxyClient(thread.endpoint).stats()).latencyMs, 60);
      } finally {
        await thread.stop();
      }
    });
  });

  it('answers PENDING k times per change before INSYNC', async () => {
    proxy.configure({ pendingGetChanges: 2 });
    const change = await r53.send(batch('a.example.test.'));
    assert.equal(change.ChangeInfo?.Status, 'PENDING');
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await r53.send(new GetChangeCommand({ Id: change.ChangeInfo?.Id }))).ChangeInfo?.Status);
    assert.deepEqual(statuses, ['PENDING', 'PENDING', 'INSYNC']);
  });

  it("rejects a whole batch naming a bad record, in Route 53's InvalidChangeBatch shape", async () => {
    proxy.configure({ rejectNames: ['bad.example.test'] });
    await assert.rejects(r53.send(batch('bad.example.test.')), (err: Error) => {
      assert.equal(err.name, 'InvalidChangeBatch');
      assert.match(err.message, /bad\.example\.test\./);
      return true;
    });
    await r53.send(batch('good.example.test.'));
    assert.equal(upstreamPaths.filter((p) => p.startsWith('POST')).length, 1, 'the rejected batch never reached the emulator');
  });

  it("keeps each client's faults its own: another test file's configure({}) clears none of them", async () => {
    const mine = new FaultProxyClient(proxy.endpoint);
    const theirs = new FaultProxyClient(proxy.endpoint);
    await mine.configure({ rejectNames: ['bad.example.test'] });
    await theirs.configure({ throttle: { count: 1, actions: ['route53:GetChange'] } });
    await theirs.configure({});
    await assert.rejects(r53.send(batch('bad.example.test.')), { name: 'InvalidChangeBatch' });
    await mine.configure({});
    await r53.send(batch('bad.example.test.'));
  });

  describe("plays Route 53's change guards, which moto does not keep", () => {
    const held = '<ResourceRecordSet><Name>www.example.test.</Name><Type>A</Type><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>192.0.2.1</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>';
    const change = (Action: 'CREATE' | 'DELETE' | 'UPSERT', value = '192.0.2.1', name = 'www.example.test.') =>
      ({ Action, ResourceRecordSet: { Name: name, Type: 'A' as const, TTL: 60, ResourceRecords: [{ Value: value }] } });
    const send = (...Changes: ReturnType<typeof change>[]) => r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: 'Z1', ChangeBatch: { Changes } }));
    const refusals = [
      { reason: 'a CREATE of a record set the zone holds', changes: [change('CREATE', '192.0.2.9')], message: /Tried to create resource record set \[name='www\.example\.test\.', type='A'\] but it already exists/ },
      { reason: 'a DELETE with other values', changes: [change('DELETE', '192.0.2.9')], message: /values provided do not match the current values/ },
      { reason: 'a DELETE of what is not there', changes: [change('DELETE', '192.0.2.1', 'other.example.test.')], message: /but it was not found/ },
      { reason: 'a good change beside a bad one: the batch fails whole', changes: [change('UPSERT', '192.0.2.2', 'b.example.test.'), change('CREATE')], message: /already exists/ },
    ];
    for (const c of refusals) {
      it(`refuses ${c.reason}, InvalidChangeBatch, without reaching the emulator`, async () => {
        listing = LIST.replace('<ResourceRecordSets></ResourceRecordSets>', `<ResourceRecordSets>${held}</ResourceRecordSets>`);
        await assert.rejects(send(...c.changes), (err: Error) => err.name === 'InvalidChangeBatch' && c.message.test(err.message));
        assert.deepEqual(upstreamBodies, []);
      });
    }

    it('passes a DELETE of the exact record set then its CREATE anew, and a CREATE of what is not there, as UPSERTs (moto refuses a CREATE it journalled once)', async () => {
      listing = LIST.replace('<ResourceRecordSets></ResourceRecordSets>', `<ResourceRecordSets>${held}</ResourceRecordSets>`);
      await send(change('DELETE'), change('CREATE', '192.0.2.7'), change('CREATE', '192.0.2.8', 'new.example.test.'));
      assert.equal(upstreamBodies.length, 1);
      assert.deepEqual([...upstreamBodies[0]!.matchAll(/<Action>(\w+)<\/Action>/g)].map((m) => m[1]), ['DELETE', 'UPSERT', 'UPSERT']);
    });
  });

  it('is driven over its control API by other processes', async () => {
    const client = new FaultProxyClient(proxy.endpoint);
    await client.configure({ throttle: { count: 1 } });
    await assert.rejects(r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: 'Z1' })), { name: 'Throttling' });
    const stats = await client.stats();
    assert.equal(stats.byAction['route53:ListResourceRecordSets'], 1);
    await client.resetStats();
    assert.deepEqual((await client.stats()).byAction, {});
    const bad = await fetch(`${proxy.endpoint}/_faultproxy/faults`, { method: 'PUT', body: '{not json' });
    assert.equal(bad.status, 400);
  });

  it('counts the busiest second per API, telling RDS from S3 by the signed service, and faults whole APIs', async () => {
    const signed = (service: string) => ({ authorization: `AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0` });
    proxy.configure({ serverError: { count: 1, apis: ['rds'] } });
    const rds = await fetch(`${proxy.endpoint}/`, { method: 'POST', headers: signed('rds'), body: 'Action=DescribeDBInstances&Version=2014-10-31' });
    assert.equal(rds.status, 503, 'the RDS request got the fault');
    for (let i = 0; i < 3; i++) assert.equal((await fetch(`${proxy.endpoint}/bucket-${i}`, { method: 'PUT', headers: signed('s3') })).status, 200, 'S3 is not faulted');
    await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: 'Z1' }));
    const stats = proxy.stats();
    assert.deepEqual(stats.peakPerSecond, { rds: 1, s3: 3, route53: 1 });
    assert.equal(stats.byAction['rds:DescribeDBInstances'], 1);
    assert.equal(stats.faults.serverError, 1);
  });

  it('answers S3 throttling as a 503 SlowDown', async () => {
    proxy.configure({ throttle: { count: 1, apis: ['s3'] } });
    const res = await fetch(`${proxy.endpoint}/bucket`, { method: 'GET' });
    assert.equal(res.status, 503);
    assert.match(await res.text(), /<Code>SlowDown<\/Code>/);
  });

  it('faults only the HTTP methods it is told to (S3 writes, not reads)', async () => {
    proxy.configure({ throttle: { count: 1, apis: ['s3'], methods: ['PUT'] } });
    assert.equal((await fetch(`${proxy.endpoint}/bucket?tagging`, { method: 'GET' })).status, 200, 'a read passes');
    assert.equal((await fetch(`${proxy.endpoint}/bucket?tagging`, { method: 'PUT' })).status, 503, 'the first write is throttled');
    assert.equal((await fetch(`${proxy.endpoint}/bucket?tagging`, { method: 'PUT' })).status, 200, 'count spent');
  });

  it('journals each cloud request with its time, path (no query) and the fault it got, over the control API too', async () => {
    proxy.configure({ serverError: { count: 1, apis: ['s3'], methods: ['PUT'], status: 409, code: 'OperationAborted' } });
    const refused = await fetch(`${proxy.endpoint}/bucket-a`, { method: 'PUT' });
    assert.equal(refused.status, 409);
    assert.match(await refused.text(), /<Code>OperationAborted<\/Code>/, 'the code asked for');
    await fetch(`${proxy.endpoint}/bucket-a?tagging`, { method: 'PUT' });
    await fetch(`${proxy.endpoint}/_faultproxy/stats`);
    const journal = await new FaultProxyClient(proxy.endpoint).requests();
    assert.deepEqual(journal.map(({ at: _, ...e }) => e), [
      { action: 's3', method: 'PUT', path: '/bucket-a', fault: '409' },
      { action: 's3', method: 'PUT', path: '/bucket-a' },
    ], 'the control call is not a cloud request');
    assert.ok(journal[0]!.at >= 0 && journal[1]!.at >= journal[0]!.at);
    proxy.resetStats();
    assert.deepEqual(proxy.requests(), []);
  });

  it("journals an RDS request's parameters, passwords left out, and plays a rewrite on the emulator's answers", async () => {
    const signed = { authorization: 'AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/rds/aws4_request, SignedHeaders=host, Signature=0' };
    const create = 'Action=CreateDBInstance&DBInstanceIdentifier=db1&MasterUserPassword=s3cret-pw&EnablePerformanceInsights=true';
    proxy.setRewrite(({ action, request, body }) => (action === 'rds:DescribeDBInstances' ? { status: 200, body: `${body}<!-- after ${request.length} -->` } : undefined));
    try {
      assert.equal(await (await fetch(`${proxy.endpoint}/`, { method: 'POST', headers: signed, body: create })).text(), GET_CHANGE, 'not rewritten: another action');
      const described = await (await fetch(`${proxy.endpoint}/`, { method: 'POST', headers: signed, body: 'Action=DescribeDBInstances' })).text();
      assert.equal(described, `${GET_CHANGE}<!-- after 26 -->`, 'rewritten, knowing the request');
    } finally {
      proxy.setRewrite(undefined);
    }
    const journal = proxy.requests();
    assert.deepEqual(journal[0]?.params, { Action: 'CreateDBInstance', DBInstanceIdentifier: 'db1', EnablePerformanceInsights: 'true' });
    assert.ok(!JSON.stringify(journal).includes('s3cret-pw'), 'no password in the journal');
    assert.equal(await (await fetch(`${proxy.endpoint}/`, { method: 'POST', headers: signed, body: 'Action=DescribeDBInstances' })).text(), GET_CHANGE, 'the rewrite removed');
  });

  it('measures the busiest second over a sliding window', () => {
    const p = proxy as unknown as { route53Times: number[]; statsSince: number };
    p.statsSince = 0;
    p.route53Times = [0, 100, 900, 1000, 1050, 1800, 1950, 3000];
    const stats = proxy.stats();
    assert.equal(stats.route53PeakPerSecond, 4, 'no window shorter than a second holds more than four (900-1800, 1000-1950)');
    assert.deepEqual(stats.route53PerSecond, [3, 4, 0, 1]);
  });
});
