// The ProviderConfig kind (cluster-scoped): how to reach one cloud account or server. Managed
// resources name one in spec.providerConfigRef; src/operator/providers.ts reads it.
import * as z from 'zod';
import { DNS_LABEL, DNS_SUBDOMAIN, immutable, managedStatusFields, presenceFixed, withRules } from './common.ts';
import { issueLines } from './issues.ts';


export const ProviderType = z
  .string()
  .min(1)
  .max(63)
  .regex(DNS_LABEL, { message: 'must be a provider name: lowercase letters, digits and hyphens, such as aws or postgres' })
  .describe('The provider that serves this config, such as aws or postgres; plugins register more.');

export const SecretRef = z
  .object({
    namespace: z.string().min(1).max(63).regex(DNS_LABEL, { message: 'must be a namespace name' }).describe('Namespace of the Secret.'),
    name: z.string().min(1).max(253).regex(DNS_SUBDOMAIN, { message: 'must be a Secret name' }).describe('Name of the Secret.'),
  })
  .describe(
    'The Secret holding the credentials: accessKeyId, secretAccessKey and optionally sessionToken (the AWS CLI environment names work too).',
  );

/**
 * The one directory a ProviderConfig's `webIdentity.tokenFile` may name a file in: where EKS (IRSA)
 * projects the pod's web identity token. The file is sent to STS, so any other path would let
 * whoever writes a ProviderConfig send another file (the operator's own Kubernetes service-account
 * token) to the config's endpoint. Checked by the schema and again before connecting.
 */
export const WEB_IDENTITY_TOKEN_DIR = '/var/run/secrets/eks.amazonaws.com/serviceaccount/';
// Segments of one or more characters, none of them `.` or `..` (`..data`, the projected volume's
// own link, is fine). Go's regexp (the apiserver's) has no lookahead, hence the three branches.
export const TOKEN_FILE_PATTERN = /^\/var\/run\/secrets\/eks\.amazonaws\.com\/serviceaccount(\/([^/.\s][^/\s]*|\.[^/.\s][^/\s]*|\.\.[^/\s]+))+$/;

export const WebIdentity = z
  .object({
    roleArn: z
      .string()
      .max(2048)
      .regex(/^arn:[a-z0-9-]+:iam::[0-9]{12}:role\/[A-Za-z0-9+=,.@_/-]+$/, { message: 'must be an IAM role ARN such as arn:aws:iam::123456789012:role/mooring' })
      .describe('The IAM role to assume with the web identity token.'),
    tokenFile: z
      .string()
      .max(4096)
      .regex(TOKEN_FILE_PATTERN, { message: `must be a file in ${WEB_IDENTITY_TOKEN_DIR} without . or .. segments` })
      .optional()
      .describe(
        `Path of the projected service account token, a file in ${WEB_IDENTITY_TOKEN_DIR} (no other file: this one is sent to STS). Defaults to AWS_WEB_IDENTITY_TOKEN_FILE, as the pod sets it.`,
      ),
  })
  .describe('Assume a role with the pod’s projected service account token (IRSA and alike).');

export const CredentialsSource = z
  .enum(['Secret', 'Environment', 'WebIdentity'])
  .describe(
    "Secret reads keys from secretRef; Environment uses the SDK's default chain in the operator's pod; WebIdentity assumes webIdentity.roleArn.",
  );

export const Credentials = withRules(
  z.object({
    source: CredentialsSource,
    secretRef: SecretRef.optional(),
    webIdentity: WebIdentity.optional(),
  }),
  [
    {
      rule: "self.source != 'Secret' || has(self.secretRef)",
      message: 'source Secret requires secretRef',
      fieldPath: '.secretRef',
      reason: 'FieldValueRequired',
      holds: (c) => c.source !== 'Secret' || c.secretRef !== undefined,
    },
    {
      rule: "self.source != 'WebIdentity' || has(self.webIdentity)",
      message: 'source WebIdentity requires webIdentity',
      fieldPath: '.webIdentity',
      reason: 'FieldValueRequired',
      holds: (c) => c.source !== 'WebIdentity' || c.webIdentity !== undefined,
    },
    // A secretRef that is never read is a misconfiguration waiting to surprise someone.
    {
      rule: "self.source == 'Secret' || !has(self.secretRef)",
      message: 'secretRef is only read with source Secret',
      fieldPath: '.secretRef',
      reason: 'FieldValueForbidden',
      holds: (c) => c.source === 'Secret' || c.secretRef === undefined,
    },
    {
      rule: "self.source == 'WebIdentity' || !has(self.webIdentity)",
      message: 'webIdentity is only read with source WebIdentity',
      fieldPath: '.webIdentity',
      reason: 'FieldValueForbidden',
      holds: (c) => c.source === 'WebIdentity' || c.webIdentity === undefined,
    },
  ],
).describe('Where the operator finds credentials for this account.');

