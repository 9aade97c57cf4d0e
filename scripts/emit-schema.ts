// Writes schema.graphql from the code-first schema; with --check, fails when the committed file differs.
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emitSchemaDefinitionFile } from 'type-graphql';
import { buildLakegateSchema } from '../src/schema/build-schema.js';
import { InMemoryPubSub } from '../src/subscriptions/pubsub.js';

const target = 'schema.graphql';
const check = process.argv.includes('--check');
const schema = await buildLakegateSchema(new InMemoryPubSub());
const out = check ? join(tmpdir(), `lakegate-schema-${process.pid}.graphql`) : target;
await emitSchemaDefinitionFile(out, schema);
if (check) {
  const [committed, current] = await Promise.all([
    readFile(target, 'utf8').catch(() => ''),
    readFile(out, 'utf8'),
  ]);
  if (committed !== current) {
    console.error(`${target} is out of date: run \`npm run schema\` and commit the result`);
    process.exit(1);
  }
}
