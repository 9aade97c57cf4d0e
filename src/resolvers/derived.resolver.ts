import { FieldResolver, Resolver, Root } from 'type-graphql';
import { type CatalogEntry } from '../datasources/catalog/catalog.js';
import { DataObject } from '../schema/data-object.type.js';
import { DerivedData } from '../schema/lineage.type.js';

@Resolver(() => DataObject)
export class DerivedDataResolver {
  @FieldResolver(() => DerivedData, {
    description: 'The gold data made from this object by its pipeline runs.',
  })
  derived(@Root() entry: CatalogEntry): DerivedData {
    return { project: entry.project, objectId: entry.objectId };
  }
}
