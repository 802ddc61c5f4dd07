// The test stack is real: a CRD and a custom resource go through a real kube-apiserver and etcd,
// buckets and hosted zones through the AWS emulator's API, rows through PostgreSQL, and a zone made
// through PowerDNS's HTTP API answers over DNS.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { describe, it } from 'node:test';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateHostedZoneCommand, ListHostedZonesCommand, Route53Client } from '@aws-sdk/client-route-53';
import { ApiextensionsV1Api, CustomObjectsApi, KubeConfig, VersionApi, Watch } from '@kubernetes/client-node';
import pg from 'pg';
import { useStack } from '../support/stack.ts';
import { KUBE_VERSION } from '../../src/stack/versions.ts';

const stack = useStack();

function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(stack().kube!.kubeconfig);
  return kc;
}

describe('kube-apiserver and etcd', () => {
  it('reports the pinned release', async () => {
    const version = await kubeConfig().makeApiClient(VersionApi).getCode();
    assert.equal(version.gitVersion, KUBE_VERSION);
  });

  it('creates, watches and deletes a custom resource of a new CRD', async () => {
    const kc = kubeConfig();
    const group = `t${randomUUID().slice(0, 8)}.test.mooring.dev`;
    const crds = kc.makeApiClient(ApiextensionsV1Api);
    await crds.createCustomResourceDefinition({
      body: {
        metadata: { name: `widgets.${group}` },
        spec: {
          group,
          scope: 'Namespaced',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
          versions: [{
            name: 'v1', served: true, storage: true,
            schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } },
          }],
        },
      },
    });
    // The CRD serves only once Established.
    for (let i = 0; i < 100; i++) {
      const crd = await crds.readCustomResourceDefinition({ name: `widgets.${group}` });
      if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const seen: string[] = [];
    let stopWatch: AbortController | undefined;
    const done = new Promise<void>((resolve, reject) => {
      const onEvent = (phase: string, obj: { metadata: { name: string } }) => {
        seen.push(`${phase} ${obj.metadata.name}`);
        if (phase === 'DELETED') resolve();
      };
      const start = async (attempt: number): Promise<void> => {
        stopWatch = await new Watch(kc).watch(`/apis/${group}/v1/namespaces/default/widgets`, {}, onEvent, (err) => {
          // A CRD just Established can answer 404 or 429 until its watch cache is ready.
          const code = (err as { statusCode?: number } | null)?.statusCode;
          if ((code === 429 || code === 404) && attempt < 50) {
            setTimeout(() => void start(attempt + 1).catch(reject), 100);
          } else if (err && (err as Error).name !== 'AbortError') reject(err as Error);
        });
      };
      start(0).catch(reject);
    });
    await new Promise((r) => setTimeout(r, 1000));
    const objects = kc.makeApiClient(CustomObjectsApi);
    const target = { group, version: 'v1', namespace: 'default', plural: 'widgets' };
    await objects.createNamespacedCustomObject({ ...target, body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 3 } } });
    const read = (await objects.getNamespacedCustomObject({ ...target, name: 'w1' })) as { spec: { size: number } };
    assert.equal(read.spec.size, 3);
    await objects.deleteNamespacedCustomObject({ ...target, name: 'w1' });
    await done;
    stopWatch?.abort();
    assert.deepEqual(seen, ['ADDED w1', 'DELETED w1']);
    await crds.deleteCustomResourceDefinition({ name: `widgets.${group}` });
  });
});

describe('AWS emulator', () => {
  const config = () => {
    const aws = stack().aws!;
    return {
      endpoint: aws.endpoint,
      region: aws.region,
      credentials: { accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey },
    };
  };

  it('creates and lists a bucket through S3 with an endpoint override', async () => {
    const s3 = new S3Client({ ...config(), forcePathStyle: true });
    const name = `stack-test-${randomUUID().slice(0, 8)}`;
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    const list = await s3.send(new ListBucketsCommand({}));
    assert.ok(list.Buckets?.some((b) => b.Name === name), `bucket ${name} listed`);
    s3.destroy();
  });

  it('creates and lists a hosted zone through Route 53', async () => {
    const r53 = new Route53Client(config());
    const zone = `${randomUUID().slice(0, 8)}.stack-test.example.`;
    const created = await r53.send(new CreateHostedZoneCommand({ Name: zone, CallerReference: randomUUID() }));
    assert.ok(created.HostedZone?.Id);
    const list = await r53.send(new ListHostedZonesCommand({}));
    assert.ok(list.HostedZones?.some((z) => z.Name === zone), `zone ${zone} listed`);
    r53.destroy();
  });
});

describe('PostgreSQL', () => {
  it('round-trips a row over TCP with password authentication', async () => {
    const client = new pg.Client({ connectionString: stack().postgres!.url });
    await client.connect();
    try {
      const table = `t_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
      await client.query(`CREATE TABLE ${table} (id int primary key, note text)`);
      await client.query(`INSERT INTO ${table} VALUES ($1, $2)`, [1, 'moored']);
      const res = await client.query<{ note: string }>(`SELECT note FROM ${table} WHERE id = $1`, [1]);
      assert.equal(res.rows[0]?.note, 'moored');
      const version = await client.query<{ server_version: string }>('SHOW server_version');
      assert.match(version.rows[0]!.server_version, /^15\./);
    } finally {
      await client.end();
    }
  });

  it('refuses a wrong password', async () => {
    const url = new URL(stack().postgres!.url);
    url.password = 'wrong';
    const client = new pg.Client({ connectionString: url.toString() });
    await assert.rejects(client.connect(), /password authentication failed/);
  });
});

describe('PowerDNS', () => {
  const api = async (method: string, path: string, body?: unknown, key = stack().pdns!.apiKey) =>
    fetch(`${stack().pdns!.apiUrl}/api/v1/servers/localhost${path}`, {
      method,
      headers: { 'X-API-Key': key, 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('serves a zone made through its HTTP API over DNS, and reports version 4', async () => {
    const server = (await (await api('GET', '')).json()) as { version: string };
    assert.match(server.version, /^4\./);
    const zone = `${randomUUID().slice(0, 8)}.stack-test.example.`;
    assert.equal((await api('POST', '/zones', { name: zone, kind: 'Native', nameservers: [`ns1.${zone}`] })).status, 201);
    const rrsets = [{ name: `www.${zone}`, type: 'A', ttl: 60, changetype: 'REPLACE', records: [{ content: '192.0.2.7', disabled: false }] }];
    assert.equal((await api('PATCH', `/zones/${zone}`, { rrsets })).status, 204);
    const resolver = new Resolver();
    resolver.setServers([`127.0.0.1:${stack().pdns!.dnsPort}`]);
    assert.deepEqual(await resolver.resolve4(`www.${zone}`), ['192.0.2.7']);
  });

  it('refuses a wrong API key', async () => {
    assert.equal((await api('GET', '/zones', undefined, 'wrong')).status, 401);
  });
});
