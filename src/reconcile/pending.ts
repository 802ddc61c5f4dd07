// The pending-create mark (the mooring.dev/create-pending annotation) says "this object's create
// may have reached the cloud": the next pass then treats an unmarked thing of its name as ours.
// Tenants can write annotations, so the value is a keyed hash of the object's uid: only the
// operator, holding the key, can make one, and a mark copied onto another object does not verify.
// A mark (v2) also carries when it was signed, under the hash: once status.lastChecked records the
// asset seen ours at or after that time, the create is borne out and the mark is void, so it need
// not be removed (a kube write per create saved); a later create signs a newer mark. v1 marks (no
// time) are still honoured, and removed once the create is borne out.
import { createHmac, timingSafeEqual } from 'node:crypto';

const V1 = 'v1';
const V2 = 'v2';

/** A verified mark: when it was signed (undefined for a v1 mark, which says not). */
export interface VerifiedMark {
  signedAtMs: number | undefined;
}

export class PendingMarkSigner {
  private key: Buffer;
  private readonly now: () => number;

  constructor(key: Buffer, now: () => number = Date.now) {
    this.key = checked(key);
    this.now = now;
  }

  /** The operator's persistent key, once read (src/kube/operator-key.ts); before that, the first one. */
  useKey(key: Buffer): void {
    this.key = checked(key);
  }

  sign(uid: string): string {
    const at = String(Math.floor(this.now()));
    return `${V2}.${at}.${this.mac(`${uid}:${at}`)}`;
  }

  /** The mark's signing time when it verifies for this uid; undefined when it does not. */
  verify(uid: string, mark: string): VerifiedMark | undefined {
    const parts = mark.split('.');
    if (parts[0] === V1 && parts.length === 2) return same(parts[1], this.mac(uid)) ? { signedAtMs: undefined } : undefined;
    if (parts[0] !== V2 || parts.length !== 3 || !/^\d{1,16}$/.test(parts[1] ?? '')) return undefined;
    return same(parts[2], this.mac(`${uid}:${parts[1]}`)) ? { signedAtMs: Number(parts[1]) } : undefined;
  }

  private mac(subject: string): string {
    return createHmac('sha256', this.key).update(`create-pending:${subject}`).digest('base64url');
  }
}

function same(got: string | undefined, want: string): boolean {
  if (got === undefined) return false;
  const a = Buffer.from(got);
  const b = Buffer.from(want);
  return a.length === b.length && timingSafeEqual(a, b);
}

function checked(key: Buffer): Buffer {
  if (key.length < 16) throw new Error('the pending-mark key must be at least 16 bytes');
  return key;
}
