import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJsonStream } from './build.ts';
import { cutText, removalsFor } from './patch.ts';

describe('external-dns build patch', () => {
  it('cuts exact text and inclusive spans', () => {
    const text = 'a\n\tdrop me\nb\n// Start here\nbody\nend\n}\n\nc\n';
    const out = cutText(text, { file: 'f.go', exact: ['\tdrop me\n'], spans: [{ from: '// Start here', through: 'end\n}\n\n' }] });
    assert.equal(out, 'a\nb\nc\n');
  });

  it('refuses a cut that matches twice or not at all, naming the file', () => {
    assert.throws(() => cutText('x\nx\n', { file: 'twice.go', exact: ['x\n'] }), /twice\.go: expected exactly one/);
    assert.throws(() => cutText('x\n', { file: 'none.go', spans: [{ from: 'func gone(', through: '}\n' }] }), /none\.go: expected exactly one span/);
  });

  it('picks the removals for refused modules only', () => {
    assert.deepEqual(removalsFor([]), []);
    const picked = removalsFor([{ Path: 'github.com/openshift/api', Error: '403' }]);
    assert.equal(picked.length, 1);
    assert.match(picked[0]!.what, /OpenShift Route source/);
    assert.deepEqual(picked[0]!.modules, ['github.com/openshift/api', 'github.com/openshift/client-go']);
  });

  it('says which refused module no removal covers, with the proxy answer', () => {
    assert.throws(() => removalsFor([{ Path: 'github.com/aws/aws-sdk-go-v2', Error: 'reading …: 403\n\tForbidden' }]), /refuses github\.com\/aws\/aws-sdk-go-v2 \(reading …: 403 Forbidden\)/);
  });

  it('reads the go command -json stream of indented objects', () => {
    const stream = '{\n\t"Path": "a",\n\t"Origin": {\n\t\t"VCS": "git"\n\t}\n}\n{\n\t"Path": "b",\n\t"Error": "403"\n}\n';
    assert.deepEqual(parseJsonStream(stream), [{ Path: 'a', Origin: { VCS: 'git' } }, { Path: 'b', Error: '403' }]);
  });
});
