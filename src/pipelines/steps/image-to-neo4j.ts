import { type Readable } from 'node:stream';
import { z } from 'zod';
import {
  type GraphImage,
  type GraphStore,
  type ImageFormat,
  type ImageThing,
} from '../../datasources/neo4j/graph.store.js';
import { BadInputError } from '../../errors/errors.js';
import { type Step, type StepContext, type StepResult } from '../step.js';

const MAX_NAME = 200;
const MAX_THINGS = 1000;
const MAX_PROBLEMS = 5;

const thingNames = z
  .array(
    z
      .string({ invalid_type_error: 'expected a string' })
      .trim()
      .min(1, 'is empty')
      .max(MAX_NAME, `is longer than ${MAX_NAME} characters`),
    { required_error: 'is missing', invalid_type_error: 'expected an array of strings' },
  )
  .max(MAX_THINGS, `lists more than ${MAX_THINGS} things`);

const imageContent = z.object(
  { mainObjects: thingNames, secondaryObjects: thingNames.optional() },
  { required_error: 'is missing', invalid_type_error: 'expected an object' },
);

export type ImageContent = z.infer<typeof imageContent>;

/** `otherData.imageContent`, checked; a BAD_USER_INPUT error names every problem with its path. */
export function parseImageContent(otherData: Record<string, unknown> | null): ImageContent {
  const parsed = imageContent.safeParse(otherData?.['imageContent']);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (i) => ['otherData.imageContent', ...i.path].join('.').replace(/\.(\d+)/g, '[$1]') + ` ${i.message}`,
  );
  const more = problems.length > MAX_PROBLEMS ? ` (and ${problems.length - MAX_PROBLEMS} more)` : '';
  throw new BadInputError(
    `image-to-neo4j needs otherData.imageContent = { mainObjects: string[], secondaryObjects?: string[] }: ${problems.slice(0, MAX_PROBLEMS).join('; ')}${more}`,
    { argument: 'otherData.imageContent' },
  );
}

/** One relationship per name; a name listed as main and secondary is main. */
export function imageThings(content: ImageContent): ImageThing[] {
  const roles = new Map<string, ImageThing['role']>();
  for (const name of content.secondaryObjects ?? []) roles.set(name, 'secondary');
  for (const name of content.mainObjects) roles.set(name, 'main');
  return [...roles].map(([name, role]) => ({ name, role }));
}

/** The format from the file's signature, whatever its declared content type says. */
export function imageFormat(head: Buffer): ImageFormat | null {
  if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  return null;
}

async function firstBytes(stream: Readable, count: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      length += (chunk as Buffer).length;
      if (length >= count) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, count);
}

/** Writes an image object and the things its annotation lists (`otherData.imageContent`) to the graph. */
export class ImageToNeo4jStep implements Step {
  readonly name = 'image-to-neo4j';

  constructor(private readonly graph: GraphStore) {}

  async run(ctx: StepContext): Promise<StepResult> {
    const { entry } = ctx;
    const things = imageThings(parseImageContent(entry.otherData));
    const format = imageFormat(await firstBytes(await ctx.open(), 8));
    if (!format) {
      throw new BadInputError(
        `object ${entry.objectId} is not a JPEG or PNG image: its first bytes match neither signature`,
        {
          argument: 'objectId',
        },
      );
    }
    const image: GraphImage = {
      project: ctx.project,
      objectId: entry.objectId,
      runId: ctx.runId,
      format,
      things,
    };
    const result = await this.graph.mergeImages([image], { signal: ctx.signal });
    const main = things.filter((t) => t.role === 'main').length;
    ctx.progress(`image ${entry.objectId} written`, result.written);
    return {
      count: result.written,
      message:
        `1 ${format} image with ${main} main and ${things.length - main} secondary things ` +
        `(${result.nodesCreated} nodes and ${result.relationshipsCreated} relationships new, ` +
        `${result.relationshipsDeleted} relationships removed)`,
    };
  }
}
