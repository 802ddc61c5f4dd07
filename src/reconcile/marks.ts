// The ownership mark: what every asset mooring makes carries (a tag, a TXT record, a comment) to say
// which object made it. It names the object's uid, so a namespace deleted and made again, or another
// cluster, never finds its own mark on someone else's asset; in the Hashed form it publishes a keyed
// hash instead of the namespace and name (public DNS zones).
//
// Readable: `<ownershipId>/<namespace>/<name>/<uid>`. Tag values (S3, RDS) hold at most 256
// characters, and id (32) + namespace (63) + name (253) + uid (36) can reach 387: when the whole
// form does not fit, the name is cut and ends with `~` (not a character of Kubernetes names, so a
// cut name never equals a real one). The uid alone tells objects apart; the name is for people.
// Hashed: `<ownershipId>/h/<32 characters of base64url HMAC-SHA256>`, 67 characters at most.
// TXT strings hold 255 octets, and the DNS adapters split longer values, so 256 is the only limit.
import { createHmac } from 'node:crypto';
import { TerminalError } from '../../sdk/index.ts';
import { Reason } from './reasons.ts';

export type MarkForm = 'Readable' | 'Hashed';

/** S3 and RDS tag values: at most 256 characters. */
export const MAX_MARK = 256;
/** base64url characters of the HMAC kept in a Hashed mark (192 bits). */
const HASH_CHARS = 32;

export interface MarkSubject {
  ownershipId: string;
  form: MarkForm;
  namespace: string;
  name: string;
  uid: string;
}

/**
 * Makes the keyed hash of Hashed marks. The key must outlive the process (the operator's key
 * Secret, src/kube/operator-key.ts): a mark made with a key of this process only could not be
 * recognised after a restart, and its asset would be orphaned. Until `useKey`, hashing refuses.
 */
export class MarkSigner {
  private key: Buffer | undefined;

  constructor(key?: Buffer) {
    if (key) this.useKey(key);
  }

  useKey(key: Buffer): void {
    if (key.length < 16) throw new Error('the ownership-mark key must be at least 16 bytes');
    this.key = key;
  }

  hash(namespace: string, name: string, uid: string): string {
    if (!this.key) {
      throw new TerminalError(
        Reason.MarkKeyUnavailable,
        'the ProviderConfig asks for Hashed ownership marks, and the operator has no persistent key to hash them with (the Secret mooring-operator-key in its namespace could not be read or made); nothing is done until it has one',
      );
    }
    // The prefix keeps these apart from the pending-create mark's HMAC under the same key.
    return createHmac('sha256', this.key).update(`ownership-mark:${namespace}/${name}/${uid}`).digest('base64url').slice(0, HASH_CHARS);
  }
}

/** The mark of one object, as new assets get it. */
export function ownershipMark(subject: MarkSubject, signer: MarkSigner): string {
  const { ownershipId, namespace, name, uid } = subject;
  if (subject.form === 'Hashed') return `${ownershipId}/h/${signer.hash(namespace, name, uid)}`;
  const whole = `${ownershipId}/${namespace}/${name}/${uid}`;
  if (whole.length <= MAX_MARK) return whole;
  const room = MAX_MARK - `${ownershipId}/${namespace}//${uid}`.length - 1;
  return `${ownershipId}/${namespace}/${name.slice(0, room)}~/${uid}`;
}

/**
 * The mark before uids (mooring 0.1): `<ownershipId>/<namespace>/<name>`. Only ever compared
 * with what an asset carries, for objects that made it (see `mayUseLegacyMark`); never written
 * to a new asset.
 */
export function legacyMark(subject: MarkSubject): string | undefined {
  return subject.form === 'Readable' ? `${subject.ownershipId}/${subject.namespace}/${subject.name}` : undefined;
}
