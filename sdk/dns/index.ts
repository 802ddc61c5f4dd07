// The DNS kit (`mooring/sdk` re-exports it): a DNSRecord provider on any DNS backend that
// implements the small port in port.ts. See docs/plugins.md, "A DNS provider on the kit".
export { DnsRecordConnector, DELETE_REQUEUE_MS, knownAnswers, type DnsKitOptions, type KnownQuestion } from './kit.ts';
export type { DnsBackend, DnsBackendFactory, DnsBatchOptions, Followed, HealthCheckSeen, HealthChecks } from './port.ts';
export { planChanges, cnameClash, type DnsChange, type DnsIntent, type PlanRules } from './plan.ts';
export { ZONE_DEFAULTS, ZoneDirectory, ZoneRecords, isZoneGone, type ListZone, type ListZones, type Zone, type ZoneRef } from './zones.ts';
export { DEFAULT_TTL, comparable, connectionDetails, desiredRecord, diffRecord, keyOf, recordKey, writeValue, type Alias, type DnsRecordSet, type Geolocation, type ZoneListing } from './records.ts';
export { OWNERSHIP_TTL, ownershipName, ownershipValue, parseOwnership, refuseReservedName } from './ownership.ts';
export { MAX_LABEL_OCTETS, MAX_NAME_OCTETS, absolute, canonical, inZone, labelOctets, nameTooLong, unescape, type EscapeSyntax } from './names.ts';
export { formatTxt, parseTxt } from './txt.ts';
export { Submissions, type Submission } from './submissions.ts';
