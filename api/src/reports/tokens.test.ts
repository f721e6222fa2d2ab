import { describe, expect, it } from 'vitest';
import { SessionSigner } from '../auth/sessions.js';
import { REPORT_TOKEN_TTL_SECONDS, ReportTokenSigner } from './tokens.js';

const SECRET = 'a-session-secret-long-enough-for-hs256-signing';
const T0 = new Date('2026-03-01T12:00:00Z');
const run = { id: 42, organization: 7 };

describe('ReportTokenSigner', () => {
  it('signs a token that names the run and organization and lasts an hour', async () => {
    const signer = new ReportTokenSigner(SECRET, REPORT_TOKEN_TTL_SECONDS, () => T0);
    const { token, expiresAt } = await signer.sign(run);
    expect(REPORT_TOKEN_TTL_SECONDS).toBe(3600);
    expect(expiresAt).toEqual(new Date('2026-03-01T13:00:00Z'));
    expect(await signer.verify(token)).toEqual({ runId: 42, organizationId: 7, expiresAt });
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(payload).toEqual({ org: 7, sub: 'run:42', iss: 'qatron', aud: 'qatron-report', iat: T0.getTime() / 1000, exp: T0.getTime() / 1000 + 3600 });
  });

  it('refuses a token once it has expired', async () => {
    let now = T0;
    const signer = new ReportTokenSigner(SECRET, 3600, () => now);
    const { token } = await signer.sign(run);
    now = new Date(T0.getTime() + 3599_000);
    expect(await signer.verify(token)).toMatchObject({ runId: 42 });
    now = new Date(T0.getTime() + 3601_000);
    expect(await signer.verify(token)).toBeUndefined();
    expect(await signer.verify((await signer.sign(run, new Date(T0.getTime() - 7200_000))).token)).toBeUndefined();
  });

  it('refuses tokens signed with another secret, tampered with, or not tokens at all', async () => {
    const signer = new ReportTokenSigner(SECRET);
    const other = new ReportTokenSigner('another-secret-that-is-also-long-enough-for-hs256');
    expect(await signer.verify((await other.sign(run)).token)).toBeUndefined();
    const [header, , signature] = (await signer.sign(run)).token.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ org: 8, sub: 'run:43', iss: 'qatron', aud: 'qatron-report', exp: 4102444800 })).toString('base64url');
    expect(await signer.verify(`${header}.${forgedPayload}.${signature}`)).toBeUndefined();
    expect(await signer.verify('not-a-token')).toBeUndefined();
    expect(await signer.verify('')).toBeUndefined();
  });

  it('never accepts a session token as a report token, nor a report token as a session', async () => {
    const sessions = new SessionSigner(SECRET, 30);
    const reports = new ReportTokenSigner(SECRET);
    const session = await sessions.sign({ id: 42, organization: 7, role: 'admin' });
    expect(await reports.verify(session.token)).toBeUndefined();
    expect(await sessions.verify((await reports.sign(run)).token)).toBeUndefined();
  });
});
