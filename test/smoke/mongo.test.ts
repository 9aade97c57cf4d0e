import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MongoConnection } from '../../src/datasources/catalog/mongo.connection.js';
import { stackUrl, uniqueName } from '../helpers/stack.js';

describe('MongoDB wire protocol server', () => {
  it('writes a document, reads it back and cleans up', async () => {
    const mongo = new MongoConnection(stackUrl('MONGODB_URL'), 5000);
    try {
      await mongo.ping();
      const collection = mongo.db.collection<{ _id: string; size: number }>(uniqueName('smoke', '_'));
      await collection.insertOne({ _id: 'a', size: 42 });
      assert.deepEqual(await collection.findOne({ _id: 'a' }), { _id: 'a', size: 42 });
      await collection.drop();
      assert.equal(await collection.countDocuments(), 0);
    } finally {
      await mongo.close();
    }
  });
});
