// A Bucket kept as a folder: `<root>/<bucket name>/` holds the objects as files, beside two files
// of ours: `.mooring-owner` (the ownership mark) and `.mooring-tags.json` (spec.tags). The root
// folder is the ProviderConfig's `settings.root`. Replace the file system calls with your
// backend's API; keep the rules (written on ExternalClient in mooring/sdk) as they are.
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import {
  ProviderReason,
  RetryableError,
  TerminalError,
  type BucketAtProvider,
  type BucketSpec,
  type Connector,
  type DeleteResult,
  type ExternalClient,
  type ManagedResource,
  type Observation,
  type ProviderConnection,
} from 'mooring/sdk';

export const OWNER_FILE = '.mooring-owner';
export const TAGS_FILE = '.mooring-tags.json';
/** Objects removed per delete call: a big bucket is emptied over several calls, each one short. */
export const DELETE_BATCH = 2;

type Client = ExternalClient<BucketSpec, BucketAtProvider>;

export class DirectoryBucketConnector implements Connector<BucketSpec, BucketAtProvider> {
  async connect(connection: ProviderConnection): Promise<Client> {
    const root = connection.settings.root;
    if (!root || !isAbsolute(root)) {
      throw new TerminalError(ProviderReason.ProviderConfigInvalid, `ProviderConfig ${connection.name}: settings.root must be an absolute folder path`);
    }
    return new DirectoryBucketClient(root);
  }
}

/** Reachability, read-only: the root folder can be listed. */
export async function probeRoot(connection: ProviderConnection): Promise<string> {
  const root = connection.settings.root ?? '';
  try {
    return `root folder ${root} holds ${(await readdir(root)).length} entries`;
  } catch (err) {
    throw classify(err, `listing ${root}`);
  }
}

/** Turns a file system failure into the SDK's typed errors, decided once, here. */
function classify(err: unknown, what: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  // A root that is missing (a volume not mounted yet) or busy may come back: retry with backoff.
  if (code === 'ENOENT' || code === 'EBUSY' || code === 'EAGAIN' || code === 'EIO') return new RetryableError(ProviderReason.ProviderUnavailable, `${what}: ${code}`, { cause: err });
  if (code === 'EACCES' || code === 'EPERM') return new TerminalError(ProviderReason.AccessDenied, `${what}: permission denied`, { cause: err });
  return new RetryableError(ProviderReason.ProviderError, `${what}: ${code ?? (err as Error).message}`, { cause: err });
}

class DirectoryBucketClient implements Client {
  private readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  async observe(resource: ManagedResource<BucketSpec>): Promise<Observation<BucketAtProvider>> {
    await this.rootExists();
    const dir = this.dir(resource);
    if (!(await this.exists(dir))) return { exists: false, upToDate: false };
    const mark = await readFile(join(dir, OWNER_FILE), 'utf8').catch(() => undefined);
    const tags = await this.readTags(dir);
    const desired = resource.spec.tags ?? {};
    const upToDate = JSON.stringify(sorted(tags)) === JSON.stringify(sorted(desired));
    return {
      exists: true,
      upToDate,
      ownershipMark: mark?.trim() || undefined,
      atProvider: { arn: `file://${dir}` },
      ...(upToDate ? {} : { diff: [{ path: 'tags', observed: tags, desired }] }),
    };
  }

  async create(resource: ManagedResource<BucketSpec>): Promise<void> {
    this.refuseUnsupported(resource);
    await this.rootExists();
    const dir = this.dir(resource);
    // Already there: ours after a crash (carry on), or someone else's (refuse, touch nothing).
    const mark = await readFile(join(dir, OWNER_FILE), 'utf8').catch(() => undefined);
    if (mark !== undefined && mark.trim() !== resource.ownershipMark) {
      throw new TerminalError(ProviderReason.AlreadyOwned, `the bucket ${resource.externalName} is owned by ${mark.trim()}; it is left untouched`);
    }
    await this.write('create', () => mkdir(dir, { recursive: true }));
    // The mark first: a crash after it leaves a folder recognisably ours.
    await this.write('create', () => writeFile(join(dir, OWNER_FILE), resource.ownershipMark));
    await this.write('create', () => writeFile(join(dir, TAGS_FILE), JSON.stringify(resource.spec.tags ?? {})));
  }

  async update(resource: ManagedResource<BucketSpec>): Promise<void> {
    this.refuseUnsupported(resource);
    const dir = this.dir(resource);
    await this.write('update', () => writeFile(join(dir, OWNER_FILE), resource.ownershipMark));
    await this.write('update', () => writeFile(join(dir, TAGS_FILE), JSON.stringify(resource.spec.tags ?? {})));
  }

  async delete(resource: ManagedResource<BucketSpec>): Promise<DeleteResult> {
    const dir = this.dir(resource);
    if (!(await this.exists(dir))) return { done: true };
    const objects = (await this.write('delete', () => readdir(dir))).filter((f) => f !== OWNER_FILE && f !== TAGS_FILE);
    if (objects.length && !resource.spec.emptyOnDelete) {
      throw new TerminalError(ProviderReason.BucketNotEmpty, `the bucket ${resource.externalName} still holds ${objects.length} objects; set spec.emptyOnDelete: true to remove them`);
    }
    if (objects.length > DELETE_BATCH) {
      for (const f of objects.slice(0, DELETE_BATCH)) await this.write('delete', () => rm(join(dir, f), { force: true, recursive: true }));
      return { done: false, progress: `${objects.length - DELETE_BATCH} objects left` };
    }
    await this.write('delete', () => rm(dir, { force: true, recursive: true }));
    return { done: true };
  }

  async disconnect(): Promise<void> {}

  private dir(resource: ManagedResource<BucketSpec>): string {
    return join(this.root, resource.externalName);
  }

  private refuseUnsupported(resource: ManagedResource<BucketSpec>): void {
    if (resource.spec.versioning) throw new TerminalError(ProviderReason.InvalidSpec, 'spec.versioning: this provider keeps no object versions; set it to false');
    // Refused, never ignored: a field the spec sets and the backend cannot do must say so.
    if (resource.spec.encryption) throw new TerminalError(ProviderReason.InvalidSpec, 'spec.encryption: this provider encrypts nothing; remove it');
    if (resource.spec.lifecycleRules?.length) throw new TerminalError(ProviderReason.InvalidSpec, 'spec.lifecycleRules: this provider expires nothing; remove them');
    const access = (['policy', 'corsRules', 'website', 'objectOwnership', 'logging', 'replication'] as const).find((f) => resource.spec[f] !== undefined);
    if (access) throw new TerminalError(ProviderReason.InvalidSpec, `spec.${access}: a folder serves no HTTP and keeps no access settings; remove it`);
  }

  private async rootExists(): Promise<void> {
    await this.write('observe', () => stat(this.root));
  }

  private async exists(path: string): Promise<boolean> {
    return stat(path).then(() => true, () => false);
  }

  private async readTags(dir: string): Promise<Record<string, string>> {
    const text = await readFile(join(dir, TAGS_FILE), 'utf8').catch(() => '{}');
    try {
      return JSON.parse(text) as Record<string, string>;
    } catch {
      return {};
    }
  }

  private async write<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw classify(err, `${what} under ${this.root}`);
    }
  }
}

function sorted(tags: Record<string, string>): [string, string][] {
  return Object.entries(tags).sort(([a], [b]) => a.localeCompare(b));
}
