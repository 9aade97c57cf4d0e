import { Field, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { type DuplicatePolicy as Policy } from '../datasources/catalog/catalog.js';
import { SafeInt } from './scalars.js';

export const DuplicatePolicy = { KEEP: 'KEEP', REJECT: 'REJECT' } as const satisfies Record<Policy, Policy>;
registerEnumType(DuplicatePolicy, {
  name: 'DuplicatePolicy',
  description: 'What happens to a file whose content (SHA-256) the project has already.',
  valuesConfig: {
    KEEP: { description: 'Store it, and point duplicateOf at the first object with that content.' },
    REJECT: { description: 'Refuse it with DUPLICATE_CONTENT; nothing is stored.' },
  },
});

@ObjectType({
  simpleResolvers: true,
  description: 'Ingestion constraints of a project, enforced before any byte is stored.',
})
export class TenantProfile {
  @Field(() => SafeInt, {
    nullable: true,
    description: 'Largest file in bytes; null: only the gateway limit.',
  })
  maxFileSize!: number | null;

  @Field(() => Int, { nullable: true, description: 'Most objects stored or being stored; null: no limit.' })
  maxFiles!: number | null;

  @Field(() => [String], { description: 'Allowed file extensions without the dot; empty: any.' })
  allowedExtensions!: string[];

  @Field(() => [String], { description: 'Allowed content types (type/subtype, or type/*); empty: any.' })
  allowedContentTypes!: string[];

  @Field(() => DuplicatePolicy)
  duplicatePolicy!: Policy;

  @Field(() => Boolean, {
    description: 'Each stored object is handed to the pipeline the rules (or its dataProcessing) choose.',
  })
  pipelineOnUpload!: boolean;
}

@InputType({ description: 'Profile settings; omitted ones keep their current (or default) value.' })
export class TenantProfileInput {
  @Field(() => SafeInt, { nullable: true })
  maxFileSize?: number | null;

  @Field(() => Int, { nullable: true })
  maxFiles?: number | null;

  @Field(() => [String], { nullable: true })
  allowedExtensions?: string[];

  @Field(() => [String], { nullable: true })
  allowedContentTypes?: string[];

  @Field(() => DuplicatePolicy, { nullable: true })
  duplicatePolicy?: Policy;

  @Field(() => Boolean, { nullable: true })
  pipelineOnUpload?: boolean;
}

@ObjectType({
  simpleResolvers: true,
  description: 'A project (container): one bucket in the raw zone, its objects in the catalog.',
})
export class Project {
  @Field(() => String)
  name!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => TenantProfile)
  profile!: TenantProfile;
}
