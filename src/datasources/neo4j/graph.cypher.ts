/**
 * The Cypher of the graph store. Labels and relationship types are fixed here; every value is a parameter.
 * Model: (:Image {project, objectId, runId, format})-[:CONTAINS {role, runId}]->(:Thing {project, name}).
 */

export const SCHEMA = [
  'CREATE CONSTRAINT lakegate_image_key IF NOT EXISTS FOR (i:Image) REQUIRE (i.project, i.objectId) IS UNIQUE',
  'CREATE CONSTRAINT lakegate_thing_key IF NOT EXISTS FOR (t:Thing) REQUIRE (t.project, t.name) IS UNIQUE',
];

/** Per image: merge its node, drop CONTAINS to things it no longer lists, merge the rest. */
export const MERGE_IMAGES = `
UNWIND $images AS img
MERGE (i:Image {project: img.project, objectId: img.objectId})
SET i.runId = img.runId, i.format = img.format
WITH i, img
OPTIONAL MATCH (i)-[gone:CONTAINS]->(old:Thing)
  WHERE NOT old.name IN [t IN img.things | t.name]
DELETE gone
WITH DISTINCT i, img
UNWIND img.things AS thing
MERGE (t:Thing {project: img.project, name: thing.name})
MERGE (i)-[r:CONTAINS]->(t)
SET r.role = thing.role, r.runId = img.runId`;

const IMAGE_FIELDS = `i.objectId AS objectId, i.runId AS runId, i.format AS format,
  [(i)-[r:CONTAINS]->(t:Thing) | {name: t.name, role: r.role}] AS things`;

export const IMAGES = `
UNWIND $objectIds AS objectId
MATCH (i:Image {project: $project, objectId: objectId})
RETURN ${IMAGE_FIELDS}`;

/** Aggregation keeps the order of the rows it collects, so the slice is the top `limit` of each object. */
export const SIMILAR_IMAGES = `
UNWIND $objectIds AS objectId
MATCH (a:Image {project: $project, objectId: objectId})-[ra:CONTAINS]->(t:Thing)<-[rb:CONTAINS]-(b:Image)
WHERE b <> a
WITH objectId, b, sum($weights[ra.role] * $weights[rb.role]) AS score, collect(t.name) AS shared
ORDER BY objectId, score DESC, size(shared) DESC, b.objectId
WITH objectId, collect({objectId: b.objectId, score: score, sharedThings: shared})[..$limit] AS similar
RETURN objectId, similar`;

export const THINGS = `
UNWIND $names AS name
MATCH (t:Thing {project: $project, name: name})
WITH name, COUNT { (t)<-[:CONTAINS]-(:Image) } AS imageCount
WHERE imageCount > 0
RETURN name, imageCount`;

export const IMAGES_OF_THING = `
UNWIND $names AS name
MATCH (:Thing {project: $project, name: name})<-[:CONTAINS]-(i:Image)
WITH name, i
ORDER BY i.objectId
WITH name, collect(i)[..$limit] AS images
UNWIND images AS i
RETURN name, ${IMAGE_FIELDS}`;