export const RateLimits = z
  .object({
    requestsPerSecond: z
      .number()
      .positive()
      .max(10_000)
      .optional()
      .describe('Most requests per second to this account, across all resources. Unset: only the limits the cloud itself sets.'),
    maxConcurrent: z.number().int().positive().max(1_000).optional().describe("Most requests in flight at once through this config, per API (the config's own, unlike the rate: another config on the account keeps its own). Unset: no limit."),
    resyncReadsPerSecond: z
      .number()
      .min(0)
      .max(10_000)
      .optional()
      .describe(
        'Most reads per second the drift checks (resyncs) of this account may cost, spread evenly over the resync period; 0: no budget. Unset: --resync-reads-per-second (5). Configs on one account share one budget: the lowest any of them sets. When it cannot cover every object once a period, the period stretches (metric mooring_resync_period_seconds).',
      ),
  })
  .describe('Per-account request limits, applied to every resource using this config.');

/** A Kubernetes label selector (matchLabels and matchExpressions), over Namespace labels. */
export const LabelSelector = z
  .object({
    matchLabels: z
      .record(z.string().min(1).max(317), z.string().max(63))
      .refine((m) => Object.keys(m).length <= 64, { message: 'at most 64 labels' })
      .meta({ maxProperties: 64 })
      .optional()
      .describe('Labels a namespace must carry, each with this value.'),
    matchExpressions: z
      .array(
        z.object({
          key: z.string().min(1).max(317).describe('The label key.'),
          operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']).describe('How the label is compared.'),
          values: z.array(z.string().max(63)).max(64).optional().describe('For In and NotIn: the values (non-empty); none for Exists and DoesNotExist.'),
        }),
      )
      .max(16)
      .optional()
      .describe('Requirements on labels, all of which must hold.'),
  })
  .describe('A label selector over Namespace objects. An empty selector ({}) matches every namespace.');

export const Grants = z
  .object({
    namespaces: z
      .array(z.string().min(1).max(63).regex(DNS_LABEL, { message: 'must be a namespace name' }))
      .max(256)
      .optional()
      .describe('Namespaces, by name, whose resources may use this config.'),
    namespaceSelector: LabelSelector.optional().describe(
      'Namespaces, by their labels, whose resources may use this config (labels on a Namespace are written by whoever may edit Namespaces, normally the platform team).',
    ),
  })
  .describe(
    'Which namespaces may use this config: those listed by name, and those whose labels match namespaceSelector. Unset or empty: none. A resource in any other namespace is refused (NotGranted) before any cloud call.',
  );
export type Grants = z.output<typeof Grants>;

const names = (what: string, max: number, item: z.ZodString) => z.array(item).max(max).optional().describe(what);

export const DnsPolicy = z
  .object({
    zones: names(
      'Hosted zones records may go into, by domain name (example.com) or by zone id (Z0123…), matched against the record’s spec.zone.name or spec.zone.id as written. Unset: every zone the credentials reach.',
      256,
      z.string().min(1).max(253),
    ),
    recordTypes: names('Record types a resource may create (A, CNAME, TXT …). Unset: every type the provider serves.', 32, z.string().min(1).max(16).regex(/^[A-Z0-9]+$/, { message: 'must be a record type such as A or TXT' })),
    apexNameServers: z
      .boolean()
      .default(false)
      .describe('Allow NS and SOA records at a zone apex (they decide who answers for the whole zone). A record named by FQDN in a zone given by id counts as the apex, since the operator cannot tell before asking the cloud.'),
  })
  .describe('What DNSRecords using this config may write.');

