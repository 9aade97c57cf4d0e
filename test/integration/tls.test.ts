import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cassandraClientOptions } from '../../src/datasources/cassandra/cassandra.connection.js';
import { loadConfig } from '../../src/config.js';
import { SourcesDocument } from '../generated/graphql.js';
import { graphql, startTestGateway } from '../helpers/gateway.js';

/** A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl. */
function certificates(dir: string) {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=test CA',
  );
  for (const name of ['server', 'client']) {
    run(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${name}`,
    );
    writeFileSync(
      join(dir, `${name}.ext`),
      name === 'server' ? 'subjectAltName=IP:127.0.0.1' : 'extendedKeyUsage=clientAuth',
    );
    run(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    );
  }
  return (file: string) => join(dir, file);
}

const PORT = 16400 + Math.floor(Math.random() * 100);

describe('stores over TLS', () => {
  let redis: ChildProcess;
  let file: (name: string) => string;
  before(async () => {
    file = certificates(mkdtempSync(join(tmpdir(), 'tls-')));
    // A Redis that takes only TLS connections with a client certificate signed by the test CA.
    redis = spawn(
      'redis-server',
      [
        '--port',
        '0',
        '--tls-port',
        String(PORT),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--tls-cert-file',
        file('server.crt'),
        '--tls-key-file',
        file('server.key'),
        '--tls-ca-cert-file',
        file('ca.crt'),
        '--tls-auth-clients',
        'yes',
      ],
      { stdio: 'pipe' },
    );
    let out = '';
    redis.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    while (!out.includes('Ready to accept connections')) await once(redis.stdout!, 'data');
  });
  after(async () => {
    redis.kill('SIGKILL');
    await once(redis, 'exit');
  });

  async function brokerStatus(env: Record<string, string>) {
    const gateway = await startTestGateway({
      REDIS_URL: `rediss://127.0.0.1:${PORT}`,
      SOURCE_TIMEOUT_MS: '1500',
      ...env,
    });
    try {
      const { body } = await graphql(gateway, SourcesDocument, {});
      return body.data?.sources.find((s) => s.name === 'broker')?.status;
    } finally {
      await gateway.close();
    }
  }

  it('reaches a store that trusts only its own CA and asks for a client certificate', async () => {
    assert.equal(
      await brokerStatus({
        TLS_CA_FILE: file('ca.crt'),
        TLS_CERT_FILE: file('client.crt'),
        TLS_KEY_FILE: file('client.key'),
      }),
      'UP',
    );
  });

  it('does not reach it without the CA, or without the client certificate', async () => {
    assert.equal(await brokerStatus({}), 'DOWN');
    assert.equal(await brokerStatus({ TLS_CA_FILE: file('ca.crt') }), 'DOWN');
  });

  it('refuses at start-up a file it cannot read, and a certificate without its key', () => {
    assert.throws(
      () => loadConfig({ TLS_CA_FILE: file('missing.crt') }),
      /TLS_CA_FILE: expected a readable file/,
    );
    assert.throws(() => loadConfig({ TLS_CERT_FILE: file('client.crt') }), /TLS_CERT_FILE, TLS_KEY_FILE/);
  });

  it('gives Cassandra the CA and certificate when the URL asks for TLS', () => {
    const material = { files: {}, ca: Buffer.from('ca'), cert: Buffer.from('cert'), key: Buffer.from('key') };
    const secure = cassandraClientOptions('cassandra://h:9042/?dc=dc1&tls=true', 1000, 1000, material);
    assert.deepEqual(secure.sslOptions, {
      ca: material.ca,
      cert: material.cert,
      key: material.key,
      rejectUnauthorized: true,
    });
    assert.equal(
      cassandraClientOptions('cassandra://h:9042/?dc=dc1', 1000, 1000, material).sslOptions,
      undefined,
    );
  });
});
