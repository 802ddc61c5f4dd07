// The DNSRecord kind: one record set in a hosted zone (Route 53 today). Every rule on values is
// written once and checked twice: by the apiserver (CEL, naming the field) and by zod here.
import { isIPv6 } from 'node:net';
import * as z from 'zod';
import { immutable, managedSpecFields, managedStatusFields, withRules, type Rule } from './common.ts';
import { oneOfValueOrFrom, ValueFrom } from './references.ts';

export const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'TXT', 'MX', 'SRV', 'CAA', 'NS', 'PTR', 'DS', 'NAPTR', 'HTTPS', 'SVCB', 'SSHFP', 'TLSA', 'SPF'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

/** Route 53 allows 4,000 characters per value; TXT text is quoted and split, so it gets less. */
export const MAX_VALUE_LENGTH = 4000;
export const MAX_TXT_TEXT = 3800;
export const MAX_VALUES = 100;

// Patterns in RE2 and JavaScript alike (no lookarounds, no backslashes, so they sit in CEL strings as they are).
const LABEL = '[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?';
const DOMAIN = `(${LABEL}[.])*${LABEL}[.]?`;
const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const U16 = '[0-9]{1,5}';
export const PATTERNS = {
  recordName: `^(@|[*]|([*][.])?${DOMAIN})$`,
  domain: `^${DOMAIN}$`,
  ipv4: `^(${OCTET}[.]){3}${OCTET}$`,
  mx: `^${U16} (${DOMAIN}|[.])$`,
  srv: `^${U16} ${U16} ${U16} (${DOMAIN}|[.])$`,
  caa: `^[0-9]{1,3} [A-Za-z0-9]+ "[^"]*"$`,
  txt: '^[ -~]*$',
  ds: `^${U16} [0-9]{1,3} [0-9]{1,3} ([0-9A-Fa-f]{2})+$`,
  naptr: `^${U16} ${U16} "[A-Za-z0-9]*" "[^"]*" "[^"]*" (${DOMAIN}|[.])$`,
  svcb: `^${U16} (${DOMAIN}|[.])( [a-z0-9-]+(=("[^"]*"|[^ "]+))?)*$`,
  sshfp: '^[0-9]{1,3} [0-9]{1,3} ([0-9A-Fa-f]{2})+$',
  tlsa: '^[0-9]{1,3} [0-9]{1,3} [0-9]{1,3} ([0-9A-Fa-f]{2})+$',
  awsRegion: '^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$',
  country: '^([A-Z]{2}|[*])$',
  subdivision: '^[A-Z0-9]{1,3}$',
  zoneId: '^(/hostedzone/)?[A-Z0-9]{1,32}$',
};
const re = (pattern: string) => new RegExp(pattern);

/**
 * Labels of mooring's ownership namespace. The adapters name a record set's ownership record
 * `_mooring-<type>[-<set>].<name>`, with a leftmost `*` written `_wildcard`; a DNSRecord named
 * there could write (forge) the ownership record of a record set it does not own, and a second
 * DNSRecord would then take that set over. So no record name may have a label starting `_mooring`
 * (in any position: below one is inside the namespace too), nor a first label `_wildcard` (its
 * ownership record would be that of the wildcard `*.<rest>`). Checked on the name in lowercase,
 * as DNS compares names.
 */
export const OWNERSHIP_NAMESPACE = {
  /** Any label starting `_mooring`. */
  mooring: '(^|[.])_mooring',
  /** A first label `_wildcard`. */
  wildcard: '^_wildcard([.]|$)',
};

const reservedNameRules: Rule<string>[] = [
  {
    rule: `!self.lowerAscii().matches('${OWNERSHIP_NAMESPACE.mooring}')`,
    message:
      "must not have a label starting with _mooring: that is mooring's ownership namespace (each record set's ownership record is _mooring-<type>.<name>), reserved so no DNSRecord can forge another's ownership; choose another name",
    holds: (name) => !re(OWNERSHIP_NAMESPACE.mooring).test(name.toLowerCase()),
  },
  {
    rule: `!self.lowerAscii().matches('${OWNERSHIP_NAMESPACE.wildcard}')`,
    message:
      'must not start with the label _wildcard: the ownership record of the wildcard *.<rest> is named _mooring-<type>._wildcard.<rest>, so a record named _wildcard.<rest> would share it; choose another name',
    holds: (name) => !re(OWNERSHIP_NAMESPACE.wildcard).test(name.toLowerCase()),
  },
];

