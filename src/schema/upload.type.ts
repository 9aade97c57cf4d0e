import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { DataObject } from './data-object.type.js';
import { JSONScalar, SafeInt } from './scalars.js';

@InputType({ description: 'Catalog fields that come with a file.' })
export class ObjectMetadataInput {
  @Field(() => String, { nullable: true, description: "Default: the caller's token subject." })
  owner?: string;

  @Field(() => String, { nullable: true })
  application?: string;

  @Field(() => JSONScalar, {
    nullable: true,
    description:
      'Free JSON (templates, annotations); keys may not be empty, start with "$" or contain "." or NUL.',
  })
  otherData?: Record<string, unknown>;

  @Field(() => String, {
    nullable: true,
    description: 'Which pipeline processes the file: "default" (by the pipeline rules) or a pipeline name.',
  })
  dataProcessing?: string;

  @Field(() => SafeInt, {
    nullable: true,
    description:
      'The file size, when the client knows it: the gateway then streams without buffering, and checks it.',
  })
  size?: number;

  @Field(() => String, {
    nullable: true,
    description: "Overrides the content type the client's multipart part declared.",
  })
  contentType?: string;
}

@ObjectType({ simpleResolvers: true, description: 'The outcome of an upload.' })
export class UploadResult {
  @Field(() => ID)
  uploadId!: string;

  @Field(() => DataObject)
  object!: DataObject;

  @Field(() => DataObject, {
    nullable: true,
    description: 'An earlier object of the project with the same content.',
  })
  duplicateOf!: DataObject | null;

  @Field(() => Boolean, {
    description: 'True when an Idempotency-Key matched an earlier request: its result, nothing stored twice.',
  })
  replayed!: boolean;
}

@InputType()
export class CreateUploadInput {
  @Field(() => String)
  project!: string;

  @Field(() => String)
  fileName!: string;

  @Field(() => String)
  contentType!: string;

  @Field(() => SafeInt, { description: 'Exact size in bytes: the URL accepts only a body of this size.' })
  size!: number;

  @Field(() => String, {
    nullable: true,
    description:
      'Hex SHA-256 of the file. A checksum-aware store then refuses other bytes; completeUpload checks it either way.',
  })
  sha256?: string;

  @Field(() => ObjectMetadataInput, { nullable: true })
  metadata?: ObjectMetadataInput;
}

@ObjectType({ simpleResolvers: true })
export class HttpHeader {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  value!: string;
}

@ObjectType({ simpleResolvers: true, description: 'A presigned HTTP request: send exactly these headers.' })
export class PresignedRequestType {
  @Field(() => String)
  method!: string;

  @Field(() => String)
  url!: string;

  @Field(() => [HttpHeader])
  headers!: HttpHeader[];

  @Field(() => Date)
  expiresAt!: Date;
}

@ObjectType({
  simpleResolvers: true,
  description:
    'One part of a multipart upload: PUT its bytes, keep the ETag response header for completeUpload.',
})
export class PresignedPart {
  @Field(() => Int)
  partNumber!: number;

  @Field(() => SafeInt, { description: 'Bytes of the file in this part, in order.' })
  size!: number;

  @Field(() => PresignedRequestType)
  request!: PresignedRequestType;
}

@ObjectType({
  simpleResolvers: true,
  description: 'Where to PUT the bytes, then call completeUpload(uploadId).',
})
export class PresignedUpload {
  @Field(() => ID)
  uploadId!: string;

  @Field(() => DataObject, { description: 'The entry, PENDING until completeUpload verifies the bytes.' })
  object!: DataObject;

  @Field(() => PresignedRequestType, {
    nullable: true,
    description: 'The single PUT; null when the file goes up in parts.',
  })
  request!: PresignedRequestType | null;

  @Field(() => [PresignedPart], { description: 'Parts of a multipart upload; empty for a single PUT.' })
  parts!: PresignedPart[];

  @Field(() => SafeInt, { nullable: true })
  partSize!: number | null;

  @Field(() => Boolean)
  replayed!: boolean;
}

@InputType()
export class CompletedPartInput {
  @Field(() => Int)
  partNumber!: number;

  @Field(() => String, { description: 'The ETag header the part PUT answered with.' })
  etag!: string;
}
