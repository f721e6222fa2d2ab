import type { EntityManager } from '@mikro-orm/postgresql';
import {
  generateServiceToken,
  hashPassword,
  Project,
  RevokedSession,
  ServiceToken,
  User,
  verifyAgainstDummy,
  verifyPassword,
  type Role,
} from '@qatron/domain';
import { actorOf, recordAudit } from '../audit/record.js';
import { conflict, notFound, Problem, tooManyRequests, unauthorized, validationFailed } from '../http/problems.js';
import type { Principal, RequestOrigin } from '../http/principal.js';
import type { LoginThrottle } from './login-throttle.js';
import type { SessionSigner } from './sessions.js';
import { requireActiveOrganization } from '../organizations/service.js';
import { passwordLoginDisabled } from './oidc/settings.js';

const INVALID = 'Incorrect username or password';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Password login (FR-AUTH-01) with brute-force protection (LoginThrottle: per address 429, per
 * account-and-address lockout, account-wide slowdown). A locked pair, an unknown user and a wrong
 * password get the same 401 body after one password hash each, so none tells an account exists
 * or is locked. Every attempt on an existing account is audited (FR-AUD-01).
 */
export async function login(
  em: EntityManager,
  signer: SessionSigner,
  throttle: LoginThrottle,
  credentials: { username: string; password: string },
  origin: RequestOrigin,
  now = new Date(),
): Promise<{ token: string; expiresIn: number; passwordChangeRequired: boolean }> {
  const ip = origin.ip ?? 'unknown';
  const wait = throttle.retryAfter(ip);
  if (wait > 0) throw tooManyRequests('Too many failed logins from this address; try again later', wait);

  const user = await em.findOne(User, { $or: [{ username: credentials.username }, { email: credentials.username.toLowerCase() }] });
  const account = user ? `user:${user.id}` : `name:${credentials.username.toLowerCase()}`;
  const delay = throttle.delayMs(account);
  if (delay > 0) await sleep(delay);
  const locked = throttle.isLocked(account, ip);
  // The hash runs in every case (the dummy when there is nothing to check against): same timing class.
  const valid = user && !locked ? await verifyPassword(credentials.password, user.passwordHash) : await verifyAgainstDummy(credentials.password).then(() => false);
  if (!user) {
    throttle.recordFailure(account, ip);
    throw unauthorized(INVALID);
  }
  const actor = { organizationId: user.organization, userId: user.id, name: user.username };
  if (!valid || !user.isActive) {
    const nowLocked = throttle.recordFailure(account, ip);
    user.failedLogins += 1;
    const reason = locked ? 'locked' : valid ? 'inactive' : 'bad_password';
    recordAudit(em, actor, 'user.login_failed', { type: 'user', id: user.id }, { reason, locked: nowLocked }, origin);
    await em.flush();
    throw unauthorized(INVALID);
  }
  // Checked only after the password: the organization's state tells nothing to a guesser.
  await requireActiveOrganization(em, user.organization);
  // The platform administrator keeps password login whatever their organization says (break-glass).
  if (!user.platformAdmin && (await passwordLoginDisabled(em, user.organization))) {
    recordAudit(em, actor, 'user.login_failed', { type: 'user', id: user.id }, { reason: 'password_login_disabled', locked: false }, origin);
    await em.flush();
    throw new Problem(403, 'password_login_disabled', 'Forbidden', 'Your organization signs in with single sign-on only: use "Sign in with SSO"');
  }
  throttle.recordSuccess(account, ip);
  user.failedLogins = 0;
  user.lockedUntil = null;
  user.lastLoginAt = now;
  const session = await signer.sign(user);
  recordAudit(em, actor, 'user.login', { type: 'user', id: user.id }, { session: session.jti }, origin);
  await em.flush();
  return { token: session.token, expiresIn: session.expiresIn, passwordChangeRequired: user.mustChangePassword };
}

/** Ends the caller's session: its JWT is refused from now on (FR-AUD-01 logs it). */
export async function logout(em: EntityManager, principal: Principal, origin: RequestOrigin): Promise<void> {
  if (!principal.session) throw new Problem(400, 'not_a_session', 'Bad request', 'Service tokens have no session to end; revoke the token instead');
  em.persist(new RevokedSession(principal.session.jti, principal.session.expiresAt));
  recordAudit(em, actorOf(principal), 'user.logout', { type: 'user', id: principal.userId }, { session: principal.session.jti }, origin);
  await em.flush();
}

/**
 * A new session token for the caller's session token (a Board left open stays signed in), with
 * revocation kept: the presented token must be valid and unrevoked (checked by authentication),
 * and is revoked here, so each token refreshes once and logout ends the chain.
 */
