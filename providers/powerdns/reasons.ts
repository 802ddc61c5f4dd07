// Reason codes this provider puts on its errors: the SDK's, so users read one runbook
// (docs/reasons.md) whichever provider serves their records, plus mooring's CredentialsNotFound for
// a Secret without an API key and RedirectRefused for an API that redirects.
import { ProviderReason } from '../../sdk/index.ts';

export const PdnsReason = {
  ...ProviderReason,
  /** The ProviderConfig's credentials Secret holds no API key. */
  CredentialsNotFound: 'CredentialsNotFound',
  /** The API answered with a redirect, which is never followed with the API key. */
  RedirectRefused: 'RedirectRefused',
} as const;
export type PdnsReason = (typeof PdnsReason)[keyof typeof PdnsReason];
