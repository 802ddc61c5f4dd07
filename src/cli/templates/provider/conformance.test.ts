// The conformance suite every mooring provider passes, against a real backend: here a temporary
// folder. The oracle reads that folder with node:fs directly, never through the adapter.
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { describeConformance, type Found } from 'mooring/sdk/conformance';
import { parseSpec, type BucketSpec, type ManagedResource, type ProviderConnection } from 'mooring/sdk';
import { DirectoryBucketConnector, OWNER_FILE, TAGS_FILE } from './bucket.ts';
import { TYPE } from './index.ts';

const root = await mkdtemp(join(tmpdir(), `${TYPE}-`));
after(() => rm(root, { recursive: true, force: true }));

const connection: ProviderConnection = { name: 'conformance', type: TYPE, region: 'local', settings: { root } };
const dir = (r: ManagedResource<BucketSpec>) => join(root, r.externalName);
const remove = (r: ManagedResource<BucketSpec>) => rm(dir(r), { recursive: true, force: true });

describeConformance<BucketSpec>(`${TYPE} Bucket`, {
  connector: new DirectoryBucketConnector(),
  connection: () => connection,
  resource: (name) => ({
    kind: 'Bucket', namespace: 'conformance', name, uid: `uid-${name}`, generation: 1, externalName: name,
    ownershipMark: `conformance/conformance/${name}`,
    // The spec as the operator hands it: validated, defaults applied.
    spec: parseSpec('Bucket', { providerConfigRef: { name: 'conformance' }, emptyOnDelete: true, tags: { team: 'a' } }),
  }),
  oracle: {
    async read(r): Promise<Found[]> {
      if (!(await stat(dir(r)).then(() => true, () => false))) return [];
      const mark = await readFile(join(dir(r), OWNER_FILE), 'utf8').then((m) => m.trim(), () => undefined);
      return [{ mark, state: { tags: await readFile(join(dir(r), TAGS_FILE), 'utf8').catch(() => null) } }];
    },
    async drift(r) {
      await writeFile(join(dir(r), TAGS_FILE), JSON.stringify({ team: 'b' }));
      return 'tags';
    },
    remove,
    async plant(r, mark) {
      await mkdir(dir(r), { recursive: true });
      if (mark) await writeFile(join(dir(r), OWNER_FILE), mark);
    },
    cleanup: remove,
  },
  async fill(r) {
    for (let i = 0; i < 5; i++) await writeFile(join(dir(r), `object-${i}`), 'x');
  },
  // A root that is not there (a volume not mounted yet); the secret sits where a token would.
  unreachable: (secret) => ({ ...connection, settings: { root: join(root, 'not-mounted') }, secretData: { token: secret } }),
  invalidSpec: (r) => ({ ...r, spec: { ...r.spec, versioning: true } }),
  // The field walk: tags are walked; what a folder cannot do is refused or declared, each with why.
  fields: {
    values: {
      lifecycleRules: [[{ id: 'walk', expirationDays: 30 }]],
      policy: ['{"Statement":[]}'],
      corsRules: [[{ allowedMethods: ['GET'], allowedOrigins: ['*'] }]],
      logging: [{ targetBucket: 'logs' }],
      replication: [{ role: 'arn:aws:iam::123456789012:role/r', rules: [] }],
    },
    refused: {
      versioning: 'a folder keeps no object versions',
      encryption: 'a folder encrypts nothing',
      lifecycleRules: 'a folder expires nothing',
      policy: 'a folder serves no requests to authorize',
      corsRules: 'a folder serves no HTTP',
      website: 'a folder serves no HTTP',
      objectOwnership: 'a folder has no object ACLs',
      logging: 'a folder serves no requests to log',
      replication: 'a folder copies nothing elsewhere',
    },
    notSettings: {
      publicAccessBlock: 'a local folder is never public: there is nothing to block',
      emptyOnDelete: "what delete does (the case 'partial delete resumes')",
    },
  },
  skip: {
    'bad credentials are Terminal': 'a local folder takes no credentials',
  },
});
