import { createHmac } from 'node:crypto';
import { jwtVerify, SignJWT, errors as joseErrors } from 'jose';

/**
 * How long a report link works (a signed URL's lifetime): long enough to open the report and read
 * it, short enough that a link pasted into a ticket stops working the same day.
 */
export const REPORT_TOKEN_TTL_SECONDS = 60 * 60;

/** The claims of a valid report token: which run's report, in which organization, until when. */
export interface ReportClaims {
  runId: number;
  organizationId: number;
  expiresAt: Date;
}

const ISSUER = 'qatron';
/** Not the sessions' audience (`qatron-api`): neither kind of token verifies as the other. */
const AUDIENCE = 'qatron-report';

/**
 * Signs and verifies report tokens: short-lived JWTs (HS256, jose) that open one run's Allure
 * report from a plain browser link, where no Authorization header can be sent (FR-RPT-03). The key
 * is derived from the session secret for this purpose alone, and the audience differs from the
 * sessions', so a report token is never a session and a session token is never a report link.
 */
export class ReportTokenSigner {
  private readonly key: Uint8Array;
  constructor(
    sessionSecret: string,
    readonly ttlSeconds: number = REPORT_TOKEN_TTL_SECONDS,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.key = createHmac('sha256', sessionSecret).update('qatron report links v1').digest();
  }

  /** A token that opens the report of `run` until `expiresAt` (`issuedAt` + the TTL). */
  async sign(run: { id: number; organization: number }, issuedAtDate: Date = this.now()): Promise<{ token: string; expiresAt: Date }> {
    const issuedAt = Math.floor(issuedAtDate.getTime() / 1000);
    const expiresAt = issuedAt + this.ttlSeconds;
    const token = await new SignJWT({ org: run.organization })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(`run:${run.id}`)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .sign(this.key);
    return { token, expiresAt: new Date(expiresAt * 1000) };
  }

  /** The claims of a valid token; undefined when it is malformed, forged, expired or of another kind. */
  async verify(token: string): Promise<ReportClaims | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'], currentDate: this.now() });
      const runId = Number(/^run:(\d+)$/.exec(payload.sub ?? '')?.[1]);
      const organizationId = Number(payload.org);
      if (!Number.isSafeInteger(runId) || !Number.isSafeInteger(organizationId) || typeof payload.exp !== 'number') return undefined;
      return { runId, organizationId, expiresAt: new Date(payload.exp * 1000) };
    } catch (err) {
      if (err instanceof joseErrors.JOSEError) return undefined;
      throw err;
    }
  }
}