/** How values of each type are checked: a CEL test of `v` and the same test in JavaScript. */
const VALUE_CHECKS: Record<RecordType, { what: string; cel: string; holds: (v: string) => boolean }> = {
  A: { what: 'an IPv4 address such as 192.0.2.10', cel: `v.matches('${PATTERNS.ipv4}')`, holds: (v) => re(PATTERNS.ipv4).test(v) },
  // The apiserver's ip() refuses zones and IPv4-mapped forms; so does the JavaScript side.
  AAAA: { what: 'an IPv6 address such as 2001:db8::10', cel: 'isIP(v) && ip(v).family() == 6', holds: (v) => isIPv6(v) && !v.includes('%') && !v.includes('.') },
  CNAME: { what: 'a domain name', cel: `v.matches('${PATTERNS.domain}')`, holds: (v) => re(PATTERNS.domain).test(v) },
  NS: { what: 'a domain name', cel: `v.matches('${PATTERNS.domain}')`, holds: (v) => re(PATTERNS.domain).test(v) },
  MX: { what: '"<priority> <mail server>", such as 10 mail.example.com', cel: `v.matches('${PATTERNS.mx}')`, holds: (v) => re(PATTERNS.mx).test(v) },
  SRV: { what: '"<priority> <weight> <port> <target>", such as 10 5 5060 sip.example.com', cel: `v.matches('${PATTERNS.srv}')`, holds: (v) => re(PATTERNS.srv).test(v) },
  CAA: { what: '<flags> <tag> "<value>", such as 0 issue "letsencrypt.org"', cel: `v.matches('${PATTERNS.caa}')`, holds: (v) => re(PATTERNS.caa).test(v) },
  PTR: { what: 'a domain name', cel: `v.matches('${PATTERNS.domain}')`, holds: (v) => re(PATTERNS.domain).test(v) },
  DS: { what: '"<key tag> <algorithm> <digest type> <hex digest>", such as 12345 13 2 49FD46E6...', cel: `v.matches('${PATTERNS.ds}')`, holds: (v) => re(PATTERNS.ds).test(v) },
  NAPTR: {
    what: '"<order> <preference> "<flags>" "<services>" "<regexp>" <replacement>", such as 100 10 "S" "SIP+D2U" "" _sip._udp.example.com',
    cel: `v.matches('${PATTERNS.naptr}')`,
    holds: (v) => re(PATTERNS.naptr).test(v),
  },
  HTTPS: { what: '"<priority> <target> [key=value ...]", such as 1 . alpn="h2,h3"', cel: `v.matches('${PATTERNS.svcb}')`, holds: (v) => re(PATTERNS.svcb).test(v) },
  SVCB: { what: '"<priority> <target> [key=value ...]", such as 1 svc.example.com port=8443', cel: `v.matches('${PATTERNS.svcb}')`, holds: (v) => re(PATTERNS.svcb).test(v) },
  SSHFP: { what: '"<algorithm> <fingerprint type> <hex fingerprint>", such as 4 2 123456789abcdef6...', cel: `v.matches('${PATTERNS.sshfp}')`, holds: (v) => re(PATTERNS.sshfp).test(v) },
  TLSA: { what: '"<usage> <selector> <matching type> <hex data>", such as 3 1 1 0123456789abcdef...', cel: `v.matches('${PATTERNS.tlsa}')`, holds: (v) => re(PATTERNS.tlsa).test(v) },
  SPF: {
    what: `printable ASCII text of at most ${MAX_TXT_TEXT} characters, unquoted, such as v=spf1 -all (mooring quotes it like TXT)`,
    cel: `v.size() <= ${MAX_TXT_TEXT} && v.matches('${PATTERNS.txt}')`,
    holds: (v) => v.length <= MAX_TXT_TEXT && re(PATTERNS.txt).test(v),
  },
  TXT: {
    what: `printable ASCII text of at most ${MAX_TXT_TEXT} characters, unquoted (mooring quotes it and splits it into 255-character strings)`,
    cel: `v.size() <= ${MAX_TXT_TEXT} && v.matches('${PATTERNS.txt}')`,
    holds: (v) => v.length <= MAX_TXT_TEXT && re(PATTERNS.txt).test(v),
  },
};

