// SCRAM-SHA-256 password verifiers, computed here so a password never travels in a statement:
// `ALTER ROLE … PASSWORD 'SCRAM-SHA-256$…'` stores the verifier as given, and the server's log,
// pg_stat_activity and pg_stat_statements only ever see the verifier (RFC 5802, RFC 7677; the
// format is PostgreSQL's, src/common/scram-common.c).
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { TerminalError } from '../../sdk/index.ts';
import { PgReason } from './classify.ts';

/** PostgreSQL's default (scram_iterations), and what libpq's PQencryptPasswordConn uses. */
export const SCRAM_ITERATIONS = 4096;
const SALT_BYTES = 16;

const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();

/**
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, base64. The password must be
 * printable ASCII: SASLprep leaves it as it is, so the verifier is the one any client computes
 * (passwords mooring generates are URL-safe base64). Anything else is refused rather than guessed.
 */
export function scramVerifier(password: string, salt: Buffer = randomBytes(SALT_BYTES), iterations = SCRAM_ITERATIONS): string {
  if (!/^[\x20-\x7e]+$/.test(password)) {
    throw new TerminalError(PgReason.InvalidSpec, 'the connection Secret\'s password must be printable ASCII (it is hashed for SCRAM-SHA-256 as is)');
  }
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const storedKey = createHash('sha256').update(hmac(salted, 'Client Key')).digest();
  const serverKey = hmac(salted, 'Server Key');
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