export async function refreshSession(em: EntityManager, signer: SessionSigner, principal: Principal): Promise<{ token: string; expiresIn: number; passwordChangeRequired: boolean }> {
  if (!principal.session || principal.userId === null) {
    throw new Problem(400, 'not_a_session', 'Bad request', 'Service tokens have no session to refresh');
  }
  const user = await em.findOneOrFail(User, { id: principal.userId });
  const session = await signer.sign(user);
  em.persist(new RevokedSession(principal.session.jti, principal.session.expiresAt));
  await em.flush();
  return { token: session.token, expiresIn: session.expiresIn, passwordChangeRequired: user.mustChangePassword };
}

/**
 * Changes the caller's own password after checking the current one. Other sessions of the user
 * stay valid until they expire (at most JWT_EXPIRES_MINUTES); the change is audited.
 */
export async function changePassword(
  em: EntityManager,
  principal: Principal,
  input: { current_password: string; new_password: string },
  origin: RequestOrigin,
): Promise<void> {
  if (principal.userId === null) throw new Problem(400, 'not_a_user', 'Bad request', 'Service tokens have no password');
  const user = await em.findOneOrFail(User, { id: principal.userId });
  if (!(await verifyPassword(input.current_password, user.passwordHash))) {
    throw validationFailed([{ field: 'current_password', message: 'is not the current password' }]);
  }
  if (input.new_password === input.current_password) {
    throw validationFailed([{ field: 'new_password', message: 'must differ from the current password' }]);
  }
  user.passwordHash = await hashPassword(input.new_password);
  user.mustChangePassword = false;
  recordAudit(em, actorOf(principal), 'user.password_changed', { type: 'user', id: user.id }, {}, origin);
  await em.flush();
}

/** Creates a user in the caller's organization (FR-AUTH-02). */
export async function registerUser(
  em: EntityManager,
  principal: Principal,
  input: { username: string; email: string; password: string; role: Role },
  origin: RequestOrigin,
): Promise<User> {
  const email = input.email.toLowerCase();
  const clash = await em.findOne(User, { $or: [{ username: input.username }, { email }] });
  if (clash) {
    throw conflict(clash.username === input.username ? `Username ${input.username} is taken` : `Email ${email} is already registered`, 'user_exists');
  }
  const user = new User(principal.organizationId, input.username, email, await hashPassword(input.password), input.role);
  await em.transactional(async (tx) => {
    tx.persist(user);
    await tx.flush();
    recordAudit(tx, actorOf(principal), 'user.registered', { type: 'user', id: user.id }, { username: user.username, role: user.role }, origin);
  });
  return user;
}

/** Issues a service token (FR-AUTH-05); the token is returned once and only its hash is kept. */
export async function createServiceToken(
  em: EntityManager,
  principal: Principal,
  input: { name: string; project_id?: number | null | undefined; role: Role; expires_at?: string | null | undefined },
  origin: RequestOrigin,
  now = new Date(),
): Promise<{ serviceToken: ServiceToken; token: string }> {
  const projectId = input.project_id ?? null;
  if (projectId !== null) {
    const project = await em.findOne(Project, { id: projectId, organization: principal.organizationId });
    if (!project) throw validationFailed([{ field: 'project_id', message: `project ${projectId} does not exist` }]);
  }
  const expiresAt = input.expires_at ? new Date(input.expires_at) : null;
  if (expiresAt && expiresAt <= now) throw validationFailed([{ field: 'expires_at', message: 'must be in the future' }]);
  const generated = generateServiceToken();
  const serviceToken = new ServiceToken(principal.organizationId, input.name, generated.hash, generated.displayPrefix);
  serviceToken.project = projectId;
  serviceToken.role = input.role;
  serviceToken.createdBy = principal.userId;
  serviceToken.expiresAt = expiresAt;
  await em.transactional(async (tx) => {
    tx.persist(serviceToken);
    await tx.flush();
    recordAudit(
      tx,
      actorOf(principal),
      'service_token.created',
      { type: 'service_token', id: serviceToken.id },
      { name: serviceToken.name, project_id: projectId, role: serviceToken.role, expires_at: expiresAt?.toISOString() ?? null },
      origin,
    );
  });
  return { serviceToken, token: generated.token };
}

export async function listServiceTokens(em: EntityManager, principal: Principal): Promise<ServiceToken[]> {
  return em.find(ServiceToken, { organization: principal.organizationId }, { orderBy: { id: 'desc' } });
}

/** Revokes a token at once; revoking twice is harmless and audited once. */
export async function revokeServiceToken(em: EntityManager, principal: Principal, id: number, origin: RequestOrigin, now = new Date()): Promise<ServiceToken> {
  const serviceToken = await em.findOne(ServiceToken, { id, organization: principal.organizationId });
  if (!serviceToken) throw notFound('Service token', id);
  if (!serviceToken.revokedAt) {
    serviceToken.revokedAt = now;
    recordAudit(em, actorOf(principal), 'service_token.revoked', { type: 'service_token', id }, { name: serviceToken.name }, origin);
    await em.flush();
  }
  return serviceToken;
}