const valueRules: Rule<DNSRecordSpecShape>[] = RECORD_TYPES.map((type) => ({
  rule: `self.type != '${type}' || !has(self.values) || self.values.all(v, ${VALUE_CHECKS[type].cel})`,
  message: `${type} values must each be ${VALUE_CHECKS[type].what}`,
  fieldPath: '.values',
  holds: (s) => s.type !== type || !s.values || s.values.every(VALUE_CHECKS[type].holds),
}));

export const ZoneRef = withRules(
  z.object({
    id: withRules(z.string().max(64).regex(re(PATTERNS.zoneId), { message: 'must be a hosted zone id such as Z0123456789ABCDEFGHIJ' }), [immutable('zone.id')])
      .optional()
      .describe('The hosted zone id.'),
    name: withRules(z.string().min(1).max(253).regex(re(PATTERNS.domain), { message: 'must be a domain name such as example.com' }), [immutable('zone.name')])
      .optional()
      .describe('The hosted zone by its domain name, looked up (and cached) when no id is given. It must match exactly one public or private zone.'),
  }),
  [
    {
      rule: 'has(self.id) != has(self.name)',
      message: 'give exactly one of zone.id or zone.name',
      holds: (z) => (z.id === undefined) !== (z.name === undefined),
    },
  ],
).describe('The hosted zone the record lives in; immutable.');

export const AliasTarget = withRules(
  z.object({
    dnsName: z
      .string()
      .min(1)
      .max(253)
      .regex(re(PATTERNS.domain), { message: 'must be a domain name' })
      .optional()
      .describe('The DNS name of the target (a load balancer, a CloudFront distribution, another record). Exactly one of dnsName or dnsNameFrom.'),
    dnsNameFrom: ValueFrom.optional().describe('The DNS name of the target from elsewhere in this namespace (another record\'s fqdn, a Bucket\'s regionalDomainName, a ConfigMap key); see docs/references.md.'),
    hostedZoneId: z.string().max(64).regex(re(PATTERNS.zoneId), { message: 'must be a hosted zone id' }).describe("The target's hosted zone id (for AWS services, the service's own zone id)."),
    evaluateTargetHealth: z.boolean().default(false).describe('Answer only while the target is healthy.'),
  }),
  [oneOfValueOrFrom('dnsName', true)],
).describe('An alias to an AWS resource or another record; exclusive with values and ttl.');

const setIdentifier = (block: string) =>
  withRules(z.string().min(1).max(128), [immutable(`${block}.setIdentifier`)]).describe('Names this record set among those sharing its name and type; immutable.');

export const Weighted = z
  .object({
    setIdentifier: setIdentifier('weighted'),
    weight: z.number().int().min(0).max(255).describe('Its share of answers: weight / sum of weights (0 = none while others have weight).'),
  })
  .describe('Weighted routing: several record sets share a name and type, each answering by weight.');

export const Failover = z
  .object({
    setIdentifier: setIdentifier('failover'),
    role: z.enum(['PRIMARY', 'SECONDARY']).describe('PRIMARY answers while healthy; SECONDARY answers when the primary is not.'),
  })
  .describe('Failover routing (Route 53): a PRIMARY and a SECONDARY record set share a name and type; give the primary a healthCheck.');

export const Latency = z
  .object({
    setIdentifier: setIdentifier('latency'),
    region: z.string().max(32).regex(re(PATTERNS.awsRegion), { message: 'must be an AWS region such as eu-west-1' }).describe('The AWS region this record set answers for: resolvers nearest to it (by latency) get it.'),
  })
  .describe('Latency routing (Route 53): each record set of a name and type names a region; the lowest-latency one answers.');

export const CONTINENTS = ['AF', 'AN', 'AS', 'EU', 'NA', 'OC', 'SA'] as const;

