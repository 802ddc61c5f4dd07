// RDS Performance Insights as AWS keeps and reports it, which moto does not (it ignores the
// parameters and its DescribeDBInstances carries no PerformanceInsights* field): a ResponseRewrite
// for the fault proxy. It keeps, per instance, what CreateDBInstance and ModifyDBInstance asked
// for, refuses what RDS refuses (a retention RDS does not take, another key for Performance
// Insights already on), and writes the fields into every DBInstance the emulator answers with.
// `set` plays a change made behind the adapter's back (the console turning it off).
import { randomUUID } from 'node:crypto';
import type { ResponseRewrite } from './faultproxy.ts';

export interface InsightsState {
  enabled: boolean;
  retentionDays?: number | undefined;
  kmsKeyId?: string | undefined;
}

/** What RDS reports for an instance turned on without a key. */
export const DEFAULT_INSIGHTS_KEY = 'alias/aws/rds';
const RETENTION_DEFAULT = 7;
// Written out again, not imported from the schema: the cloud played here is the schema's witness.
const validRetention = (d: number) => d === 7 || d === 731 || (d >= 31 && d <= 713 && d % 31 === 0);

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** RDS's query-protocol error document. */
function rdsError(code: string, message: string): { status: number; body: string } {
  return {
    status: 400,
    body: `<?xml version="1.0"?>\n<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  };
}

const FIELDS = /<PerformanceInsights(?:Enabled|RetentionPeriod|KMSKeyId)>[^<]*<\/PerformanceInsights(?:Enabled|RetentionPeriod|KMSKeyId)>/g;

export class RdsInsights {
  private readonly state = new Map<string, InsightsState>();

  /** What the instance has now (off, as RDS reports an instance never turned on). */
  get(id: string): InsightsState {
    return this.state.get(id) ?? { enabled: false };
  }

  /** A change behind the adapter's back. */
  set(id: string, state: InsightsState): void {
    this.state.set(id, { ...state });
  }

  /** The hook to hand to `FaultProxy.setRewrite`. */
  readonly rewrite: ResponseRewrite = ({ action, request, status, body }) => {
    if (status !== 200 || !action.startsWith('rds:')) return undefined;
    const params = new URLSearchParams(request);
    const id = params.get('DBInstanceIdentifier') ?? '';
    if (action === 'rds:DeleteDBInstance') this.state.delete(id);
    if (action === 'rds:CreateDBInstance' || action === 'rds:ModifyDBInstance') {
      const refused = this.apply(id, params, action === 'rds:CreateDBInstance');
      if (refused) return refused;
    }
    if (!body.includes('<DBInstance>')) return undefined;
    return { status, body: this.report(body) };
  };

  /** Takes the request's Performance Insights parameters, as RDS would; an error answer when RDS would refuse them. */
  private apply(id: string, params: URLSearchParams, create: boolean): { status: number; body: string } | undefined {
    const before = create ? { enabled: false } : this.get(id);
    const enable = params.get('EnablePerformanceInsights');
    const retention = params.get('PerformanceInsightsRetentionPeriod');
    const key = params.get('PerformanceInsightsKMSKeyId') ?? undefined;
    if (retention !== null && !validRetention(Number(retention))) {
      return rdsError('InvalidParameterValue', `Invalid Performance Insights retention period: ${retention}. Valid values are 7, month * 31 (where month is 1-23), and 731.`);
    }
    const enabled = enable === null ? before.enabled : enable === 'true';
    if (!enabled) {
      this.state.set(id, { enabled: false, kmsKeyId: before.kmsKeyId });
      return undefined;
    }
    const kept = before.kmsKeyId;
    if (key !== undefined && kept !== undefined && key !== kept) {
      return rdsError('InvalidParameterCombination', 'You cannot change the KMS key for Performance Insights.');
    }
    this.state.set(id, { enabled: true, retentionDays: retention === null ? (before.retentionDays ?? RETENTION_DEFAULT) : Number(retention), kmsKeyId: key ?? kept ?? DEFAULT_INSIGHTS_KEY });
    return undefined;
  }

  /** Every DBInstance of the answer with the fields RDS reports. */
  private report(body: string): string {
    return body.replace(/<DBInstance>([\s\S]*?)<\/DBInstance>/g, (_, inner: string) => {
      const id = /<DBInstanceIdentifier>([^<]*)<\/DBInstanceIdentifier>/.exec(inner)?.[1] ?? '';
      const s = this.get(id);
      const fields = s.enabled
        ? `<PerformanceInsightsEnabled>true</PerformanceInsightsEnabled><PerformanceInsightsRetentionPeriod>${s.retentionDays ?? RETENTION_DEFAULT}</PerformanceInsightsRetentionPeriod><PerformanceInsightsKMSKeyId>${escapeXml(s.kmsKeyId ?? DEFAULT_INSIGHTS_KEY)}</PerformanceInsightsKMSKeyId>`
        : '<PerformanceInsightsEnabled>false</PerformanceInsightsEnabled>';
      return `<DBInstance>${inner.replace(FIELDS, '')}${fields}</DBInstance>`;
    });
  }
}
