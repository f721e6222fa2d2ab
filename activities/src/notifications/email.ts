import nodemailer from 'nodemailer';
import type { SmtpConfig } from '@qatron/domain';
import type { ReceiverAnswer } from './webhook.js';

/** An email to send, and the login of the SMTP server (the password resolved from its secret). */
export interface OutgoingEmail {
  to: string[];
  subject: string;
  text: string;
}

/**
 * Sends one email through the configured SMTP server and says how the server answered: its reply
 * code (250) when it accepted, a permanent refusal (5xx: a bad recipient, a refused login) as not
 * retryable, and a temporary one (4xx) or no connection as retryable.
 */
export async function sendEmail(smtp: SmtpConfig, password: string | undefined, email: OutgoingEmail): Promise<ReceiverAnswer> {
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    // 465 is SMTPS (TLS from the first byte); other ports upgrade with STARTTLS when the server offers it.
    secure: smtp.port === 465,
    auth: smtp.user ? { user: smtp.user, pass: password ?? '' } : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  try {
    const info = await transport.sendMail({ from: smtp.from, to: email.to, subject: email.subject, text: email.text });
    return { statusCode: replyCode(info.response) ?? 250, error: null, retryable: false };
  } catch (err) {
    const code = err instanceof Error && 'responseCode' in err && typeof err.responseCode === 'number' ? err.responseCode : null;
    const message = err instanceof Error ? err.message : String(err);
    return { statusCode: code, error: `SMTP ${code ?? 'connection'}: ${message}`, retryable: code === null || code < 500 };
  } finally {
    transport.close();
  }
}

/** "250 2.0.0 OK" → 250. */
function replyCode(response: unknown): number | null {
  const match = typeof response === 'string' ? /^(\d{3})/.exec(response) : null;
  return match ? Number(match[1]) : null;
}
