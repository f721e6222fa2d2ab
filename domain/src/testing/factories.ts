import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { hashPassword } from '../auth/passwords.js';
import type { Role } from '../auth/roles.js';
import { generateServiceToken } from '../auth/tokens.js';
import { Environment, type EnvironmentKind } from '../entities/environment.js';
import { Organization } from '../entities/organization.js';
import { Project } from '../entities/project.js';
import { Run } from '../entities/run.js';
import { ServiceToken } from '../entities/service-token.js';
import { Suite } from '../entities/suite.js';
import { User } from '../entities/user.js';
import type { RunStatus } from '../runs/status.js';

/**
 * Test fixtures (STYLE 8): each factory creates what it is asked for and any missing parent, with
 * unique names, and flushes, so a test states only what matters to it.
 */
const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

export async function buildOrganization(em: EntityManager, name = unique('org')): Promise<Organization> {
  const organization = new Organization(name, name);
  await em.persist(organization).flush();
  return organization;
}

/** Password hashing is deliberately slow; tests share one hash per password. */
const hashes = new Map<string, Promise<string>>();
function cachedHash(password: string): Promise<string> {
  let hash = hashes.get(password);
  if (!hash) hashes.set(password, (hash = hashPassword(password)));
  return hash;
}

export async function buildUser(
  em: EntityManager,
  options: { organization?: Organization | number; role?: Role; username?: string; password?: string } = {},
): Promise<User> {
  const org = options.organization ?? (await buildOrganization(em));
  const orgId = typeof org === 'number' ? org : org.id;
  const username = options.username ?? unique('user');
  const user = new User(orgId, username, `${username}@example.test`, await cachedHash(options.password ?? 'password123'), options.role ?? 'user');
  await em.persist(user).flush();
  return user;
}

export async function buildProject(em: EntityManager, options: { organization?: Organization | number; name?: string; repoUrl?: string } = {}): Promise<Project> {
  const org = options.organization ?? (await buildOrganization(em));
  const project = new Project(typeof org === 'number' ? org : org.id, options.name ?? unique('project'), options.repoUrl ?? 'https://example.test/repo.git');
  await em.persist(project).flush();
  return project;
}

export async function buildEnvironment(
  em: EntityManager,
  options: { project?: Project; name?: string; kind?: EnvironmentKind; baseUrl?: string } = {},
): Promise<Environment> {
  const project = options.project ?? (await buildProject(em));
  const kind = options.kind ?? 'staging';
  const environment = new Environment(project.organization, project.id, options.name ?? kind, kind);
  environment.baseUrl = options.baseUrl ?? `https://${kind}.example.test`;
  await em.persist(environment).flush();
  return environment;
}

export async function buildSuite(em: EntityManager, options: { project?: Project; name?: string; shards?: number } = {}): Promise<Suite> {
  const project = options.project ?? (await buildProject(em));
  const suite = new Suite(project.organization, project.id, options.name ?? 'smoke');
  suite.shards = options.shards ?? 1;
  await em.persist(suite).flush();
  return suite;
}

export async function buildRun(
  em: EntityManager,
  options: { project?: Project; suite?: Suite; environment?: Environment; status?: RunStatus; branch?: string; createdAt?: Date } = {},
): Promise<Run> {
  const project = options.project ?? (await buildProject(em));
  const suite = options.suite ?? (await buildSuite(em, { project }));
  const environment = options.environment ?? (await buildEnvironment(em, { project }));
  const run = new Run(project.organization, project.id, suite.id, environment.id, options.branch ?? 'main', {
    userId: null,
    serviceTokenId: null,
    name: 'factory',
  });
  run.status = options.status ?? 'queued';
  if (options.createdAt) run.createdAt = options.createdAt;
  await em.persist(run).flush();
  return run;
}

export async function buildServiceToken(
  em: EntityManager,
  options: { organization: Organization | number; project?: Project; role?: Role; expiresAt?: Date },
): Promise<{ serviceToken: ServiceToken; token: string }> {
  const org = typeof options.organization === 'number' ? options.organization : options.organization.id;
  const generated = generateServiceToken();
  const serviceToken = new ServiceToken(org, unique('token'), generated.hash, generated.displayPrefix);
  serviceToken.project = options.project?.id ?? null;
  serviceToken.role = options.role ?? 'user';
  serviceToken.expiresAt = options.expiresAt ?? null;
  await em.persist(serviceToken).flush();
  return { serviceToken, token: generated.token };
}