/**
 * Account-level assets (roles, keys, groups) a spec may name: each item an exact value, or a
 * prefix ending in one `*` that stands for the rest of one path segment (never a `/`).
 */
export const GRANTED_NAME = /^[^*]*\*?$/;
const granted = (what: string, example: string) =>
  names(
    `${what} a spec may name, each exactly as the spec writes it (${example}) or as a prefix ending in * (the * never matches a /; * alone: any). Unset or []: none; a spec naming one is refused before any cloud call.`,
    64,
    z.string().min(1).max(2048).regex(GRANTED_NAME, { message: 'must be a value, or a prefix ending in a single *' }),
  );

export const RdsPolicy = z
  .object({
    instanceClasses: names('Instance classes a Database may ask for (db.t4g.micro …). Unset: any.', 64, z.string().min(1).max(64)),
    maxAllocatedStorageGiB: z.number().int().min(20).max(65_536).optional().describe('The most storage one instance may ask for, in GiB. Unset: no limit but the schema’s.'),
    publiclyAccessible: z.boolean().default(false).describe('Allow spec.rds.publiclyAccessible: true (an instance with a public address).'),
    kmsKeys: granted('KMS keys (spec.rds.kmsKeyId, spec.rds.performanceInsights.kmsKeyId)', 'a key id, key ARN, alias/NAME or alias ARN'),
    parameterGroups: granted('DB parameter groups (spec.rds.parameterGroupName)', 'the group name'),
    subnetGroups: granted('DB subnet groups (spec.rds.subnetGroupName, also when it comes from subnetGroupNameFrom)', 'the group name'),
    securityGroups: granted('VPC security groups (spec.rds.securityGroupIds, also from securityGroupIdsFrom)', 'sg-0123456789abcdef0'),
  })
  .describe('What RDS Databases using this config may ask for, and which account-level keys and groups they may name.');

export const BucketPolicy = z
  .object({
    publicAccess: z
      .boolean()
      .default(false)
      .describe('Allow a Bucket to turn off any of its publicAccessBlock settings (all four are on by default). Off: a Bucket that turns one off is refused.'),
    replicationRoles: granted('IAM roles S3 replicates under (spec.replication.role, passed with the operator\'s iam:PassRole)', 'arn:aws:iam::123456789012:role/team-a-replication; grant roles by name prefix, role/team-a-*, not by path'),
    kmsKeys: granted('KMS keys for default encryption (spec.encryption.kmsKeyId)', 'a key id, key ARN, alias/NAME or alias ARN'),
  })
  .describe('Which protections Buckets using this config may relax, and which account-level roles and keys they may name.');

export const Policy = z
  .object({
    adoption: z
      .enum(['Forbidden', 'Allowed'])
      .default('Forbidden')
      .describe(
        'Allowed: a resource with spec.adopt: true may take over an existing asset this config reaches that carries no ownership mark. Forbidden (the default): never; such a resource is refused (AdoptionNotGranted).',
      ),
    dns: DnsPolicy.prefault({}),
    rds: RdsPolicy.prefault({}),
    buckets: BucketPolicy.prefault({}),
  })
  .describe('What resources using this config may do, checked before any cloud call; each refusal has its own reason.');
export type Policy = z.output<typeof Policy>;

