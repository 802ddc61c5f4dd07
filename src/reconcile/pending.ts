// The pending-create mark (the mooring.dev/create-pending annotation) says "this object's create
// may have reached the cloud": the next pass then treats an unmarked thing of its name as ours.
// Tenants can write annotations, so the value is a keyed hash of the object's uid: only the
// operator, holding the key, can make one, and a mark copied onto another object does not verify.
import { createHmac, timingSafeEqual } from 'node:crypto';

const VERSION = 'v1';

export class PendingMarkSigner {
  private key: Buffer;

  constructor(key: Buffer) {
    this.key = checked(key);
  }

  /** The operator's persistent key, once read (src/kube/operator-key.ts); before that, the first one. */
  useKey(key: Buffer): void {
    this.key = checked(key);
  }

  sign(uid: string): string {
    return `${VERSION}.${this.mac(uid)}`;
  }

  verify(uid: string, mark: string): boolean {
    const [version, mac] = mark.split('.', 2);
    if (version !== VERSION || mac === undefined) return false;
    const want = Buffer.from(this.mac(uid));
    const got = Buffer.from(mac);
    return got.length === want.length && timingSafeEqual(got, want);
  }

  private mac(uid: string): string {
    return createHmac('sha256', this.key).update(`create-pending:${uid}`).digest('base64url');
  }
}

function checked(key: Buffer): Buffer {
  if (key.length < 16) throw new Error('the pending-mark key must be at least 16 bytes');
  return key;
}
