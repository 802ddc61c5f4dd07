import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { TerminalError } from '../../sdk/index.ts';
import { SCRAM_ITERATIONS, scramVerifier } from './scram.ts';

// RFC 7677 section 3: user "user", password "pencil", and the exchange a server holding the right
// verifier accepts (the client's proof) and answers (the server's signature).
const rfc = {
  password: 'pencil',
  salt: Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'),
  authMessage: 'n=user,r=rOprNGfwEbeRWgbNEkqO,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  clientProof: 'dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverSignature: '6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

const parse = (verifier: string) => {
  const m = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(verifier);
  assert.ok(m, `a PostgreSQL SCRAM verifier: ${verifier}`);
  return { iterations: Number(m[1]), salt: m[2]!, storedKey: Buffer.from(m[3]!, 'base64'), serverKey: Buffer.from(m[4]!, 'base64') };
};

describe('SCRAM-SHA-256 verifiers', () => {
  it('matches RFC 7677: the server holding it accepts the RFC client proof and answers the RFC server signature', () => {
    const v = parse(scramVerifier(rfc.password, rfc.salt, 4096));
    assert.equal(v.iterations, 4096);
    assert.equal(v.salt, 'W22ZaJ0SNY7soEsUEjb6gQ==');
    // What the server does (RFC 5802 section 3): ClientKey = proof XOR HMAC(StoredKey, AuthMessage); H(ClientKey) = StoredKey.
    const clientSignature = createHmac('sha256', v.storedKey).update(rfc.authMessage).digest();
    const proof = Buffer.from(rfc.clientProof, 'base64');
    const clientKey = Buffer.from(proof.map((b, i) => b ^ clientSignature[i]!));
    assert.deepEqual(createHash('sha256').update(clientKey).digest(), v.storedKey);
    assert.equal(createHmac('sha256', v.serverKey).update(rfc.authMessage).digest('base64'), rfc.serverSignature);
  });

  it('a wrong password gives another verifier; a fresh random salt each time, PostgreSQL\'s iterations', () => {
    assert.notEqual(scramVerifier('pencil!', rfc.salt, 4096), scramVerifier(rfc.password, rfc.salt, 4096));
    const [a, b] = [parse(scramVerifier('same')), parse(scramVerifier('same'))];
    assert.notEqual(a.salt, b.salt);
    assert.equal(Buffer.from(a.salt, 'base64').length, 16);
    assert.equal(a.iterations, SCRAM_ITERATIONS);
  });

  it('never holds the password', () => {
    const password = 'Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4';
    assert.ok(!scramVerifier(password).includes(password));
  });

  it('refuses what SASLprep would change (non-ASCII, control characters) instead of guessing', () => {
    for (const p of ['pässword', 'tab\there', '']) {
      assert.throws(() => scramVerifier(p), (err: unknown) => err instanceof TerminalError && err.reason === 'InvalidSpec' && !err.message.includes(p || '\u0000'));
    }
  });
});
