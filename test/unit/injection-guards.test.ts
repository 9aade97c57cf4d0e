import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkKeySize,
  MAX_KEY_BYTES,
  parseCell,
  parseJsonValue,
} from '../../src/datasources/cassandra/cql-types.js';
import { assertDataPath, assertStorableJson } from '../../src/datasources/catalog/data-path.js';
import { interval, tagIdentifier, timeBound } from '../../src/datasources/influx/influxql.js';
import { lineProtocol } from '../../src/datasources/influx/line-protocol.js';
import { selectStatement } from '../../src/datasources/influx/series-query.js';
import { BadInputError } from '../../src/errors/errors.js';
import { contentTypeOf, effectiveContentType } from '../../src/ingestion/content-types.js';
import { assertContentType, cleanFileName } from '../../src/ingestion/names.js';
import { BUILT_IN_PIPELINES, hasPipeline, selectPipeline } from '../../src/pipelines/definitions.js';
import { parseTemplate, toPoint } from '../../src/pipelines/steps/series-template.js';
import { catalogEntry } from '../helpers/graph.js';
import { INJECTIONS, PATH_OR_CONTROL } from '../helpers/injection.js';

const PROTOTYPE_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];

const refuses = (fn: () => unknown, argument: string, label: string) =>
  assert.throws(
    fn,
    (e: unknown) => e instanceof BadInputError && e.extensions['argument'] === argument,
    label,
  );

describe('names looked up in tables of the gateway', () => {
  it('finds only the table’s own keys, never Object.prototype’s', () => {
    for (const name of PROTOTYPE_NAMES) {
      assert.equal(contentTypeOf(name), 'application/octet-stream', name);
      assert.equal(effectiveContentType('application/octet-stream', `x.${name}`), 'application/octet-stream');
      assert.equal(hasPipeline(BUILT_IN_PIPELINES, name), false, name);
      const entry = { ...catalogEntry('p', 1, null, 'text/csv'), dataProcessing: name };
      assert.equal(selectPipeline(BUILT_IN_PIPELINES, entry), null, `dataProcessing ${name}`);
      for (const parse of [() => parseCell('boolean', name), () => parseJsonValue('boolean', name)]) {
        assert.throws(parse, /is not a valid boolean/, name);
      }
    }
    assert.equal(contentTypeOf('csv'), 'text/csv');
    assert.equal(hasPipeline(BUILT_IN_PIPELINES, 'tables'), true);
    assert.equal(parseCell('boolean', 'TRUE'), true);
  });
});

describe('otherData as the catalog stores and filters it', () => {
  it('refuses keys MongoDB would read as operators or paths, or BSON cannot hold, at any depth', () => {
    for (const key of ['$where', '$ne', '$', 'a.b', 'a\u0000b', '']) {
      for (const value of [{ [key]: 1 }, { a: { [key]: 1 } }, { a: [{ b: [{ [key]: 1 }] }] }]) {
        refuses(() => assertStorableJson(value), 'metadata.otherData', JSON.stringify(value));
      }
    }
  });

  it('keeps values, and keys that are only names, as they are', () => {
    for (const value of [
      { a: '$where', b: 'a.b', c: 'x\u0000y' },
      JSON.parse('{"__proto__": {"template": 1}, "constructor": [1]}'),
      ['$ne', { ok: null }],
    ]) {
      assert.doesNotThrow(() => assertStorableJson(value));
    }
  });

  it('takes filter paths of plain names only', () => {
    for (const path of [
      '$where',
      'a.$ne',
      'a..b',
      '.a',
      'a.',
      'a b',
      'a\u0000b',
      '',
      'a.b.c.d.e.f.g.h.i.j.k',
    ]) {
      refuses(() => assertDataPath(path), 'filter.otherData.path', path);
    }
    for (const path of ['template.measurement', 'a-b.0', '__proto__', 'constructor']) {
      assert.doesNotThrow(() => assertDataPath(path), path);
    }
  });
});

describe('InfluxQL of a timeSeries read', () => {
  const query = {
    project: 'p',
    measurement: 'm',
    from: new Date('2026-01-01T00:00:00Z'),
    to: new Date('2026-01-02T00:00:00Z'),
    tags: [],
    every: null,
    aggregate: null,
    groupBy: null,
    maxPoints: 10,
  };

  it('binds every value, whatever it holds', () => {
    for (const value of INJECTIONS) {
      const { text, params } = selectStatement({ ...query, project: value, tags: [{ name: 'city', value }] });
      assert.equal(
        text,
        'SELECT * FROM "m" WHERE "project" = $p0 AND time >= $p1 AND time < $p2 AND "city" = $p3 GROUP BY *',
      );
      assert.deepEqual([params.values['p0'], params.values['p3']], [value, value]);
    }
  });

  it('takes windows up to 2^63-1 ns only', () => {
    for (const every of ['1ns', '1u', '15250w', '9223372036854775807ns', '0001s']) {
      assert.equal(interval(every), every);
    }
    for (const every of [
      '0s',
      '000ms',
      '9223372036854775808ns',
      '15251w',
      '99999999999999999999s',
      '1 s',
      '1s)',
      '',
    ]) {
      refuses(() => interval(every), 'every', every);
    }
  });

  it('never takes time for a tag', () => {
    for (const name of ['time', 'TIME', 'Time']) {
      refuses(() => tagIdentifier(name, 'groupBy'), 'groupBy', name);
      refuses(() => selectStatement({ ...query, tags: [{ name, value: 'x' }] }), 'tags.name', name);
    }
    assert.equal(tagIdentifier('timezone', 'groupBy'), '"timezone"');
    for (const name of INJECTIONS.filter((n) => !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(n))) {
      refuses(() => tagIdentifier(name, 'groupBy'), 'groupBy', name);
    }
  });

  it('bounds the range to the times InfluxQL compares', () => {
    assert.equal(timeBound(new Date('0001-01-01T00:00:00Z')), '1677-09-21T00:12:43.146Z');
    assert.equal(timeBound(new Date('9999-12-31T00:00:00Z')), '2262-04-11T23:47:16.854Z');
    assert.equal(timeBound(new Date('2026-01-01T00:00:00Z')), '2026-01-01T00:00:00.000Z');
  });
});

