// Forged DNS ownership (issue 15, item 3), on the real stack, for Route 53 (the emulator) and
// PowerDNS (pdns_server) alike. The attack: a DNSRecord named in the ownership namespace
// (`_mooring-a.www`, a TXT record) writes the ownership record of a record set it does not own,
// holding the mark of a second DNSRecord of its own, which then "owns" and rewrites that record
// set; the same with `_mooring-ns` for the zone's apex NS, and `_wildcard.apps` (whose ownership
// record was that of `*.apps`). Each step is tried as a tenant would try it; an oracle outside the
// operator (Route 53's API on the emulator, PowerDNS's HTTP API) reads the whole zone before and
// after, and nothing may have changed. The adapters' own refusal (for objects that skip the
// schema, which the apiserver never stores) is unit-tested with fakes beside each adapter.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateHostedZoneCommand, ListResourceRecordSetsCommand, Route53Client, type ResourceRecordSet } from '@aws-sdk/client-route-53';
import type { KubeConfig } from '@kubernetes/client-node';
import powerdns from '../../providers/powerdns/index.ts';
import { ensurePdnsZone } from '../../src/stack/pdns.ts';
import {
  condition, createNamespace, emulatorClientConfig, eventually, emulatorProviderConfig, installCrds, kubeConfig, objects, powerdnsProviderConfig, uniq, waiters,
  markOf,
} from '../support/kube.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { useStack } from '../support/stack.ts';

const stack = useStack(['kube', 'aws', 'pdns']);
let kc: KubeConfig;
let ns: string;
let operator: RunningOperator;
let r53: Route53Client;
const records = () => objects(kc, 'dnsrecords');
const wait = () => waiters(kc, 'dnsrecords', ns);

before(async () => {
  await stack.ready();
  kc = kubeConfig(stack());
  await installCrds(kc);
  ns = await createNamespace(kc);
  r53 = new Route53Client(emulatorClientConfig(stack()));
  operator = await startOperator(stack(), { namespace: ns, resyncSeconds: 3, backoffBaseMs: 500, plugins: [powerdns] });
});
after(async () => {
  await operator?.stop();
  r53?.destroy();
});

// --- the oracles: each zone read whole, straight from the backend -------------------------------

/** One line per record set, `name type [set] ttl value…`, sorted: two reads compare with deepEqual. */
type Snapshot = string[];

async function route53Zone(zoneId: string): Promise<Snapshot> {
  const out: ResourceRecordSet[] = [];
  let start: { StartRecordName?: string; StartRecordType?: never; StartRecordIdentifier?: string } = {};
  for (;;) {
    const page = await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, MaxItems: 300, ...start }));
    out.push(...(page.ResourceRecordSets ?? []));
    if (!page.IsTruncated) break;
    start = { StartRecordName: page.NextRecordName!, StartRecordType: page.NextRecordType as never, ...(page.NextRecordIdentifier ? { StartRecordIdentifier: page.NextRecordIdentifier } : {}) };
  }
  return out
    .map((s) => [s.Name?.replace(/\\052/g, '*'), s.Type, s.SetIdentifier ?? '', s.TTL ?? '', ...(s.ResourceRecords ?? []).map((r) => r.Value).sort(), s.AliasTarget?.DNSName ?? ''].join(' '))
    .sort();
}

async function powerdnsZone(zone: string): Promise<Snapshot> {
  const { apiUrl, apiKey } = stack().pdns!;
  const res = await fetch(`${apiUrl}/api/v1/servers/localhost/zones/${zone}`, { headers: { 'X-API-Key': apiKey } });
  assert.ok(res.ok, `PowerDNS GET zone ${zone}: HTTP ${res.status}`);
  const { rrsets } = (await res.json()) as { rrsets: { name: string; type: string; ttl: number; records: { content: string }[] }[] };
  return rrsets.map((s) => [s.name, s.type, s.ttl, ...s.records.map((r) => r.content).sort()].join(' ')).sort();
}

const line = (snapshot: Snapshot, name: string, type: string) => snapshot.filter((l) => l.startsWith(`${name} ${type} `));

// --- the attack, the same on each backend ---------------------------------------------------------

interface Backend {
  label: string;
  /** Makes a fresh zone; returns its oracle read. */
  zone(name: string): Promise<() => Promise<Snapshot>>;
  providerConfig(): Promise<string>;
}

const backends: Backend[] = [
  {
    label: 'Route 53',
    zone: async (name) => {
      const z = await r53.send(new CreateHostedZoneCommand({ Name: name, CallerReference: uniq('ref') }));
      const id = z.HostedZone!.Id!.replace('/hostedzone/', '');
      return () => route53Zone(id);
    },
    providerConfig: () => emulatorProviderConfig(kc, stack(), uniq('r53')),
  },
  {
    label: 'PowerDNS',
    zone: async (name) => {
      await ensurePdnsZone(stack().pdns!, name);
      return () => powerdnsZone(name);
    },
    providerConfig: () => powerdnsProviderConfig(kc, stack(), uniq('pdns')),
  },
];

