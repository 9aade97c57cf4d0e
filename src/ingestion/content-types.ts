import { extensionOf } from './names.js';

/** Content types of common data-lake files, by extension; anything else is application/octet-stream. */
const TYPES: Record<string, string> = {
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  txt: 'text/plain',
  log: 'text/plain',
  md: 'text/markdown',
  json: 'application/json',
  ndjson: 'application/x-ndjson',
  jsonl: 'application/x-ndjson',
  xml: 'application/xml',
  yaml: 'application/yaml',
  yml: 'application/yaml',
  parquet: 'application/vnd.apache.parquet',
  avro: 'application/avro',
  pdf: 'application/pdf',
  zip: 'application/zip',
  gz: 'application/gzip',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  mp4: 'video/mp4',
  wav: 'audio/wav',
};

export function contentTypeOf(extension: string): string {
  // own keys only: a file named x.constructor must not find Object.prototype's
  return Object.hasOwn(TYPES, extension) ? TYPES[extension]! : 'application/octet-stream';
}

/**
 * The content type to catalog: the one the client declared, unless it declared nothing useful (curl and
 * many HTTP clients send application/octet-stream for any file), then the one its extension says.
 */
export function effectiveContentType(declared: string | undefined, fileName: string): string {
  if (declared && declared !== 'application/octet-stream') return declared;
  return contentTypeOf(extensionOf(fileName));
}
