import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, SignJWT } from 'jose';
import Provider from 'oidc-provider';
import { registerSecret } from '../support/secrets-watch.ts';

export const CLIENT_SECRET = 'upstream-client-secret-for-the-social-tests';
registerSecret(CLIENT_SECRET);

/** An account at a test provider; the next sign-in uses `current`. */
export interface Account {
  sub: string;
  email: string;
  email_verified: boolean;
  name: string;
}

export interface Upstream {
  readonly base: string;
  /** The account the next sign-in at this provider signs in as. */
  current: Account;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function shut(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
}

async function body(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

/** A server whose port is known before its handler (Gatehouse's config names it, the provider names Gatehouse). */
export async function openServer(): Promise<{ server: Server; base: string }> {
  const server = createServer();
  return { server, base: await listen(server) };
}

/**
 * A real OpenID provider (`oidc-provider`) on loopback. Its sign-in and consent interaction is
 * finished by the test's own handler for the account in `current` (a user who clicks "allow").
 */
export function oidcProvider(opened: { server: Server; base: string }, redirectUris: string[]): Upstream {
  const { server, base } = opened;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const upstream: Upstream = {
    base,
    current: { sub: 'alice', email: 'alice@corp.example', email_verified: true, name: 'Alice Corp' },
    close: () => shut(server),
  };
  const accounts = new Map<string, Account>();
  const provider = new Provider(base, {
    clients: [
      {
        client_id: 'gatehouse',
        client_secret: CLIENT_SECRET,
        redirect_uris: redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' }] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, sub) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return { accountId: sub, claims: async () => ({ ...account }) };
    },
  });
  const callback = provider.callback();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!req.url?.startsWith('/interaction/')) return callback(req, res);
    void (async () => {
      const details = await provider.interactionDetails(req, res);
      const account = upstream.current;
      accounts.set(account.sub, account);
      const grant = new provider.Grant({ accountId: account.sub, clientId: String(details.params.client_id) });
      grant.addOIDCScope(String(details.params.scope));
      const grantId = await grant.save();
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: account.sub }, consent: { grantId } },
        { mergeWithLastSubmission: false },
      );
    })().catch((err: unknown) => json(res, 500, { error: String(err) }));
  });
  return upstream;
}

/** How a hand-written OIDC provider spoils its ID token. */
export type Spoil = 'none' | 'issuer' | 'audience' | 'nonce' | 'signature';

/**
 * A small OpenID provider written for the test, whose ID tokens can be spoiled one claim at a
 * time (`spoil`): what a mixed-up or malicious provider would answer.
 */
export async function forgingProvider(): Promise<Upstream & { spoil: Spoil }> {
  const opened = await openServer();
  const { base, server } = opened;
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const codes = new Map<string, { nonce: string; challenge: string; account: Account }>();
  const upstream = {
    base,
    spoil: 'none' as Spoil,
    current: { sub: 'mallory', email: 'forged@corp.example', email_verified: true, name: 'Forged' },
    close: () => shut(server),
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? '/', base);
      if (url.pathname === '/.well-known/openid-configuration')
        return json(res, 200, {
          issuer: base,
          authorization_endpoint: `${base}/authorize`,
          token_endpoint: `${base}/token`,
          jwks_uri: `${base}/jwks`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['ES256'],
          code_challenge_methods_supported: ['S256'],
        });
      if (url.pathname === '/jwks')
        return json(res, 200, { keys: [{ ...(await exportJWK(publicKey)), kid: 'f1', alg: 'ES256', use: 'sig' }] });
      if (url.pathname === '/authorize') {
        const code = randomBytes(16).toString('base64url');
        codes.set(code, {
          nonce: url.searchParams.get('nonce') ?? '',
          challenge: url.searchParams.get('code_challenge') ?? '',
          account: upstream.current,
        });
        const back = new URL(url.searchParams.get('redirect_uri') ?? '');
        back.searchParams.set('code', code);
        back.searchParams.set('state', url.searchParams.get('state') ?? '');
        res.writeHead(302, { location: back.href }).end();
        return;
      }
      if (url.pathname === '/token' && req.method === 'POST') {
        const form = await body(req);
        const grant = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        if (!grant || s256(form.get('code_verifier') ?? '') !== grant.challenge) return json(res, 400, { error: 'invalid_grant' });
        const spoil = upstream.spoil;
        const now = Math.floor(Date.now() / 1000);
        const idToken = await new SignJWT({ ...grant.account, nonce: spoil === 'nonce' ? 'another-nonce' : grant.nonce })
          .setProtectedHeader({ alg: 'ES256', kid: 'f1' })
          .setIssuer(spoil === 'issuer' ? 'https://elsewhere.example' : base)
          .setAudience(spoil === 'audience' ? 'another-client' : 'gatehouse')
          .setSubject(grant.account.sub)
          .setIssuedAt(now)
          .setExpirationTime(now + 300)
          .sign(spoil === 'signature' ? other : privateKey);
        return json(res, 200, {
          access_token: randomBytes(16).toString('base64url'),
          token_type: 'Bearer',
          expires_in: 300,
          id_token: idToken,
        });
      }
      json(res, 404, { error: 'not_found' });
    })().catch((err: unknown) => json(res, 500, { error: String(err) }));
  });
  return upstream;
}

