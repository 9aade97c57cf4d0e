#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ROLES, type Role } from './auth/principal.js';
import { resolveTokenSettings } from './auth/local-secret.js';
import { mintToken } from './auth/tokens.js';
import { formatSummary, ingest } from './cli/ingest.js';
import { loadConfig } from './config.js';

const USAGE = `usage:
  lakegate ingest <dir> --project <name> [--token <jwt>] [--url http://127.0.0.1:4000/graphql]
                        [--concurrency 2] [--owner <name>] [--application <name>]
                 (the token defaults to LAKEGATE_TOKEN; it needs the editor role in the project)
  lakegate token (--project <name>... --role viewer|editor|admin | --admin) [--subject <name>] [--expires 8h]
                 (signs with AUTH_JWT_SECRET, or with the secret a gateway without one keeps in DATA_DIR)`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'token') return token(rest);
  if (command !== 'ingest') {
    process.stderr.write(`${USAGE}\n`);
    return command === undefined || command === '--help' ? 0 : 2;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      project: { type: 'string' },
      url: { type: 'string', default: process.env['LAKEGATE_URL'] ?? 'http://127.0.0.1:4000/graphql' },
      token: { type: 'string', default: process.env['LAKEGATE_TOKEN'] },
      concurrency: { type: 'string', default: '2' },
      owner: { type: 'string' },
      application: { type: 'string' },
    },
  });
  const dir = positionals[0];
  if (!dir || !values.project) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  if (!values.token) {
    process.stderr.write('lakegate: set LAKEGATE_TOKEN or pass --token (`lakegate token` mints one)\n');
    return 2;
  }
  const summary = await ingest({
    dir,
    project: values.project,
    url: values.url,
    token: values.token,
    concurrency: Number(values.concurrency),
    owner: values.owner,
    application: values.application,
    out: process.stdout,
  });
  process.stdout.write(`${formatSummary(summary)}\n`);
  return summary.failed.length > 0 ? 1 : 0;
}

/** Mints a token with the gateway's own secret, for local use. */
async function token(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      subject: { type: 'string', default: process.env['USER'] ?? 'local' },
      project: { type: 'string', multiple: true },
      role: { type: 'string' },
      admin: { type: 'boolean', default: false },
      expires: { type: 'string', default: '8h' },
    },
  });
  const role = values.role as Role | undefined;
  const config = loadConfig();
  if (!values.admin && (!values.project?.length || !role || !ROLES.includes(role))) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const settings = resolveTokenSettings(config.auth);
  if (!settings.secret) {
    process.stderr.write(
      'lakegate: this gateway verifies tokens against AUTH_JWKS_URL: get one from its issuer\n',
    );
    return 2;
  }
  const projects = Object.fromEntries((values.project ?? []).map((p) => [p, role!]));
  const minted = await mintToken(
    { ...settings, secret: settings.secret },
    { subject: values.subject, admin: values.admin, projects, expiresIn: values.expires },
  );
  process.stdout.write(`${minted}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`lakegate: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
