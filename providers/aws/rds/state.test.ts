import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSpec } from '../../../sdk/index.ts';
import { desiredInstance, diffInstance, instanceId } from './state.ts';

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
