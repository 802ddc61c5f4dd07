// A plugin may bundle its own copy of the SDK. Its errors and its registration must still be
// recognised by the operator's copy: a second module instance (a query string in the specifier)
// stands in for that copy here.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as DefineModule from '../../sdk/define.ts';
import type * as ErrorsModule from '../../sdk/errors.ts';
import { AdapterError, SDK_VERSION, isAdapterError, isProviderRegistration } from '../../sdk/index.ts';
import { classify } from './errors.ts';

describe('a second copy of the SDK', () => {
  it("makes errors the operator's copy recognises and classifies by kind and reason", async () => {
    const copy = (await import(`../../sdk/errors.ts?copy=${Date.now()}`)) as typeof ErrorsModule;
    const err = new copy.TerminalError('AccessDenied', 'access denied for the plugin');
    assert.ok(!(err instanceof AdapterError), 'a different class, as in a bundled copy');
    assert.ok(isAdapterError(err));
    assert.deepEqual(classify(err), { outcome: 'terminal', reason: 'AccessDenied', message: 'access denied for the plugin' });
    assert.ok(!isAdapterError(Object.assign(new Error('look-alike'), { kind: 'Terminal', reason: 'AccessDenied' })), 'a look-alike is not one');
  });

  it("makes registrations the operator's copy recognises", async () => {
    const copy = (await import(`../../sdk/define.ts?copy=${Date.now()}`)) as typeof DefineModule;
    const registration = copy.defineProvider({ type: 'copied', sdkVersion: SDK_VERSION, kinds: { Bucket: { connect: () => Promise.reject(new Error('unused')) } } });
    assert.ok(isProviderRegistration(registration));
  });
});
