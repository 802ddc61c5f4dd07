// The conformance kit's public surface (`mooring/sdk/conformance`): one shared suite every
// adapter passes, run against the real backend, judged by an oracle that reads that backend
// directly. Usage: docs/plugins.md.
export { CASES } from './target.ts';
export type { CaseName, ConformanceTarget, FieldWalk, Found, Oracle } from './target.ts';
export { checkConformance, describeConformance, summary } from './run.ts';
export type { CaseResult } from './run.ts';
export { RuleBroken } from './drive.ts';
export { DNS_RECORD_VALUES, dnsRecordVariants } from './dns.ts';
