import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forgivingBody, parseChanges, parseListingPage, refusal, type StrictRecordSet } from './route53-strict.ts';

const rs = (name: string, values: string[], ttl = '60', type = 'A'): StrictRecordSet => ({ name, type, setIdentifier: '', ttl, values });

describe('route53-strict', () => {
  it('reads changes and listing pages, names in canonical form and values unescaped', () => {
    const body =
      '<Changes><Change><Action>CREATE</Action><ResourceRecordSet><Name>\\052.Example.test</Name><Type>TXT</Type><TTL>300</TTL>' +
      '<ResourceRecords><ResourceRecord><Value>&quot;a&amp;b&quot;</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change></Changes>';
    assert.deepEqual(parseChanges(body), [{ action: 'CREATE', recordSet: { name: '*.example.test.', type: 'TXT', setIdentifier: '', ttl: '300', values: ['"a&b"'], alias: undefined } }]);
    const page = parseListingPage('<ResourceRecordSets></ResourceRecordSets><IsTruncated>true</IsTruncated><NextRecordName>b.</NextRecordName><NextRecordType>A</NextRecordType>');
    assert.deepEqual(page, { recordSets: [], next: { name: 'b.', type: 'A', id: undefined } });
  });

  const cases = [
    { reason: 'CREATE of what is not there', changes: [{ action: 'CREATE', recordSet: rs('b.', ['1']) }], refused: undefined },
    { reason: 'CREATE of what exists', changes: [{ action: 'CREATE', recordSet: rs('a.', ['9']) }], refused: /already exists/ },
    { reason: 'DELETE with the exact values (in another order)', changes: [{ action: 'DELETE', recordSet: rs('a.', ['2', '1']) }], refused: undefined },
    { reason: 'DELETE with another TTL', changes: [{ action: 'DELETE', recordSet: rs('a.', ['1', '2'], '300') }], refused: /do not match/ },
    { reason: 'DELETE then CREATE of one record set (a guarded replace)', changes: [{ action: 'DELETE', recordSet: rs('a.', ['1', '2']) }, { action: 'CREATE', recordSet: rs('a.', ['3']) }], refused: undefined },
    { reason: 'CREATE twice in one batch', changes: [{ action: 'CREATE', recordSet: rs('b.', ['1']) }, { action: 'CREATE', recordSet: rs('b.', ['1']) }], refused: /already exists/ },
    { reason: 'UPSERT of anything', changes: [{ action: 'UPSERT', recordSet: rs('a.', ['7']) }], refused: undefined },
  ];
  for (const c of cases) {
    it(`${c.refused ? 'refuses' : 'passes'} ${c.reason}`, () => {
      const why = refusal(c.changes, [rs('a.', ['1', '2'])]);
      if (c.refused) assert.match(why ?? '', c.refused);
      else assert.equal(why, undefined);
    });
  }

  it('forwards CREATE as UPSERT', () => {
    assert.equal(forgivingBody('<Action>CREATE</Action><Action>DELETE</Action>'), '<Action>UPSERT</Action><Action>DELETE</Action>');
  });
});