describe('points of the json-to-influx step', () => {
  const template = parseTemplate({
    template: { measurement: 'm', timeField: 'at', fields: ['v'], tags: ['city'] },
  });
  const at = '2026-01-01T00:00:00Z';

  it('refuses a tag value ending with a backslash, which would swallow the separator after it', () => {
    assert.match(String(toPoint(template, { at, v: 1, city: 'x\\' })), /ends with a backslash/);
    assert.equal(typeof toPoint(template, { at, v: 1, city: 'x\\y' }), 'object');
  });

  it('writes one line per point, whatever its tag values hold', () => {
    const lineage = { project: 'p', objectId: 1, runId: 'r' };
    const points = INJECTIONS.filter((city) => !city.endsWith('\\')).map((city, i) => {
      const point = toPoint(template, { at, v: i, city });
      assert.equal(typeof point, 'object', city);
      return point as Exclude<typeof point, string>;
    });
    const lines = lineProtocol(lineage, points).split('\n');
    assert.equal(lines.length, points.length);
    for (const line of lines) assert.match(line, /,object_id=1,project=p,run_id=r v=\d+ \d+$/);
  });

  it('reads a record’s own keys only, and refuses names no point could hold', () => {
    const inherited = parseTemplate({
      template: { measurement: 'm', timeField: 'at', fields: ['constructor'] },
    });
    assert.equal(toPoint(inherited, { at }), 'has no field constructor');
    const tagged = parseTemplate({
      template: { measurement: 'm', timeField: 'at', fields: ['v'], tags: ['toString'] },
    });
    assert.deepEqual((toPoint(tagged, { at, v: 1 }) as { tags: object }).tags, {});
    for (const name of ['__proto__', 'TIME', 'Time']) {
      for (const t of [{ fields: [name] }, { fields: ['v'], tags: [name] }]) {
        assert.throws(
          () => parseTemplate({ template: { measurement: 'm', timeField: 'at', ...t } }),
          BadInputError,
          JSON.stringify(t),
        );
      }
    }
  });
});

describe('Cassandra keys', () => {
  it('refuses a key longer than Cassandra keeps, before any request', () => {
    assert.doesNotThrow(() => checkKeySize(['x'.repeat(MAX_KEY_BYTES)]));
    assert.throws(() => checkKeySize(['x'.repeat(MAX_KEY_BYTES + 1)]), /more than the 65535/);
    assert.throws(() => checkKeySize(['é'.repeat(32_768)]), /more than the 65535/);
    // a composite key: each part with its length and end byte
    assert.throws(() => checkKeySize(['x'.repeat(40_000), 'y'.repeat(30_000)]), /more than/);
    assert.doesNotThrow(() => checkKeySize(['x'.repeat(40_000), 1, true]));
  });
});

describe('upload metadata that goes to the raw zone', () => {
  it('keeps content types to what an HTTP header carries', () => {
    for (const type of ['text/csv', 'text/plain; charset=utf-8', 'application/vnd.apache.parquet']) {
      assert.doesNotThrow(() => assertContentType(type), type);
    }
    for (const type of [
      '',
      ' text/csv',
      'a\u0000b',
      'text/plain\r\nx-amz-acl: public-read',
      'tëxt/csv',
      'x'.repeat(256),
    ]) {
      refuses(() => assertContentType(type), 'contentType', JSON.stringify(type));
    }
  });

  it('makes a plain, well-formed name of any file name', () => {
    assert.equal(cleanFileName('../../etc/passwd'), 'passwd');
    assert.equal(cleanFileName('..\\..\\boot.ini'), 'boot.ini');
    assert.equal(cleanFileName('a\u0000b\n.txt'), 'ab.txt');
    assert.equal(cleanFileName('\ud800.txt'), '\ufffd.txt');
    // the cut at 255 characters falls inside a surrogate pair
    assert.equal(cleanFileName(`${'a'.repeat(254)}😀`), `${'a'.repeat(254)}\ufffd`);
    for (const name of INJECTIONS) {
      let clean: string;
      try {
        clean = cleanFileName(name);
      } catch (error) {
        assert.ok(error instanceof BadInputError, JSON.stringify(name));
        continue;
      }
      assert.doesNotMatch(clean, PATH_OR_CONTROL);
      assert.doesNotThrow(() => encodeURIComponent(clean), JSON.stringify(name));
    }
  });
});
