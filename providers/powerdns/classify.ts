// The one place where a PowerDNS answer or a network failure becomes a typed adapter error.
import { RetryableError, TerminalError, type AdapterError } from '../../sdk/index.ts';
import { PdnsReason } from './reasons.ts';

/** PowerDNS's error body, `{"error": "..."}`, or the raw text when it is not JSON. */
function errorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
  } catch {
    // not JSON: a proxy's page, say
  }
  return body.trim().slice(0, 300) || '(no body)';
}

/** An HTTP answer that is not 2xx. `what` names the call, e.g. `PATCH zone example.com.`. */
export function classifyStatus(what: string, status: number, body: string, retryAfter?: string | null): AdapterError {
  const message = `PowerDNS ${what}: HTTP ${status}: ${errorText(body)}`;
  if (status === 401) return new TerminalError(PdnsReason.InvalidCredentials, `${message} (the API key in the ProviderConfig's credentials Secret is not the server's api-key)`);
  if (status === 403) return new TerminalError(PdnsReason.AccessDenied, message);
  if (status === 404) return new TerminalError(PdnsReason.ZoneNotFound, message);
  if (status === 422) return new TerminalError(PdnsReason.InvalidChange, message);
  if (status === 429) {
    const seconds = Number(retryAfter);
    return new RetryableError(PdnsReason.Throttled, message, { throttled: true, ...(Number.isFinite(seconds) && seconds > 0 ? { retryAfterMs: seconds * 1000 } : {}) });
  }
  if (status >= 500) return new RetryableError(PdnsReason.ProviderUnavailable, message);
  return new TerminalError(PdnsReason.InvalidRequest, message);
}

/** No answer at all: refused, reset, timed out. The cause's own words, which hold no key. */
export function classifyFailure(what: string, err: unknown): AdapterError {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const detail = cause?.code ?? cause?.message ?? (err as Error).name ?? 'unknown error';
  return new RetryableError(PdnsReason.ProviderUnavailable, `PowerDNS ${what}: no answer (${detail})`, { cause: err });
}
