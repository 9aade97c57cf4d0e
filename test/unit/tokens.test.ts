import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { hasRole } from '../../src/auth/principal.js';
import { InvalidTokenError, mintToken, TokenVerifier } from '../../src/auth/tokens.js';

const settings = {
  secret: 'a-shared-secret-of-at-least-32-characters',
  issuer: 'lakegate',
  audience: 'lakegate',
};

describe('bearer tokens', () => {
  it('carry a principal with per-project roles, ranked viewer < editor < admin', async () => {
    const token = await mintToken(settings, {
      subject: 'ana',
      projects: { sensors: 'editor', photos: 'viewer' },
      expiresIn: '1h',
    });
    const { principal, expiresAt } = await new TokenVerifier(settings).verify(token);
    assert.equal(principal.subject, 'ana');
    assert.ok(expiresAt && expiresAt.getTime() > Date.now());
    assert.deepEqual(
      [
        hasRole(principal, 'sensors', 'viewer'),
        hasRole(principal, 'sensors', 'editor'),
        hasRole(principal, 'sensors', 'admin'),
        hasRole(principal, 'photos', 'editor'),
        hasRole(principal, 'other', 'viewer'),
      ],
      [true, true, false, false, false],
    );
    const admin = await new TokenVerifier(settings).verify(
      await mintToken(settings, { subject: 'root', admin: true, expiresIn: '5m' }),
    );
    assert.ok(hasRole(admin.principal, 'anything', 'admin'));
  });

  it('are refused when signed with another secret, for another issuer or audience, or expired', async () => {
    const verifier = new TokenVerifier(settings);
    const refused = async (token: string, reason: RegExp) =>
      assert.rejects(
        verifier.verify(token),
        (e: Error) => e instanceof InvalidTokenError && reason.test(e.message),
      );
    const base = { subject: 'ana', expiresIn: '1h' };
    await refused(
      await mintToken({ ...settings, secret: 'another-secret-of-at-least-32-chars!!' }, base),
      /signature/,
    );
    await refused(await mintToken({ ...settings, issuer: 'someone-else' }, base), /iss/);
    await refused(await mintToken({ ...settings, audience: 'another-api' }, base), /aud/);
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('ana')
      .setIssuer('lakegate')
      .setAudience('lakegate')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(settings.secret));
    await refused(expired, /exp/);
    await refused('not.a.token', /invalid token/);
  });

  it('are accepted again and again until they expire, then refused', async () => {
    const verifier = new TokenVerifier(settings);
    const token = await mintToken(settings, { subject: 'ana', expiresIn: '1h' });
    const first = await verifier.verify(token);
    assert.equal((await verifier.verify(token)).principal.subject, 'ana');
    const later = new Date(first.expiresAt!.getTime() + 1000);
    await assert.rejects(
      verifier.verify(token, later),
      (e: Error) => e instanceof InvalidTokenError && /exp/.test(e.message),
    );
  });

  it('refuse a malformed roles claim instead of guessing', async () => {
    const token = await new SignJWT({ lakegate: { projects: { sensors: 'owner' } } })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('ana')
      .setIssuer('lakegate')
      .setAudience('lakegate')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(settings.secret));
    await assert.rejects(new TokenVerifier(settings).verify(token), /lakegate claim is malformed/);
  });

  describe('verified against a JWKS URL', () => {
    let server: Server;
    let jwksUrl: string;
    const keys: Record<string, CryptoKey> = {};
    before(async () => {
      const rsa = await generateKeyPair('RS256');
      const ec = await generateKeyPair('ES256');
      keys['RS256'] = rsa.privateKey;
      keys['ES256'] = ec.privateKey;
      const jwks = {
        keys: [
          { ...(await exportJWK(rsa.publicKey)), kid: 'rsa', alg: 'RS256' },
          { ...(await exportJWK(ec.publicKey)), kid: 'ec', alg: 'ES256' },
        ],
      };
      server = createServer((_req, res) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks)),
      );
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address() as { port: number };
      jwksUrl = `http://127.0.0.1:${address.port}/.well-known/jwks.json`;
    });
    after(() => server.close());

    const sign = (alg: 'RS256' | 'ES256', kid: string) =>
      new SignJWT({ lakegate: { projects: { sensors: 'viewer' } } })
        .setProtectedHeader({ alg, kid })
        .setSubject('svc')
        .setIssuer('lakegate')
        .setAudience('lakegate')
        .setExpirationTime('10m')
        .sign(keys[alg]!);

    it('takes RS256 and ES256 tokens, and refuses an HS256 one', async () => {
      const verifier = new TokenVerifier({ jwksUrl, issuer: 'lakegate', audience: 'lakegate' });
      for (const [alg, kid] of [
        ['RS256', 'rsa'],
        ['ES256', 'ec'],
      ] as const) {
        const { principal } = await verifier.verify(await sign(alg, kid));
        assert.ok(hasRole(principal, 'sensors', 'viewer'), alg);
      }
      await assert.rejects(
        verifier.verify(await mintToken(settings, { subject: 'x', expiresIn: '1h' })),
        InvalidTokenError,
      );
    });
  });
});
