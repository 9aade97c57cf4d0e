// The baseline of the overhead suite: a GraphQL server as one writes it by hand, graphql-js over
// node:http, its resolvers reading lakegate's catalog directly. No auth, no limits, no logging.
// Run as its own process: `node bare-server.js <mongodb://…/db | folder with catalog.jsonl>`;
// it sends its URL to the parent over IPC and serves until killed.
import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import {
  type DocumentNode,
  execute,
  GraphQLEnumType,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  parse,
  validate,
} from 'graphql';
import { GraphQLDateTimeISO, GraphQLSafeInt } from 'graphql-scalars';
import { MongoClient } from 'mongodb';
import { type CatalogEntry } from '../src/datasources/catalog/catalog.js';
import { EmbeddedCatalog } from '../src/datasources/catalog/embedded.catalog.js';

interface Store {
  projectExists(project: string): Promise<boolean>;
  newest(project: string, first: number): Promise<CatalogEntry[]>;
  entries(project: string, objectIds: number[]): Promise<CatalogEntry[]>;
}

async function mongoStore(url: string): Promise<Store> {
  const client = await new MongoClient(url).connect();
  const db = client.db();
  const entries = db.collection<CatalogEntry & { _id: string }>('entries');
  const projects = db.collection<{ _id: string }>('projects');
  return {
    projectExists: async (project) => (await projects.countDocuments({ _id: project }, { limit: 1 })) > 0,
    newest: (project, first) => entries.find({ project }).sort({ objectId: -1 }).limit(first).toArray(),
    entries: (project, ids) => entries.find({ _id: { $in: ids.map((id) => `${project}/${id}`) } }).toArray(),
  };
}

async function embeddedStore(dir: string): Promise<Store> {
  const catalog = new EmbeddedCatalog(dir);
  await catalog.init();
  return {
    projectExists: async (project) => (await catalog.projects([project]))[0] !== null,
    newest: (project, first) => catalog.findEntries(project, {}, first),
    entries: async (project, ids) =>
      (await catalog.entries(project, ids)).filter((e): e is CatalogEntry => e !== null),
  };
}

/** Per request: the entries a page's duplicateOf fields point at, fetched in one query after the page. */
interface Context {
  duplicates?: Promise<Map<number, CatalogEntry>>;
  page: Map<number, CatalogEntry>;
}

function schemaOver(store: Store): GraphQLSchema {
  const status = new GraphQLEnumType({
    name: 'ObjectStatus',
    values: { PENDING: {}, STORED: {}, FAILED: {}, QUARANTINED: {} },
  });
  const dataObject: GraphQLObjectType<CatalogEntry, Context> = new GraphQLObjectType({
    name: 'DataObject',
    fields: () => ({
      objectId: { type: new GraphQLNonNull(GraphQLInt) },
      project: { type: new GraphQLNonNull(GraphQLString) },
      originalName: { type: new GraphQLNonNull(GraphQLString) },
      contentType: { type: new GraphQLNonNull(GraphQLString) },
      owner: { type: new GraphQLNonNull(GraphQLString) },
      size: { type: GraphQLSafeInt },
      sha256: { type: GraphQLString },
      status: { type: new GraphQLNonNull(status) },
      createdAt: { type: new GraphQLNonNull(GraphQLDateTimeISO) },
      duplicateOf: {
        type: dataObject,
        resolve: async (entry, _args, ctx) => {
          if (entry.duplicateOf === null) return null;
          const inPage = ctx.page.get(entry.duplicateOf);
          if (inPage) return inPage;
          ctx.duplicates ??= (async () => {
            const missing = [...ctx.page.values()]
              .map((e) => e.duplicateOf)
              .filter((id): id is number => id !== null && !ctx.page.has(id));
            const found = await store.entries(entry.project, [...new Set(missing)]);
            return new Map(found.map((e) => [e.objectId, e]));
          })();
          return (await ctx.duplicates).get(entry.duplicateOf) ?? null;
        },
      },
    }),
  });
  const connection = new GraphQLObjectType({
    name: 'DataObjectConnection',
    fields: { nodes: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(dataObject))) } },
  });
  const query = new GraphQLObjectType<unknown, Context>({
    name: 'Query',
    fields: {
      objects: {
        type: new GraphQLNonNull(connection),
        args: {
          project: { type: new GraphQLNonNull(GraphQLString) },
          first: { type: new GraphQLNonNull(GraphQLInt), defaultValue: 20 },
        },
        resolve: async (_root, args: { project: string; first: number }, ctx) => {
          if (args.first < 1 || args.first > 100) throw new Error('first must be 1 to 100');
          const [exists, nodes] = await Promise.all([
            store.projectExists(args.project),
            store.newest(args.project, args.first),
          ]);
          if (!exists) throw new Error(`no project ${args.project}`);
          for (const e of nodes) ctx.page.set(e.objectId, e);
          return { nodes };
        },
      },
    },
  });
  return new GraphQLSchema({ query });
}

function serve(schema: GraphQLSchema) {
  const documents = new Map<string, DocumentNode>();
  const prepare = (source: string): { document?: DocumentNode; errors?: readonly Error[] } => {
    const cached = documents.get(source);
    if (cached) return { document: cached };
    const document = parse(source);
    const errors = validate(schema, document);
    if (errors.length > 0) return { errors };
    documents.set(source, document);
    return { document };
  };
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      try {
        const { query, variables } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          query: string;
          variables?: Record<string, unknown>;
        };
        const { document, errors } = prepare(query);
        if (!document) return send(400, { errors });
        const context: Context = { page: new Map() };
        send(200, await execute({ schema, document, variableValues: variables, contextValue: context }));
      } catch (error) {
        send(400, { errors: [{ message: (error as Error).message }] });
      }
    });
  });
}

const target = process.argv[2]!;
const store = target.startsWith('mongodb') ? await mongoStore(target) : await embeddedStore(target);
const server = serve(schemaOver(store));
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send!({ url: `http://127.0.0.1:${port}/graphql` });
});
