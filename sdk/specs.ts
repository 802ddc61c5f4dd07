// The per-kind specs as the operator hands them to adapters: validated, defaults applied. Test
// code (a conformance target) builds its resources' specs with parseSpec, as the reconciler does.
import { BucketSpec } from '../src/api/bucket.ts';
import { DatabaseSpec } from '../src/api/database.ts';
import { DNSRecordSpec } from '../src/api/dnsrecord.ts';
import { formatIssues } from '../src/api/issues.ts';

/** Each kind's spec schema (zod), as the reconciler parses it. */
export const SCHEMAS = { Bucket: BucketSpec, DNSRecord: DNSRecordSpec, Database: DatabaseSpec };

/** The spec type of each kind. */
export interface SpecOf {
  Bucket: BucketSpec;
  DNSRecord: DNSRecordSpec;
  Database: DatabaseSpec;
}

/**
 * A kind's spec from what a user would write (YAML's fields), validated with defaults applied.
 * @throws Error naming each field at fault
 */
export function parseSpec<K extends keyof SpecOf>(kind: K, input: unknown): SpecOf[K] {
  const parsed = SCHEMAS[kind].safeParse(input);
  if (!parsed.success) throw new Error(`invalid ${kind} spec: ${formatIssues(parsed.error.issues, 'spec')}`);
  return parsed.data as SpecOf[K];
}
