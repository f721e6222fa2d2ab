import { createHmac } from 'node:crypto';

/** The HTTP receivers' side of a delivery: what answered, or why nothing did. */
export interface ReceiverAnswer {
  statusCode: number | null;
  /** Null when the receiver accepted (2xx). */
  error: string | null;
  /** Whether another attempt may succeed: no answer, 5xx, 408 Request Timeout, 429 Too Many Requests. */
  retryable: boolean;
}

/** How long a receiver has to answer one attempt. */
const RECEIVER_TIMEOUT_MS = 10_000;

/**
 * The webhook signature: `sha256=` and the hex HMAC-SHA256 of the raw body under the channel's
 * secret, as GitHub signs its webhooks, so receivers verify it the same way.
 */
export function webhookSignature(secret: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody, 'utf8').digest('hex')}`;
}

/** POSTs `rawBody` as JSON and says how the receiver answered. Redirects are not followed: a moved receiver is refused. */
export async function postJson(url: string, rawBody: string, headers: Record<string, string>): Promise<ReceiverAnswer> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'QAtron-Notifications', ...headers },
      body: rawBody,
      redirect: 'manual',
      signal: AbortSignal.timeout(RECEIVER_TIMEOUT_MS),
    });
  } catch (err) {
    return { statusCode: null, error: `no answer: ${networkReason(err)}`, retryable: true };
  }
  await response.body?.cancel().catch(() => undefined);
  const status = response.status;
  if (status >= 200 && status < 300) return { statusCode: status, error: null, retryable: false };
  return { statusCode: status, error: `HTTP ${status} ${response.statusText}`.trim(), retryable: status >= 500 || status === 408 || status === 429 };
}

/** fetch's "fetch failed" names nothing; its cause (ECONNREFUSED, a timeout) does. */
function networkReason(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return `timed out after ${RECEIVER_TIMEOUT_MS / 1000} s`;
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause instanceof Error) return 'code' in cause && typeof cause.code === 'string' ? `${cause.code} (${cause.message})` : cause.message;
  return err instanceof Error ? err.message : String(err);
}
