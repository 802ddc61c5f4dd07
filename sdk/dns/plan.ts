// The guarded plan: the changes one intent needs, given the zone as listed, or why it must not go
// ahead. Written once for every DNS backend, with the ownership-conflict messages users read.
import type { BatchPlan } from '../batch.ts';
import { ConflictError, TerminalError } from '../errors.ts';
import { ProviderReason } from '../reasons.ts';
import { parseOwnership } from './ownership.ts';
import { diffRecord, keyOf, type DnsRecordSet, type ZoneListing } from './records.ts';
import type { ListingChange } from './zones.ts';
import type { EscapeSyntax } from './names.ts';

/**
 * One change to one record set, in the vocabulary of DNS change APIs: CREATE (refused by a guarded
 * backend when the set exists), UPSERT (written whatever is there), DELETE (a guarded backend
 * refuses it when the values differ). A port turns these into its own calls (PowerDNS: CREATE and
 * UPSERT are REPLACE).
 */
export type DnsChange = ListingChange;

/** A change to one record set and its ownership record, as queued for a zone's batch. */
export interface DnsIntent {
  action: 'upsert' | 'delete';
  desired: DnsRecordSet;
  ownership: DnsRecordSet;
  mark: string;
  /** The resource adopts: an unmarked record set may be taken. */
  mayTakeUnowned: boolean;
}

/** How the backend plans: its guards (see planChanges) and its escape syntax (to read marks). */
export interface PlanRules {
  guarded: boolean;
  escapes: EscapeSyntax;
}

/**
 * The changes one intent needs, given the zone as listed (perhaps a while ago: our own writes
 * since are in it, others' may not be). On a guarded backend (Route 53) every change is guarded so
 * a stale plan fails whole and never overwrites what is not ours: a record set we think absent is
 * CREATEd (refused if it exists), one we delete is DELETEd with the values read (refused if they
 * changed), and an update DELETEs our ownership record as read and CREATEs it anew in the same
 * batch (refused if it is no longer ours). A refused batch is planned again on a fresh listing.
 *
 * Without guards (PowerDNS, moto) the plan rests on a listing made for this batch, and a write is
 * an UPSERT; the ownership record is written only when absent or not as wanted.
 *
 * Either way a CNAME is refused beside another record set of its name, and any record set beside
 * a CNAME (DNS forbids both; some backends refuse them, some do not).
 */
export function planChanges(intent: DnsIntent, listing: ZoneListing, rules: PlanRules): BatchPlan<DnsChange> {
  const live = listing.get(keyOf(intent.desired));
  const liveOwnership = listing.get(keyOf(intent.ownership));
  const liveMark = parseOwnership(liveOwnership?.values, rules.escapes);
  const refused = refusal(intent, live, liveOwnership, liveMark);
  if (refused) return { error: refused };
  if (intent.action === 'delete') {
    // DELETE names the live values exactly, so they come from the listing.
    const changes: DnsChange[] = [];
    if (live) changes.push({ action: 'DELETE', recordSet: live });
    if (liveOwnership && liveMark === intent.mark) changes.push({ action: 'DELETE', recordSet: liveOwnership });
    return { changes };
  }
  const clash = cnameClash(intent.desired, listing);
  if (clash) return { error: clash };
  return { changes: writes(intent, live, liveOwnership, rules) };
}

/** Why the intent must not go ahead on this listing: the set became another's, or is doubled. */
function refusal(intent: DnsIntent, live: DnsRecordSet | undefined, liveOwnership: DnsRecordSet | undefined, liveMark: string | undefined): Error | undefined {
  const what = `${intent.desired.type} ${intent.desired.name}`;
  if (liveMark !== undefined && liveMark !== intent.mark) {
    return new ConflictError(ProviderReason.Conflict, `the record set ${what} became owned by ${liveMark} since it was observed; observing again`);
  }
  if (liveMark === undefined && live && !intent.mayTakeUnowned) {
    return new ConflictError(ProviderReason.Conflict, `the record set ${what} appeared, without an ownership record, since it was observed; observing again`);
  }
  if (live?.duplicated || liveOwnership?.duplicated) {
    const which = live?.duplicated ? what : `${intent.ownership.type} ${intent.ownership.name}`;
    return new TerminalError(ProviderReason.Conflict, `the zone holds two record sets ${which} (an endpoint without a CREATE guard let a second one in); mooring writes and deletes neither. Remove the one that is not wanted.`);
  }
  return undefined;
}

function writes(intent: DnsIntent, live: DnsRecordSet | undefined, liveOwnership: DnsRecordSet | undefined, rules: PlanRules): DnsChange[] {
  const changes: DnsChange[] = [];
  const create = rules.guarded ? 'CREATE' : 'UPSERT';
  if (!live) changes.push({ action: create, recordSet: intent.desired });
  else if (diffRecord(intent.desired, live, rules.escapes).length) changes.push({ action: 'UPSERT', recordSet: intent.desired });
  const ownershipStale = !liveOwnership || diffRecord(intent.ownership, liveOwnership, rules.escapes).length > 0;
  if (!liveOwnership) changes.push({ action: create, recordSet: intent.ownership });
  else if (rules.guarded && (changes.length || ownershipStale)) {
    changes.push({ action: 'DELETE', recordSet: liveOwnership }, { action: 'CREATE', recordSet: intent.ownership });
  } else if (ownershipStale) changes.push({ action: 'UPSERT', recordSet: intent.ownership });
  return changes;
}

/**
 * A CNAME shares its name with no other record set (RFC 1034 §3.6.2): the error when the listing
 * holds one the desired record set would sit beside.
 */
export function cnameClash(desired: DnsRecordSet, listing: ZoneListing): TerminalError | undefined {
  for (const other of listing.values()) {
    if (other.name !== desired.name || other.type === desired.type) continue;
    if (desired.type === 'CNAME') {
      return new TerminalError(ProviderReason.CnameConflict, `a CNAME at ${desired.name} cannot sit beside the ${other.type} record set there (DNS allows no other record beside a CNAME); remove that record set, or choose another name`);
    }
    if (other.type === 'CNAME') {
      return new TerminalError(ProviderReason.CnameConflict, `${desired.name} is a CNAME: the ${desired.type} record set cannot sit beside it (DNS allows no other record beside a CNAME); remove the CNAME, or choose another name`);
    }
  }
  return undefined;
}
