#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { formatSummary, ingest } from './cli/ingest.js';

const USAGE = `usage:
  lakegate ingest <dir> --project <name> [--url http://127.0.0.1:4000/graphql] [--concurrency 2]
                        [--owner <name>] [--application <name>]`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
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
  const summary = await ingest({
    dir,
    project: values.project,
    url: values.url,
    concurrency: Number(values.concurrency),
    owner: values.owner,
    application: values.application,
    out: process.stdout,
  });
  process.stdout.write(`${formatSummary(summary)}\n`);
  return summary.failed.length > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`lakegate: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
