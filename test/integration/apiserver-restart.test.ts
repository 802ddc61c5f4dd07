// Restarting the apiserver (the chaos suite does it) keeps etcd's data and the certificates: a
// client holding the old kubeconfig, such as a running operator, reconnects and finds its objects.
// Found building the chaos suite: the restart made a new CA, and every client failed TLS after it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { startStack, type Stack } from '../../src/stack/index.ts';
import { kubeConfig } from '../support/kube.ts';

let stack: Stack;
before(async () => {
  stack = await startStack({ components: ['kube'] });
});
after(async () => {
  await stack?.stop();
});

describe('apiserver restart', () => {
  it('keeps the data and the certificates: a client made before the restart still works after it', async () => {
    const core = kubeConfig(stack).makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'before-restart' } } });
    await stack.restartApiServer();
    const ns = await core.readNamespace({ name: 'before-restart' });
    assert.equal(ns.metadata?.name, 'before-restart');
  });
});