/** A GitHub account: its numeric id, login, and the addresses `/user/emails` lists. */
export interface GitHubAccount {
  id: number;
  login: string;
  name: string | null;
  emails: { email: string; primary: boolean; verified: boolean }[];
}

/**
 * A GitHub-shaped OAuth server: `/login/oauth/authorize` (approves at once for `current`),
 * `/login/oauth/access_token` (checks the secret and PKCE; a bad code is HTTP 200 with `error`,
 * as GitHub answers), and the API's `/api/user` and `/api/user/emails`.
 */
export async function githubServer(): Promise<Omit<Upstream, 'current'> & { current: GitHubAccount }> {
  const { server, base } = await openServer();
  const codes = new Map<string, { challenge: string; account: GitHubAccount }>();
  const tokens = new Map<string, GitHubAccount>();
  const upstream = {
    base,
    current: {
      id: 4242,
      login: 'octo',
      name: 'Octo Cat',
      emails: [{ email: 'octo@gh.example', primary: true, verified: true }],
    } as GitHubAccount,
    close: () => shut(server),
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? '/', base);
      if (url.pathname === '/login/oauth/authorize') {
        const code = randomBytes(16).toString('hex');
        codes.set(code, { challenge: url.searchParams.get('code_challenge') ?? '', account: upstream.current });
        const back = new URL(url.searchParams.get('redirect_uri') ?? '');
        back.searchParams.set('code', code);
        back.searchParams.set('state', url.searchParams.get('state') ?? '');
        res.writeHead(302, { location: back.href }).end();
        return;
      }
      if (url.pathname === '/login/oauth/access_token' && req.method === 'POST') {
        const form = await body(req);
        const grant = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        if (form.get('client_id') !== 'gh-client' || form.get('client_secret') !== CLIENT_SECRET)
          return json(res, 200, { error: 'incorrect_client_credentials' });
        if (!grant || s256(form.get('code_verifier') ?? '') !== grant.challenge) return json(res, 200, { error: 'bad_verification_code' });
        const token = `gho_${randomBytes(16).toString('hex')}`;
        tokens.set(token, grant.account);
        registerSecret(token);
        return json(res, 200, { access_token: token, token_type: 'bearer', scope: 'read:user,user:email' });
      }
      const account = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
      if (url.pathname.startsWith('/api/') && !account) return json(res, 401, { message: 'Bad credentials' });
      if (url.pathname === '/api/user') return json(res, 200, { id: account?.id, login: account?.login, name: account?.name });
      if (url.pathname === '/api/user/emails') return json(res, 200, account?.emails);
      json(res, 404, { message: 'Not Found' });
    })().catch((err: unknown) => json(res, 500, { error: String(err) }));
  });
  return upstream;
}
