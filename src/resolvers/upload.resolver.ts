import { type FileUpload } from 'graphql-upload/processRequest.mjs';
import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { type Context } from '../context/context.js';
import { type CatalogEntry } from '../datasources/catalog/catalog.js';
import { assertStorableJson } from '../datasources/catalog/data-path.js';
import { pickIdempotencyKey } from '../ingestion/idempotency.js';
import { type PresignedUpload as Presigned } from '../ingestion/presigned-upload.js';
import { type UploadOutcome } from '../ingestion/stream-upload.js';
import { DataObject } from '../schema/data-object.type.js';
import { effectiveContentType } from '../ingestion/content-types.js';
import { type PipelineRuns } from '../pipelines/runs.js';
import { Upload } from '../schema/scalars.js';
import {
  CompletedPartInput,
  CreateUploadInput,
  ObjectMetadataInput,
  PresignedUpload,
  UploadResult,
} from '../schema/upload.type.js';

function catalogFields(metadata: ObjectMetadataInput | null | undefined, pipelines: PipelineRuns) {
  const otherData = metadata?.otherData ?? null;
  assertStorableJson(otherData);
  return {
    owner: metadata?.owner ?? 'anonymous',
    application: metadata?.application ?? null,
    otherData,
    dataProcessing: pipelines.checkDataProcessing(metadata?.dataProcessing ?? 'default'),
  };
}

function result(outcome: UploadOutcome): UploadResult {
  return {
    uploadId: outcome.entry.uploadId,
    object: outcome.entry,
    duplicateOf: outcome.duplicateOf,
    replayed: outcome.replayed,
  };
}

function presigned(p: Presigned): PresignedUpload {
  const request = (r: NonNullable<Presigned['request']>) => ({
    ...r,
    headers: Object.entries(r.headers).map(([name, value]) => ({ name, value })),
  });
  return {
    uploadId: p.entry.uploadId,
    object: p.entry,
    request: p.request && request(p.request),
    parts: p.parts.map((part) => ({ ...part, request: request(part.request) })),
    partSize: p.partSize,
    replayed: p.replayed,
  };
}

@Resolver()
export class UploadResolver {
  @Mutation(() => UploadResult, {
    description:
      'Uploads a file with a GraphQL multipart request, streamed to the raw zone and cataloged. An Idempotency-Key (argument or header) makes retries safe.',
  })
  async uploadFile(
    @Arg('project', () => String) projectName: string,
    @Arg('file', () => Upload) file: Promise<FileUpload>,
    @Arg('metadata', () => ObjectMetadataInput, { nullable: true }) metadata: ObjectMetadataInput | null,
    @Arg('idempotencyKey', () => String, { nullable: true }) idempotencyKey: string | null,
    @Ctx() ctx: Context,
  ): Promise<UploadResult> {
    const key = pickIdempotencyKey(idempotencyKey, ctx.idempotencyKey);
    const fields = catalogFields(metadata, ctx.services.pipelines);
    const project = await ctx.services.projects.get(projectName);
    const upload = await file;
    const outcome = await ctx.services.streamUploads.upload(project, {
      body: upload.createReadStream(),
      fileName: upload.filename,
      contentType: metadata?.contentType ?? effectiveContentType(upload.mimetype, upload.filename),
      declaredSize: metadata?.size ?? null,
      idempotencyKey: key,
      ...fields,
    });
    return result(outcome);
  }

  @Mutation(() => PresignedUpload, {
    description:
      'Starts an upload the client sends straight to the raw zone: PUT the bytes to the URL(s), then call completeUpload.',
  })
  async createUpload(
    @Arg('input', () => CreateUploadInput) input: CreateUploadInput,
    @Arg('idempotencyKey', () => String, { nullable: true }) idempotencyKey: string | null,
    @Ctx() ctx: Context,
  ): Promise<PresignedUpload> {
    const key = pickIdempotencyKey(idempotencyKey, ctx.idempotencyKey);
    const fields = catalogFields(input.metadata, ctx.services.pipelines);
    const project = await ctx.services.projects.get(input.project);
    const created = await ctx.services.presignedUploads.create(project, {
      fileName: input.fileName,
      contentType: input.contentType,
      size: input.size,
      sha256: input.sha256?.toLowerCase() ?? null,
      idempotencyKey: key,
      ...fields,
    });
    return presigned(created);
  }

  @Mutation(() => UploadResult, {
    description:
      'Verifies what was PUT (size, SHA-256) and catalogs it. For a multipart upload pass every part with its ETag.',
  })
  async completeUpload(
    @Arg('uploadId', () => ID) uploadId: string,
    @Arg('parts', () => [CompletedPartInput], { nullable: true }) parts: CompletedPartInput[] | null,
    @Ctx() ctx: Context,
  ): Promise<UploadResult> {
    return result(await ctx.services.presignedUploads.complete(uploadId, parts));
  }

  @Mutation(() => DataObject, {
    description: 'Cancels a pending presigned upload and removes what was sent.',
  })
  abortUpload(@Arg('uploadId', () => ID) uploadId: string, @Ctx() ctx: Context): Promise<CatalogEntry> {
    return ctx.services.presignedUploads.abort(uploadId);
  }
}
