import neo4j, { type Driver } from 'neo4j-driver';
import { type CatalogEntry } from '../../src/datasources/catalog/catalog.js';
import { storedEntry } from './step-context.js';

/** A 1×1 PNG and a 1×1 JPEG, as a camera or an editor writes them. */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
export const JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=',
  'base64',
);

/** An image's entry as the graph step sees it. */
export function catalogEntry(
  project: string,
  objectId: number,
  otherData: Record<string, unknown> | null,
  contentType = 'image/png',
): CatalogEntry {
  return storedEntry(project, objectId, `photo-${objectId}.png`, otherData, { contentType, size: null });
}

export interface GraphCounts {
  images: number;
  things: number;
  contains: number;
}

/** What the graph holds for a project, read with the driver. */
export async function graphCounts(driver: Driver, project: string): Promise<GraphCounts> {
  const { records } = await driver.executeQuery(
    `CALL () { MATCH (i:Image {project: $project}) RETURN count(i) AS images }
     CALL () { MATCH (t:Thing {project: $project}) RETURN count(t) AS things }
     CALL () { MATCH (:Image {project: $project})-[r:CONTAINS]->() RETURN count(r) AS contains }
     RETURN images, things, contains`,
    { project },
  );
  const r = records[0]!;
  return {
    images: r.get('images').toNumber(),
    things: r.get('things').toNumber(),
    contains: r.get('contains').toNumber(),
  };
}

/** The things of one image with their role and run, by name, read with the driver. */
export async function imageThingsOf(
  driver: Driver,
  project: string,
  objectId: number,
): Promise<{ name: string; role: string; runId: string }[]> {
  const { records } = await driver.executeQuery(
    `MATCH (:Image {project: $project, objectId: $objectId})-[r:CONTAINS]->(t:Thing)
     RETURN t.name AS name, r.role AS role, r.runId AS runId ORDER BY name`,
    { project, objectId: neo4j.int(objectId) },
  );
  return records.map((r) => ({ name: r.get('name'), role: r.get('role'), runId: r.get('runId') }));
}

export async function dropGraphProject(driver: Driver, project: string): Promise<void> {
  await driver.executeQuery('MATCH (n) WHERE (n:Image OR n:Thing) AND n.project = $project DETACH DELETE n', {
    project,
  });
}
