import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { instanceId } from './state.ts';

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
