import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_INSIGHTS_KEY, RdsInsights } from './rds-insights.ts';

// The emulator's answers, as moto writes them: no PerformanceInsights* field.
const instance = (id: string) => `<DBInstance><DBInstanceIdentifier>${id}</DBInstanceIdentifier><DBInstanceStatus>available</DBInstanceStatus></DBInstance>`;
const describeAnswer = (...ids: string[]) => `<DescribeDBInstancesResponse><DescribeDBInstancesResult><DBInstances>${ids.map(instance).join('')}</DBInstances></DescribeDBInstancesResult></DescribeDBInstancesResponse>`;
const query = (params: Record<string, string>) => new URLSearchParams(params).toString();

function exchange(player: RdsInsights, action: string, params: Record<string, string>, body = describeAnswer(params.DBInstanceIdentifier ?? 'db')) {
  return player.rewrite({ action: `rds:${action}`, request: query({ Action: action, ...params }), status: 200, body });
}
const reported = (player: RdsInsights, ...ids: string[]) => exchange(player, 'DescribeDBInstances', {}, describeAnswer(...ids))!.body;

describe('RDS Performance Insights, played on the emulator', () => {
  it('reports an instance never turned on as off, as RDS does', () => {
    assert.match(reported(new RdsInsights(), 'a'), /<DBInstanceIdentifier>a<\/DBInstanceIdentifier>.*<PerformanceInsightsEnabled>false<\/PerformanceInsightsEnabled><\/DBInstance>/);
  });

  it('keeps what Create and Modify asked for, per instance, with the default retention and key', () => {
    const p = new RdsInsights();
    exchange(p, 'CreateDBInstance', { DBInstanceIdentifier: 'a', EnablePerformanceInsights: 'true' });
    exchange(p, 'CreateDBInstance', { DBInstanceIdentifier: 'b' });
    const both = reported(p, 'a', 'b');
    assert.match(both, new RegExp(`<DBInstanceIdentifier>a</DBInstanceIdentifier>.*<PerformanceInsightsEnabled>true</PerformanceInsightsEnabled><PerformanceInsightsRetentionPeriod>7</PerformanceInsightsRetentionPeriod><PerformanceInsightsKMSKeyId>${DEFAULT_INSIGHTS_KEY}</PerformanceInsightsKMSKeyId></DBInstance><DBInstance><DBInstanceIdentifier>b`));
    assert.match(both, /<DBInstanceIdentifier>b<\/DBInstanceIdentifier>.*<PerformanceInsightsEnabled>false</);
    exchange(p, 'ModifyDBInstance', { DBInstanceIdentifier: 'a', PerformanceInsightsRetentionPeriod: '93' });
    assert.deepEqual(p.get('a'), { enabled: true, retentionDays: 93, kmsKeyId: DEFAULT_INSIGHTS_KEY });
    exchange(p, 'ModifyDBInstance', { DBInstanceIdentifier: 'a', MultiAZ: 'true' });
    assert.equal(p.get('a').retentionDays, 93, 'a Modify without the parameters leaves them');
    exchange(p, 'DeleteDBInstance', { DBInstanceIdentifier: 'a' });
    assert.deepEqual(p.get('a'), { enabled: false }, 'a deleted instance is forgotten');
  });

  it('refuses what RDS refuses: another retention, another key while on', () => {
    const p = new RdsInsights();
    exchange(p, 'CreateDBInstance', { DBInstanceIdentifier: 'a', EnablePerformanceInsights: 'true', PerformanceInsightsKMSKeyId: 'alias/one' });
    const badRetention = exchange(p, 'ModifyDBInstance', { DBInstanceIdentifier: 'a', PerformanceInsightsRetentionPeriod: '94' });
    assert.equal(badRetention?.status, 400);
    assert.match(badRetention.body, /<Code>InvalidParameterValue<\/Code>/);
    const otherKey = exchange(p, 'ModifyDBInstance', { DBInstanceIdentifier: 'a', EnablePerformanceInsights: 'true', PerformanceInsightsKMSKeyId: 'alias/two' });
    assert.match(otherKey!.body, /<Code>InvalidParameterCombination<\/Code>/);
    exchange(p, 'ModifyDBInstance', { DBInstanceIdentifier: 'a', EnablePerformanceInsights: 'false' });
    assert.match(exchange(p, 'ModifyDBInstance', { DBInstanceIdentifier: 'a', EnablePerformanceInsights: 'true', PerformanceInsightsKMSKeyId: 'alias/two' })!.body, /InvalidParameterCombination/, 'the key stays with the instance');
    assert.equal(p.get('a').kmsKeyId, 'alias/one');
  });

  it('plays a change behind the adapter\'s back, replacing what the emulator might say, and leaves errors and other APIs alone', () => {
    const p = new RdsInsights();
    p.set('a', { enabled: false });
    const body = reported(p, 'a').replace('</DBInstance>', '<PerformanceInsightsEnabled>true</PerformanceInsightsEnabled></DBInstance>');
    const again = p.rewrite({ action: 'rds:DescribeDBInstances', request: '', status: 200, body })!.body;
    assert.equal(again.match(/<PerformanceInsightsEnabled>/g)?.length, 1);
    assert.equal(p.rewrite({ action: 'rds:DescribeDBInstances', request: '', status: 404, body: '<ErrorResponse/>' }), undefined);
    assert.equal(p.rewrite({ action: 's3', request: '', status: 200, body: '<DBInstance></DBInstance>' }), undefined);
  });
});
