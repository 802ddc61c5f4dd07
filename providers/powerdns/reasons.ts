// Reason codes this provider puts on its errors: each is one of mooring's documented codes
// (docs/reasons.md), so users read one runbook whichever provider serves their records.
export const PdnsReason = {
  /** The server answered 429: the account limiter slows down. */
  Throttled: 'Throttled',
  /** 5xx, timeouts, refused or dropped connections: retried with backoff. */
  ProviderUnavailable: 'ProviderUnavailable',
  /** 403: the API refused this key. */
  AccessDenied: 'AccessDenied',
  /** 401: the API does not know this key. */
  InvalidCredentials: 'InvalidCredentials',
  /** The credentials Secret holds no API key. */
  CredentialsNotFound: 'CredentialsNotFound',
  /** The record set changed between our read and our write. */
  Conflict: 'Conflict',
  /** The record set exists without our ownership record, and the resource does not adopt it. */
  NotOwned: 'NotOwned',
  /** The spec asks for something PowerDNS cannot do (an alias, weighted routing). */
  InvalidSpec: 'InvalidSpec',
  /** The ProviderConfig has no endpoint, or settings this provider does not know. */
  ProviderConfigInvalid: 'ProviderConfigInvalid',
  /** The zone does not exist on the server. */
  ZoneNotFound: 'ZoneNotFound',
  /** PowerDNS refused one record set (422); the message carries its own words. */
  InvalidChange: 'InvalidChange',
  /** Any other 4xx. */
  InvalidRequest: 'InvalidRequest',
  /** An answer that is neither an HTTP error nor a network fault (unreadable JSON). */
  ProviderError: 'ProviderError',
} as const;
export type PdnsReason = (typeof PdnsReason)[keyof typeof PdnsReason];