export const Geolocation = withRules(
  z.object({
    setIdentifier: setIdentifier('geolocation'),
    continent: z.enum(CONTINENTS).optional().describe('A continent code (AF, AN, AS, EU, NA, OC, SA); exclusive with country.'),
    country: z.string().max(2).regex(re(PATTERNS.country), { message: 'must be an ISO 3166 two-letter country code such as DE, or * for the default' }).optional().describe('An ISO 3166 country code such as DE, or * for every location no other record set covers; exclusive with continent.'),
    subdivision: z.string().max(3).regex(re(PATTERNS.subdivision), { message: 'must be a subdivision code such as CA' }).optional().describe('A subdivision of the country (US states such as CA; Route 53 knows them for a few countries); needs country.'),
  }),
  [
    { rule: 'has(self.continent) != has(self.country)', message: 'give exactly one of geolocation.continent or geolocation.country', holds: (g) => (g.continent === undefined) !== (g.country === undefined) },
    { rule: "!has(self.subdivision) || (has(self.country) && self.country != '*')", message: 'geolocation.subdivision needs a geolocation.country (not *)', fieldPath: '.subdivision', holds: (g) => g.subdivision === undefined || (g.country !== undefined && g.country !== '*') },
  ],
).describe("Geolocation routing (Route 53): answers by the resolver's location, a continent or a country (and subdivision).");

export const MultiValue = z
  .object({ setIdentifier: setIdentifier('multivalue') })
  .describe('Multivalue answer routing (Route 53): up to eight healthy record sets of a name and type answer together; give each a healthCheck.');

/** Route 53 checks every 10 or 30 seconds. */
export const HEALTH_CHECK_INTERVALS = [10, 30] as const;

export const HealthCheck = withRules(
  z.object({
    protocol: z.enum(['HTTP', 'HTTPS', 'TCP']).describe('How the endpoint is checked. Route 53 cannot change a check\'s type: mooring replaces the check (a new one, then the old one deleted).'),
    ipAddress: z.string().max(15).regex(re(PATTERNS.ipv4), { message: 'must be an IPv4 address' }).optional().describe('The address checked; without it, fqdn is resolved and checked. Adding or removing it replaces the check.'),
    fqdn: z.string().max(255).regex(re(PATTERNS.domain), { message: 'must be a domain name' }).optional().describe('The host name checked (and sent as Host and SNI).'),
    port: z.number().int().min(1).max(65535).optional().describe('The port; default 80 for HTTP and TCP, 443 for HTTPS.'),
    path: z.string().max(255).regex(/^\/[ -~]*$/, { message: 'must start with /' }).optional().describe('The HTTP(S) path requested; HTTP and HTTPS only.'),
    requestInterval: z.union([z.literal(10), z.literal(30)]).default(30).describe('Seconds between checks, 10 or 30. Route 53 cannot change it: mooring replaces the check.'),
    failureThreshold: z.number().int().min(1).max(10).default(3).describe('Consecutive failures (or successes) that change the health status.'),
  }),
  [
    { rule: 'has(self.ipAddress) || has(self.fqdn)', message: 'give healthCheck.ipAddress or healthCheck.fqdn (or both)', holds: (h) => h.ipAddress !== undefined || h.fqdn !== undefined },
    { rule: "!has(self.path) || self.protocol != 'TCP'", message: 'a TCP health check has no path', fieldPath: '.path', holds: (h) => h.path === undefined || h.protocol !== 'TCP' },
  ],
).describe(
  'A Route 53 health check this record set answers by (meaningful with failover, multivalue, weighted, latency and geolocation routing). ' +
    'mooring creates it, tags it with the ownership mark, keeps its settings true and deletes it with the record; a DNSRecord can name no other check. Give ipAddress or fqdn.',
);
export type HealthCheck = z.output<typeof HealthCheck>;

/** The routing blocks, at most one per record; each fixes the set identifier, part of the record set's identity. */
export const ROUTING_POLICIES = ['weighted', 'failover', 'latency', 'geolocation', 'multivalue'] as const;
export type RoutingPolicy = (typeof ROUTING_POLICIES)[number];

