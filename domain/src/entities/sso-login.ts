import { defineEntity, p } from '@mikro-orm/core';
import { BaseEntity, baseProperties } from './base.js';
import { Organization } from './organization.js';
import { User } from './user.js';

/**
 * One browser's single sign-on attempt, kept server-side between its three requests: the redirect
 * to the issuer (state, nonce and the PKCE verifier, RFC 7636), the callback (the signed-in user and
 * the hash of a one-time hand-off code) and the Board's exchange of that code for a session. Each
 * step is accepted once and only before `expiresAt`.
 */
export class SsoLogin extends BaseEntity {
  organization: number;
  /** The OAuth `state`: also kept in the browser's cookie, so a callback from another browser is refused. */
  state: string;
  nonce: string;
  codeVerifier: string;
  /** The redirect URI sent with the authorization request; the token request must repeat it. */
  redirectUri: string;
  expiresAt: Date;
  user: number | null = null;
  /** SHA-256 of the one-time code the Board exchanges for a session; never the code. */
  handoffHash: string | null = null;
  completedAt: Date | null = null;
  redeemedAt: Date | null = null;

  constructor(organization: number, state: string, nonce: string, codeVerifier: string, redirectUri: string, expiresAt: Date) {
    super();
    this.organization = organization;
    this.state = state;
    this.nonce = nonce;
    this.codeVerifier = codeVerifier;
    this.redirectUri = redirectUri;
    this.expiresAt = expiresAt;
  }
}

export const SsoLoginSchema = defineEntity({
  class: SsoLogin,
  tableName: 'sso_logins',
  properties: {
    ...baseProperties,
    organization: p.manyToOne(Organization).mapToPk().deleteRule('cascade').index(),
    state: p.string().length(64).unique(),
    nonce: p.string().length(64).hidden(),
    codeVerifier: p.string().length(128).hidden(),
    redirectUri: p.string().length(1000),
    expiresAt: p.datetime().index(),
    user: p.manyToOne(User).mapToPk().nullable().deleteRule('cascade'),
    handoffHash: p.string().length(64).nullable().unique().hidden(),
    completedAt: p.datetime().nullable(),
    redeemedAt: p.datetime().nullable(),
  },
});
