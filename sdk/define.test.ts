import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// The package's own name: proves `mooring/sdk` resolves (package.json "exports") as plugins import it.
import { ProviderDefinitionError, SDK_VERSION, defineProvider, incompatibility, isProviderRegistration, type Connector } from 'mooring/sdk';
import * as local from './index.ts';

const connector: Connector<unknown> = { connect: () => Promise.reject(new Error('not connected in unit tests')) };

describe('mooring/sdk', () => {
  it('is sdk/index.ts (one module, not a copy)', () => {
    assert.equal(defineProvider, local.defineProvider);
    assert.equal(SDK_VERSION, local.SDK_VERSION);
  });
});

describe('defineProvider', () => {
  it('returns a frozen registration the loader recognises', () => {
    const r = defineProvider({ type: 'files', sdkVersion: SDK_VERSION, kinds: { Bucket: connector } });
    assert.equal(r.type, 'files');
    assert.equal(r.kinds.Bucket, connector);
    assert.ok(Object.isFrozen(r) && Object.isFrozen(r.kinds));
    assert.ok(isProviderRegistration(r));
    assert.ok(!isProviderRegistration({ ...r }), 'a hand-made copy is not a registration');
  });

  const cases: { reason: string; definition: unknown; problem: RegExp }[] = [
    { reason: 'a type that is no DNS label', definition: { type: 'Power DNS', sdkVersion: SDK_VERSION, kinds: { DNSRecord: connector } }, problem: /type: "Power DNS" is not a provider name/ },
    { reason: 'no sdkVersion', definition: { type: 'x', kinds: { DNSRecord: connector } }, problem: /sdkVersion: undefined is not a semantic version; pass SDK_VERSION/ },
    { reason: 'no kind served', definition: { type: 'x', sdkVersion: SDK_VERSION, kinds: {} }, problem: /kinds: serves no kind/ },
    { reason: 'a kind mooring does not manage', definition: { type: 'x', sdkVersion: SDK_VERSION, kinds: { HostedZone: connector } }, problem: /kinds.HostedZone: not a kind mooring manages \(Bucket, DNSRecord, Database\)/ },
    { reason: 'a connector without connect', definition: { type: 'x', sdkVersion: SDK_VERSION, kinds: { Bucket: {} } }, problem: /kinds.Bucket: expected a Connector/ },
    { reason: 'not an object at all', definition: 'aws', problem: /expected an object/ },
    { reason: 'a probe that is not a function', definition: { type: 'x', sdkVersion: SDK_VERSION, kinds: { Bucket: connector }, probe: 'ping' }, problem: /probe: expected a function/ },
  ];
  for (const c of cases) {
    it(`refuses ${c.reason}, naming the field`, () => {
      assert.throws(() => defineProvider(c.definition as Parameters<typeof defineProvider>[0]), (err: unknown) => {
        assert.ok(err instanceof ProviderDefinitionError);
        assert.match(err.message, c.problem);
        return true;
      });
    });
  }
});

describe('incompatibility (SDK versions)', () => {
  const cases: { reason: string; declared: string; host: string; problem?: RegExp }[] = [
    { reason: 'the same version', declared: '1.2.0', host: '1.2.0' },
    { reason: 'an older minor', declared: '1.0.3', host: '1.2.0' },
    { reason: 'a newer patch', declared: '1.2.9', host: '1.2.0' },
    { reason: 'another major', declared: '2.0.0', host: '1.2.0', problem: /major versions differ.*SDK 1\.x/ },
    { reason: 'an older major', declared: '0.9.0', host: '1.2.0', problem: /major versions differ/ },
    { reason: 'a newer minor', declared: '1.3.0', host: '1.2.0', problem: /needs SDK 1\.3\.0, newer than this operator's SDK 1\.2\.0; upgrade mooring/ },
    { reason: 'no semantic version', declared: 'latest', host: '1.2.0', problem: /not a semantic version/ },
  ];
  for (const c of cases) {
    it(`${c.problem ? 'refuses' : 'accepts'} ${c.reason}`, () => {
      const problem = incompatibility(c.declared, c.host);
      if (c.problem) assert.match(problem ?? '', c.problem);
      else assert.equal(problem, undefined);
    });
  }
});
