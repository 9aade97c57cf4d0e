import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import cassandra from 'cassandra-driver';
import { identifier, keyspaceFor, normaliseName } from '../../src/datasources/cassandra/cql-names.js';
import { CellError, parseCell, parseJsonValue, toJson } from '../../src/datasources/cassandra/cql-types.js';
import { BadInputError } from '../../src/errors/errors.js';

describe('CQL names', () => {
  it('maps a project to its keyspace and refuses what cannot be one', () => {
    assert.equal(keyspaceFor('sensors-2024'), 'lg_sensors_2024');
    assert.equal(keyspaceFor('a'.repeat(45)), `lg_${'a'.repeat(45)}`);
    for (const bad of ['a'.repeat(46), 'ab', 'Sensors', 'x"; DROP KEYSPACE system; --', 'a_b', '']) {
      assert.throws(
        () => keyspaceFor(bad),
        (e: unknown) => e instanceof BadInputError && e.extensions['argument'] === 'project',
        bad,
      );
    }
  });

  it('takes identifiers only through the pattern', () => {
    assert.equal(identifier('temp_c', 'table'), 'temp_c');
    for (const bad of ['', '1a', 'A', 'a-b', 'a"b', 'a b', 'a;', 'x'.repeat(49), 42]) {
      assert.throws(() => identifier(bad, 'table'), BadInputError, String(bad));
    }
  });

  it('normalises labels to names', () => {
    assert.equal(normaliseName('  Temp (C) '), 'temp_c');
    assert.equal(normaliseName('Sensor Readings'), 'sensor_readings');
    assert.equal(normaliseName('"; DROP'), 'drop');
    assert.equal(normaliseName('Température été'), 'temperature_ete');
  });
});

describe('CQL values', () => {
  it('parses each allowed type and refuses what is not one', () => {
    assert.equal(parseCell('int', ' 42 '), 42);
    assert.equal(parseCell('int', ''), null);
    assert.equal(parseCell('text', ''), '');
    assert.equal(
      (parseCell('bigint', '-9223372036854775808') as cassandra.types.Long).toString(),
      '-9223372036854775808',
    );
    assert.equal(parseCell('double', '1e3'), 1000);
    assert.equal(parseCell('boolean', 'TRUE'), true);
    assert.deepEqual(parseCell('timestamp', '2024-05-01 10:00'), new Date('2024-05-01T10:00:00Z'));
    assert.deepEqual(parseCell('timestamp', '1714557600000'), new Date('2024-05-01T10:00:00Z'));
    assert.equal(String(parseCell('date', '2024-02-29')), '2024-02-29');
    assert.equal(String(parseCell('decimal', '-0.10')), '-0.10');
    const bad: [Parameters<typeof parseCell>[0], string][] = [
      ['int', '2147483648'],
      ['int', '1.5'],
      ['int', '0x10'],
      ['bigint', '9223372036854775808'],
      ['double', 'Infinity'],
      ['double', '1,5'],
      ['boolean', 'yes'],
      ['timestamp', 'yesterday'],
      ['date', '2023-02-29'],
      ['uuid', 'not-a-uuid'],
      ['decimal', '1.2.3'],
      ['decimal', '1.1e1'],
      ['decimal', '110e-1'],
    ];
    for (const [type, text] of bad) assert.throws(() => parseCell(type, text), CellError, `${type} ${text}`);
  });

  it('takes JSON arguments by column type', () => {
    assert.equal(parseJsonValue('int', 7), 7);
    assert.equal(parseJsonValue('int', '7'), 7);
    assert.throws(() => parseJsonValue('text', 7), CellError);
    assert.throws(() => parseJsonValue('int', null), CellError);
    assert.throws(() => parseJsonValue('int', { $gt: 1 }), CellError);
  });

  it('gives driver values back as JSON', () => {
    assert.equal(toJson(cassandra.types.Long.fromString('9007199254740993')), '9007199254740993');
    assert.equal(toJson(new Date('2024-05-01T00:00:00Z')), '2024-05-01T00:00:00.000Z');
    assert.equal(toJson(cassandra.types.LocalDate.fromString('2024-05-01')), '2024-05-01');
    assert.equal(toJson(null), null);
    assert.equal(toJson(Number.NaN), 'NaN');
  });
});
