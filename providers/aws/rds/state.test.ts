import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSpec } from '../../../sdk/index.ts';
import { desiredInstance, diffInsights, diffInstance, insightsAtCreate, insightsChange, instanceId, observedInsights } from './state.ts';

describe('RDS instance identifiers', () => {
  const table: { reason: string; name: string; id: string | undefined }[] = [
    { reason: 'underscores become hyphens', name: 'orders_db', id: 'orders-db' },
    { reason: 'a plain name stays', name: 'orders', id: 'orders' },
    { reason: 'two separators in a row are refused', name: 'a__b', id: undefined },
    { reason: 'a trailing separator is refused', name: 'ab_', id: undefined },
    { reason: 'a leading underscore is refused', name: '_ab', id: undefined },
  ];
  for (const c of table) it(c.reason, () => assert.equal(instanceId(c.name), c.id));
});

describe('RDS instance differences', () => {
  const instance = { DBInstanceClass: 'db.t3.micro', AllocatedStorage: 20, BackupRetentionPeriod: 7, MultiAZ: false, PreferredBackupWindow: '13:14-13:44', PreferredMaintenanceWindow: 'Wed:06:38-Wed:07:08', DBParameterGroups: [{ DBParameterGroupName: 'default.postgres16' }] };
  const diff = (rds: Record<string, unknown>, live: Record<string, unknown> = {}) =>
    diffInstance(desiredInstance('db', parseSpec('Database', { providerConfigRef: { name: 'aws' }, rds })), { ...instance, ...live }).map((d) => d.path);

  it("leaves windows and the parameter group to RDS when the spec names none", () => assert.deepEqual(diff({}), []));
  it('compares the maintenance window as RDS answers it, in any case', () => assert.deepEqual(diff({ maintenanceWindow: 'wed:06:38-wed:07:08' }), []));
  it('finds Multi-AZ, windows and the parameter group the spec asks for', () => {
    assert.deepEqual(diff({ multiAZ: true, backupWindow: '03:00-03:30', maintenanceWindow: 'sun:05:00-sun:05:30', parameterGroupName: 'tuned' }), [
      'rds.multiAZ', 'rds.backupWindow', 'rds.maintenanceWindow', 'rds.parameterGroupName',
    ]);
  });
});

describe('RDS Performance Insights', () => {
  const spec = (performanceInsights?: Record<string, unknown>) => parseSpec('Database', { providerConfigRef: { name: 'aws' }, rds: { ...(performanceInsights ? { performanceInsights } : {}) } }).rds!.performanceInsights;
  const live = (on: boolean | undefined, retention?: number, key?: string) => ({
    ...(on === undefined ? {} : { PerformanceInsightsEnabled: on }),
    ...(retention === undefined ? {} : { PerformanceInsightsRetentionPeriod: retention }),
    ...(key === undefined ? {} : { PerformanceInsightsKMSKeyId: key }),
  });
  const paths = (want: ReturnType<typeof spec>, instance: ReturnType<typeof live>) => diffInsights(want, instance).map((d) => `${d.path}:${String(d.observed)}→${String(d.desired)}`);

  it('is no difference when the spec leaves it unset, whatever RDS reports', () => assert.deepEqual(paths(spec(), live(true, 731)), []));
  it('is no difference when the cloud reports nothing at all (the emulator), whatever the spec asks', () => {
    assert.deepEqual(paths(spec({ enabled: true, retentionDays: 93 }), live(undefined)), []);
    assert.deepEqual(observedInsights(spec({ enabled: true }), live(undefined)), { reported: false });
    assert.equal(observedInsights(spec(), live(undefined)), undefined, 'nothing to say when the spec asks nothing');
  });
  it('finds it turned off behind our back, and on when the spec says off', () => {
    assert.deepEqual(paths(spec({ enabled: true }), live(false)), ['rds.performanceInsights.enabled:false→true']);
    assert.deepEqual(paths(spec({ enabled: false }), live(true, 7)), ['rds.performanceInsights.enabled:true→false']);
  });
  it('compares the retention only when the spec names one', () => {
    assert.deepEqual(paths(spec({ enabled: true }), live(true, 731)), []);
    assert.deepEqual(paths(spec({ enabled: true, retentionDays: 62 }), live(true, 7)), ['rds.performanceInsights.retentionDays:7→62']);
    assert.deepEqual(paths(spec({ enabled: true, retentionDays: 62 }), live(true, 62, 'arn:aws:kms:eu-west-1:123456789012:key/other')), [], 'the key is never compared');
  });
  it('shows what RDS reports', () => {
    assert.deepEqual(observedInsights(spec(), live(true, 31, 'arn:k')), { reported: true, enabled: true, retentionDays: 31, kmsKeyId: 'arn:k' });
    assert.deepEqual(observedInsights(spec(), live(false, 7)), { reported: true, enabled: false });
  });
  it('sends at create only what the spec says', () => {
    assert.deepEqual(insightsAtCreate(spec()), {});
    assert.deepEqual(insightsAtCreate(spec({ enabled: false })), { EnablePerformanceInsights: false });
    assert.deepEqual(insightsAtCreate(spec({ enabled: true, retentionDays: 731, kmsKeyId: 'alias/pi' })), { EnablePerformanceInsights: true, PerformanceInsightsRetentionPeriod: 731, PerformanceInsightsKMSKeyId: 'alias/pi' });
  });
  it('modifies: turning on carries retention and key, a retention change keeps it on without the key, off is off', () => {
    const want = spec({ enabled: true, retentionDays: 93, kmsKeyId: 'alias/pi' });
    assert.deepEqual(insightsChange(want, new Set(['rds.performanceInsights.enabled'])), { EnablePerformanceInsights: true, PerformanceInsightsRetentionPeriod: 93, PerformanceInsightsKMSKeyId: 'alias/pi' });
    assert.deepEqual(insightsChange(want, new Set(['rds.performanceInsights.retentionDays'])), { EnablePerformanceInsights: true, PerformanceInsightsRetentionPeriod: 93 });
    assert.deepEqual(insightsChange(spec({ enabled: false }), new Set(['rds.performanceInsights.enabled'])), { EnablePerformanceInsights: false });
    assert.deepEqual(insightsChange(want, new Set(['rds.multiAZ'])), {}, 'nothing when it did not differ');
  });
  it('refuses what RDS would refuse', () => {
    const refused = (performanceInsights: Record<string, unknown>) => assert.throws(() => spec(performanceInsights), /performanceInsights/, JSON.stringify(performanceInsights));
    for (const days of [0, 8, 30, 94, 714, 732, 744]) refused({ enabled: true, retentionDays: days });
    refused({ enabled: false, retentionDays: 7 });
    refused({ enabled: false, kmsKeyId: 'alias/pi' });
    for (const days of [7, 31, 93, 341, 589, 713, 731]) assert.equal(spec({ enabled: true, retentionDays: days })?.retentionDays, days);
  });
});