const DNSRecordSpecObject = z.object({
  ...managedSpecFields,
  zone: ZoneRef,
  name: withRules(z.string().min(1).max(253).regex(re(PATTERNS.recordName), { message: 'must be @ (the zone apex), a name relative to the zone such as www, or a fully qualified name ending in a dot' }), [
    immutable('name'),
    ...reservedNameRules,
  ]).describe(
    'The record name: @ for the zone apex, relative to the zone (www, *.apps), or fully qualified with a trailing dot. Case does not matter. ' +
      "No label may start with _mooring, nor the first be _wildcard (mooring's ownership records live there). Immutable.",
  ),
  type: withRules(z.enum(RECORD_TYPES), [immutable('type')]).describe('The record type; immutable.'),
  ttl: z.number().int().min(0).max(2147483647).optional().describe('Seconds resolvers may cache the answer; default 300. Not with alias.'),
  values: z
    .array(z.string().min(1).max(MAX_VALUE_LENGTH))
    .min(1)
    .max(MAX_VALUES)
    .refine((v) => new Set(v).size === v.length, { message: 'values must be unique' })
    .meta({ 'x-kubernetes-list-type': 'set' })
    .optional()
    .describe('The values, each as the type writes it (an address, a host name, "10 mail.example.com", plain TXT text).'),
  valuesFrom: z
    .array(ValueFrom)
    .min(1)
    .max(MAX_VALUES)
    .optional()
    .describe(
      'The values from elsewhere in this namespace, one each: a status field of another mooring object (a Database\'s address, a Bucket\'s regionalDomainName, ' +
        'a DNSRecord\'s fqdn), a ConfigMap key or a Secret key. Resolved before any cloud call, checked as values are; see docs/references.md.',
    ),
  alias: AliasTarget.optional(),
  weighted: Weighted.optional(),
  failover: Failover.optional(),
  latency: Latency.optional(),
  geolocation: Geolocation.optional(),
  multivalue: MultiValue.optional(),
  healthCheck: HealthCheck.optional(),
});
type DNSRecordSpecShape = z.output<typeof DNSRecordSpecObject>;

/** The zone apex written as the user may: @, the zone name, with or without the trailing dot. */
const APEX_CEL =
  "self.name == '@' || (has(self.zone.name) && (self.name.lowerAscii() == self.zone.name.lowerAscii() || self.name.lowerAscii() == self.zone.name.lowerAscii() + '.' || self.name.lowerAscii() + '.' == self.zone.name.lowerAscii()))";

export const DNSRecordSpec = withRules(DNSRecordSpecObject, [
  {
    rule: '(has(self.values) ? 1 : 0) + (has(self.valuesFrom) ? 1 : 0) + (has(self.alias) ? 1 : 0) == 1',
    message: 'give exactly one of values, valuesFrom or alias',
    fieldPath: '.values',
    reason: 'FieldValueRequired',
    holds: (s) => [s.values, s.valuesFrom, s.alias].filter((x) => x !== undefined).length === 1,
  },
  {
    rule: "self.type != 'CNAME' || ((!has(self.values) || size(self.values) == 1) && (!has(self.valuesFrom) || size(self.valuesFrom) == 1))",
    message: 'a CNAME has exactly one value',
    fieldPath: '.values',
    holds: (s) => s.type !== 'CNAME' || ((!s.values || s.values.length === 1) && (!s.valuesFrom || s.valuesFrom.length === 1)),
  },
  {
    rule: `self.type != 'CNAME' || !(${APEX_CEL})`,
    message: 'a CNAME cannot sit at the zone apex (DNS allows no other record beside a CNAME, and the apex has SOA and NS)',
    fieldPath: '.name',
    holds: (s) => s.type !== 'CNAME' || !isApexSpec(s),
  },
  {
    rule: "!has(self.alias) || self.type in ['A', 'AAAA', 'CNAME']",
    message: 'an alias is an A, AAAA or CNAME record',
    fieldPath: '.type',
    holds: (s) => !s.alias || ['A', 'AAAA', 'CNAME'].includes(s.type),
  },
  {
    rule: '!has(self.alias) || !has(self.ttl)',
    message: 'an alias takes the TTL of its target; remove ttl',
    fieldPath: '.ttl',
    reason: 'FieldValueForbidden',
    holds: (s) => !s.alias || s.ttl === undefined,
  },
  {
    rule: "!has(self.zone.name) || !self.name.endsWith('.') || self.name.lowerAscii() == (self.zone.name.endsWith('.') ? self.zone.name : self.zone.name + '.').lowerAscii() || self.name.lowerAscii().endsWith('.' + (self.zone.name.endsWith('.') ? self.zone.name : self.zone.name + '.').lowerAscii())",
    message: 'a fully qualified name must lie in the zone',
    fieldPath: '.name',
    holds: (s) => !s.zone.name || !s.name.endsWith('.') || inZone(fqdn(s.name, s.zone.name), canonical(s.zone.name)),
  },
  ...valueRules,
  {
    rule: `${ROUTING_POLICIES.map((p) => `(has(self.${p}) ? 1 : 0)`).join(' + ')} <= 1`,
    message: `give at most one routing policy (${ROUTING_POLICIES.join(', ')})`,
    fieldPath: '.weighted',
    reason: 'FieldValueForbidden' as const,
    holds: (s) => ROUTING_POLICIES.filter((p) => s[p] !== undefined).length <= 1,
  },
  {
    rule: '!has(self.alias) || !has(self.multivalue)',
    message: 'a multivalue answer record set holds values, not an alias',
    fieldPath: '.multivalue',
    reason: 'FieldValueForbidden' as const,
    holds: (s) => !s.alias || !s.multivalue,
  },
  // `self == oldSelf` on a field runs only when both versions have it; these catch adding and removing.
  ...ROUTING_POLICIES.map((p) => ({
    rule: `has(self.${p}) == has(oldSelf.${p})`,
    message: `${p} routing cannot be added or removed (the set identifier is part of the record set’s identity); create another DNSRecord`,
    fieldPath: `.${p}`,
    reason: 'FieldValueForbidden' as const,
  })),
  {
    rule: 'has(self.zone.id) == has(oldSelf.zone.id)',
    message: 'zone is immutable',
    fieldPath: '.zone',
    reason: 'FieldValueForbidden',
  },
]).describe('The desired record set.');
export type DNSRecordSpec = z.output<typeof DNSRecordSpec>;
export type DNSRecordSpecInput = z.input<typeof DNSRecordSpec>;