export const ProviderConfigSpec = withRules(
  z.object({
    type: ProviderType,
    region: z
      .string()
      .min(1)
      .max(63)
      .regex(DNS_LABEL, { message: 'must be a region name such as eu-west-1' })
      .optional()
      .describe('The default region for resources that name none (aws: us-east-1 when unset).'),
    endpoint: withRules(z.url({ protocol: /^https?$/ }).max(2048), [
      {
        rule: "isURL(self) && url(self).getScheme() in ['http', 'https']",
        message: 'must be an http or https URL such as http://127.0.0.1:4566',
        // zod's z.url checks the same; the CEL rule exists for the apiserver.
      },
    ])
      .optional()
      .describe('Overrides the API endpoint, for an emulator such as LocalStack (http://127.0.0.1:4566) or a private endpoint.'),
    credentials: Credentials.default({ source: 'Environment' }),
    rateLimits: RateLimits.optional(),
    grants: Grants.optional(),
    policy: Policy.prefault({}),
    ownershipId: withRules(
      z
        .string()
        .min(1)
        .max(32)
        .regex(DNS_LABEL, { message: 'must be 1-32 lowercase letters, digits and hyphens' }),
      [immutable('ownershipId')],
    )
      .optional()
      .describe(
        'Begins the ownership mark of every external resource created through this config (`<ownershipId>/<namespace>/<name>/<uid>`). Unset: this cluster\'s own id, `mooring-` and the first 12 hex digits of the kube-system Namespace\'s uid, so two clusters never share one. Immutable (it can be neither set, removed nor changed after creation), because changing it would disown everything already made.',
      ),
    ownershipMarks: withRules(z.enum(['Readable', 'Hashed']), [immutable('ownershipMarks')])
      .default('Readable')
      .describe(
        'The form of ownership marks. Readable: `<ownershipId>/<namespace>/<name>/<uid>`. Hashed: `<ownershipId>/h/<keyed hash>`, an HMAC of namespace, name and uid under the operator\'s key, so a mark in a public DNS zone tells nothing of the cluster\'s namespaces and objects. Immutable: changing it would disown everything already made.',
      ),
    settings: z
      .record(z.string().min(1).max(128), z.string().max(4096))
      .refine((s) => Object.keys(s).length <= 64, { message: 'at most 64 settings' })
      .meta({ maxProperties: 64 })
      .optional()
      .describe('Provider-specific settings as strings, such as forcePathStyle: "true" for aws against an emulator.'),
  }),
  [presenceFixed('ownershipId', 'unset means this cluster\'s own id; setting or removing it would disown everything already made')],
).describe('How to reach one cloud account or server.');
export type ProviderConfigSpec = z.output<typeof ProviderConfigSpec>;
export type ProviderConfigSpecInput = z.input<typeof ProviderConfigSpec>;

/**
 * A ProviderConfig's spec as the apiserver holds it (absent: empty), parsed with defaults; or,
 * when it does not parse, each field at fault (`spec.credentials.secretRef: why`). The operator's
 * cache, `mooring doctor` and `mooring plan` all read a ProviderConfig through this.
 */
export function parseProviderConfigSpec(raw: unknown): { spec: ProviderConfigSpec; problems?: undefined } | { spec?: undefined; problems: string[] } {
  const parsed = ProviderConfigSpec.safeParse(raw ?? {});
  return parsed.success ? { spec: parsed.data } : { problems: issueLines(parsed.error.issues, 'spec') };
}

// Written by the operator's status checker (src/operator/config-status.ts): at start, on a change
// to the config or its Secret, every --provider-config-check-interval, and when a resource using
// the config fails on its credentials.
export const ProviderConfigStatus = z
  .object({
    conditions: managedStatusFields.conditions.describe(
      "Ready: whether the provider's identity call (aws: STS GetCallerIdentity; postgres: SELECT 1 as the admin; powerdns: the server's description) answered with these credentials; its reason is Reachable, or the failure's (InvalidCredentials, AccessDenied, CredentialsNotFound, ProviderUnavailable …).",
    ),
    observedGeneration: z.number().int().min(0).optional().describe('The metadata.generation the last check was made for.'),
    account: z.string().max(256).optional().describe('Who the credentials act as, from the last check that answered: aws the account id, postgres the admin role, powerdns the server id. Cleared when a check fails.'),
    endpoint: z.string().max(2048).optional().describe('Where the last check that answered went: an API endpoint URL or host:port. Cleared when a check fails.'),
    usedBy: z.number().int().min(0).optional().describe("How many managed objects (Buckets, DNSRecords, Databases) name this config in spec.providerConfigRef, in the namespaces the operator watches."),
    lastChecked: z.iso.datetime({ offset: true }).optional().describe('When the credentials and endpoint were last checked (RFC 3339).'),
  })
  .describe('The observed state of the config: whether its credentials and endpoint work, whom they reach, and how many objects use it.');
export type ProviderConfigStatus = z.infer<typeof ProviderConfigStatus>;
