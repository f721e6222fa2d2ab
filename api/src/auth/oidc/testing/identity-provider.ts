import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

/** Who the provider signs in next: the claims of a user at the identity provider. */
export interface ProviderAccount {
  sub: string;
  email: string;
  preferred_username?: string;
  groups: string[];
}

/**
 * A real OpenID Provider for tests (oidc-provider, a certified implementation) on a free port of
 * 127.0.0.1, with one confidential client. Its only interaction signs in `account` at once: the test
 * plays the browser with plain HTTP, and what it proves is the relying party's side of the flow.
 */
export interface TestIdentityProvider {
  issuer: string;
  /** The user the next sign-in logs in; change it between sign-ins. */
  account: ProviderAccount;
  close(): Promise<void>;
}

export async function startTestIdentityProvider(client: { clientId: string; clientSecret: string; redirectUri: string }, account: ProviderAccount): Promise<TestIdentityProvider> {
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  // Listening first gives the port, and so the issuer, before the provider is built.
  const server = createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const state: { account: ProviderAccount } = { account };

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'test-signing-key', alg: 'RS256', use: 'sig' };
  const configuration: Configuration = {
    clients: [
      {
        client_id: client.clientId,
        client_secret: client.clientSecret,
        redirect_uris: [client.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: ['test-cookie-signing-key'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['preferred_username'], groups: ['groups'] },
    pkce: { required: () => true },
    // Short, explicit lifetimes: a test's sign-ins take seconds (and the provider asks for them to be set).
    ttl: { AuthorizationCode: 60, AccessToken: 600, IdToken: 600, Interaction: 600, Session: 600, Grant: 600 },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () => ({ ...state.account, sub, email_verified: true }),
    }),
    // A first-party client: every scope asked for is granted without a consent screen.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const accountId = ctx.oidc.session?.accountId;
      const clientId = ctx.oidc.client?.clientId;
      if (!accountId || !clientId) return undefined;
      const grant = new ctx.oidc.provider.Grant({ accountId, clientId });
      grant.addOIDCScope(String(ctx.oidc.params?.scope ?? 'openid'));
      await grant.save();
      return grant;
    },
  };
  const provider = new Provider(issuer, configuration);
  // The interaction: the provider's login prompt is answered with the current account, no form.
  provider.use(async (ctx, next) => {
    if (ctx.method !== 'GET' || !ctx.path.startsWith('/interaction/')) return next();
    await provider.interactionDetails(ctx.req, ctx.res);
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, { login: { accountId: state.account.sub } }, { mergeWithLastSubmission: false });
    ctx.redirect(returnTo);
    ctx.status = 303;
  });
  handle = provider.callback();
  return {
    issuer,
    get account() {
      return state.account;
    },
    set account(next: ProviderAccount) {
      state.account = next;
    },
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