export const DNSRecordAtProvider = z
  .object({
    hostedZoneId: z.string().optional().describe('The hosted zone id.'),
    fqdn: z.string().optional().describe('The fully qualified record name.'),
    changeId: z.string().optional().describe('The last Route 53 change that wrote this record.'),
    changeStatus: z.string().optional().describe('PENDING until Route 53 has applied the change on all its servers, then INSYNC.'),
    deletion: z.string().optional().describe('Progress of a delete.'),
    healthCheckId: z.string().optional().describe('The Route 53 health check the record set names (spec.healthCheck), as listed.'),
  })
  .loose()
  .describe('What the cloud reports about the record set.');
export type DNSRecordAtProvider = z.infer<typeof DNSRecordAtProvider>;

export const DNSRecordStatus = z
  .object({ ...managedStatusFields, atProvider: DNSRecordAtProvider.optional() })
  .describe('The observed state of the record set.');

// ---------------------------------------------------------------------------------------------
// Names. DNS names compare case-insensitively; Route 53 answers lowercase with a trailing dot.

/** Lowercase with exactly one trailing dot: `Example.COM` → `example.com.`. */
export function canonical(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

/** The fully qualified name of a record name given as the spec allows (@, relative, absolute). */
export function fqdn(name: string, zoneName: string): string {
  const zone = canonical(zoneName);
  if (name === '@') return zone;
  if (name.endsWith('.')) return name.toLowerCase();
  return `${name.toLowerCase()}.${zone}`;
}

export function inZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

function isApexSpec(s: DNSRecordSpecShape): boolean {
  if (s.name === '@') return true;
  return s.zone.name !== undefined && canonical(s.name) === canonical(s.zone.name);
}

/**
 * The identity two DNSRecords may not share, and the claim key: zone, name, type and set
 * identifier. The name is made absolute when the zone is given by name; with a zone id it stays
 * as written (two spellings of one name are then caught by the ownership record instead).
 */
export function recordIdentity(spec: Pick<DNSRecordSpec, 'zone' | 'name' | 'type' | RoutingPolicy>): string {
  const zone = spec.zone.name !== undefined ? canonical(spec.zone.name) : `id:${spec.zone.id!.replace(/^\/hostedzone\//, '')}`;
  const name = spec.zone.name !== undefined ? fqdn(spec.name, spec.zone.name) : spec.name.toLowerCase();
  const id = setIdentifierOf(spec);
  const set = id !== undefined ? ` set ${id}` : '';
  return `${spec.type} ${name}${set} in zone ${zone}`;
}

/** The set identifier of the record's routing policy, if it has one. */
export function setIdentifierOf(spec: Pick<DNSRecordSpec, RoutingPolicy>): string | undefined {
  for (const p of ROUTING_POLICIES) if (spec[p]) return spec[p].setIdentifier;
  return undefined;
}
