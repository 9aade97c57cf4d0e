import { type FilePart } from '../../helpers/lake.js';
import { PNG } from '../../helpers/graph.js';

const ROWS = 20;

/**
 * The i-th small file of the soak, every one different: a note (no pipeline), JSON readings
 * (json-to-influx into `measurement`), CSV rows (csv-to-cassandra, one table for all) and an annotated
 * PNG (image-to-neo4j), in turn.
 */
export function soakFile(i: number, measurement: string): { file: FilePart; otherData: unknown } {
  const rows = Array.from({ length: ROWS }, (_, k) => k);
  switch (i % 4) {
    case 0:
      return {
        file: { name: `note-${i}.txt`, type: 'text/plain', content: Buffer.from(`note ${i}\n`) },
        otherData: null,
      };
    case 1: {
      const now = Date.now();
      const records = rows.map((k) => ({ at: now + k, v: i + k / ROWS }));
      return {
        file: {
          name: `r-${i}.json`,
          type: 'application/json',
          content: Buffer.from(JSON.stringify(records)),
        },
        otherData: { template: { measurement, timeField: 'at', timeFormat: 'ms', fields: ['v'] } },
      };
    }
    case 2:
      return {
        file: {
          name: `t-${i}.csv`,
          type: 'text/csv',
          content: Buffer.from(['sensor,reading', ...rows.map((k) => `s${i},${k}`)].join('\n')),
        },
        otherData: { table: { name: 'readings' } },
      };
    default:
      return {
        file: {
          name: `p-${i}.png`,
          type: 'image/png',
          content: Buffer.concat([PNG, Buffer.from(String(i))]),
        },
        otherData: { imageContent: { mainObjects: [`t${i % 7}`], secondaryObjects: [`t${i % 5}`] } },
      };
  }
}
