// The ProviderConfig kind (cluster-scoped): how to reach one cloud account or server. Managed
// resources name one in spec.providerConfigRef; src/operator/providers.ts reads it.
import { z } from 'zod';
import { DNS_LABEL, DNS_SUBDOMAIN, immutable, managedStatusFields, withRules } from './common.ts';

/** The ownership id when a ProviderConfig names none: marks read `mooring/<namespace>/<name>`. */
export const DEFAULT_OWNERSHIP_ID = 'mooring';

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
    maxConcurrent: z.number().int().positive().max(1_000).optional().describe('Most requests in flight at once to this account. Unset: no limit.'),
  })
  .describe('Per-account request limits, applied to every resource using this config.');

export const ProviderConfigSpec = z
  .object({
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
    ownershipId: withRules(
      z
        .string()
        .min(1)
        .max(32)
        .regex(DNS_LABEL, { message: 'must be 1-32 lowercase letters, digits and hyphens' }),
      [immutable('ownershipId')],
    )
      .default(DEFAULT_OWNERSHIP_ID)
      .describe(
        'Marks every external resource created through this config (`<ownershipId>/<namespace>/<name>`). Give each cluster its own; immutable, because changing it would disown everything already made.',
      ),
    settings: z
      .record(z.string().min(1).max(128), z.string().max(4096))
      .refine((s) => Object.keys(s).length <= 64, { message: 'at most 64 settings' })
      .meta({ maxProperties: 64 })
      .optional()
      .describe('Provider-specific settings as strings, such as forcePathStyle: "true" for aws against an emulator.'),
  })
  .describe('How to reach one cloud account or server.');
export type ProviderConfigSpec = z.output<typeof ProviderConfigSpec>;
export type ProviderConfigSpecInput = z.input<typeof ProviderConfigSpec>;

export const ProviderConfigStatus = z
  .object({ ...managedStatusFields })
  .describe('The observed state of the config: whether its credentials and endpoint work.');
export type ProviderConfigStatus = z.infer<typeof ProviderConfigStatus>;