for (const backend of backends) {
  describe(`forged DNS ownership on ${backend.label}`, () => {
    const zone = `${uniq('own')}.test.`;
    const tag = backend.label === 'Route 53' ? 'r' : 'p';
    const name = (n: string) => `${tag}-${n}`;
    // What an attacker would write: its own object's mark, as it guesses it (refused by name anyway).
    const mark = (object: string) => `mooring/${ns}/${object}`;
    let pc: string;
    let read: () => Promise<Snapshot>;
    let untouched: Snapshot;
    const spec = (recordName: string, type: string, rest: Record<string, unknown>) => ({ providerConfigRef: { name: pc }, zone: { name: zone }, name: recordName, type, ...rest });

    it('the victim: a record set and a wildcard, Ready, each with its ownership record', async () => {
      pc = await backend.providerConfig();
      read = await backend.zone(zone);
      await records().create(ns, name('victim-www'), spec('www', 'A', { values: ['192.0.2.10'] }));
      await records().create(ns, name('victim-wild'), spec('*.apps', 'A', { values: ['192.0.2.20'] }));
      await Promise.all([wait().ready(name('victim-www')), wait().ready(name('victim-wild'))]);
      untouched = await read();
      assert.equal(line(untouched, `www.${zone}`, 'A').length, 1, 'the victim record set is there');
      assert.match(line(untouched, `_mooring-a.www.${zone}`, 'TXT')[0] ?? '', new RegExp(`"${await markOf(kc, 'dnsrecords', ns, name('victim-www'))}"`), "with the victim's mark");
      assert.match(line(untouched, `_mooring-a._wildcard.apps.${zone}`, 'TXT')[0] ?? '', new RegExp(`"${await markOf(kc, 'dnsrecords', ns, name('victim-wild'))}"`), "the wildcard's ownership record");
      assert.equal(line(untouched, zone, 'NS').length, 1, 'the apex NS, unmarked');
      assert.deepEqual(line(untouched, `_mooring-ns.${zone}`, 'TXT'), [], 'no ownership record at the apex');
    });

    // What a tenant would apply. The victim's record set is taken with adopt (an unmarked TXT record
    // set, as the forger sees the victim's ownership record); the apex NS's ownership record does
    // not exist, so the forger simply creates it.
    // (A function: the namespace in the marks is made in before().)
    const forgeries = (): { object: string; recordName: string; type: string; rest: Record<string, unknown>; message: RegExp }[] => [
      { object: 'forge-www', recordName: '_mooring-a.www', type: 'TXT', rest: { values: [mark(name('attacker-www'))], adopt: true }, message: /spec\.name.*_mooring/ },
      { object: 'forge-caps', recordName: '_MOORING-A.WWW', type: 'TXT', rest: { values: [mark(name('attacker-www'))], adopt: true }, message: /spec\.name.*_mooring/ },
      { object: 'forge-fqdn', recordName: `_mooring-a.www.${zone}`, type: 'TXT', rest: { values: [mark(name('attacker-www'))], adopt: true }, message: /spec\.name.*_mooring/ },
      { object: 'forge-ns', recordName: '_mooring-ns', type: 'TXT', rest: { values: [mark(name('attacker-ns'))] }, message: /spec\.name.*_mooring/ },
      { object: 'forge-below', recordName: 'x._mooring-a.www', type: 'TXT', rest: { values: ['anything'] }, message: /spec\.name.*_mooring/ },
      // `_wildcard.apps` shared its ownership record, `_mooring-a._wildcard.apps`, with `*.apps`.
      { object: 'forge-wild', recordName: '_wildcard.apps', type: 'A', rest: { values: ['203.0.113.7'] }, message: /spec\.name.*_wildcard/ },
    ];

    it('step 1, forging ownership records: every spelling is refused by the apiserver, naming spec.name', async () => {
      const stored: string[] = [];
      for (const f of forgeries()) {
        const refusal = await records().create(ns, name(f.object), spec(f.recordName, f.type, f.rest)).then(
          () => undefined,
          (err: unknown) => String(err),
        );
        if (refusal === undefined) stored.push(f.recordName);
        else assert.match(refusal, f.message, `${f.recordName}: the refusal names the field and the namespace`);
      }
      assert.deepEqual(stored, [], 'the apiserver stored none of the forgeries');
    });

    it('step 2, the takeover: the second DNSRecords find the sets not theirs, and write nothing', async () => {
      // As the attacker would, let any forgery the apiserver let through settle first.
      for (const f of forgeries()) {
        if (await records().tryGet(ns, name(f.object))) {
          await eventually(async () => {
            const o = await records().get(ns, name(f.object));
            return condition(o, 'Ready')?.status === 'True' || condition(o, 'Degraded')?.status === 'True';
          }, `forgery ${f.recordName} settled`);
        }
      }
      await records().create(ns, name('attacker-www'), spec('www', 'A', { values: ['203.0.113.66'] }));
      await records().create(ns, name('attacker-ns'), spec('@', 'NS', { values: ['ns.attacker.example'] }));
      await records().create(ns, name('attacker-wild'), spec('*.apps', 'A', { values: ['203.0.113.67'] }));
      const www = await wait().degraded(name('attacker-www'), 'AlreadyOwned');
      assert.match(condition(www, 'Degraded')!.message, new RegExp(name('victim-www')));
      await wait().degraded(name('attacker-ns'), 'NotOwned');
      await wait().degraded(name('attacker-wild'), 'AlreadyOwned');
      assert.deepEqual(await read(), untouched, 'the oracle: the zone as it was, record sets and ownership records alike');
    });

    it("step 3, the attacker's objects deleted: the victim's record sets and the apex NS stay", async () => {
      for (const object of ['attacker-www', 'attacker-ns', 'attacker-wild']) await records().remove(ns, name(object));
      await Promise.all(['attacker-www', 'attacker-ns', 'attacker-wild'].map((o) => wait().gone(name(o))));
      await Promise.all([wait().ready(name('victim-www')), wait().ready(name('victim-wild'))]);
      assert.deepEqual(await read(), untouched, 'the oracle: unchanged');
    });
  });
}
