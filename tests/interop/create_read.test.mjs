// The guide's quickstart and "Query the database" flows with the official JavaScript driver:
// create and read, parameters of every basic type, and the summary counters the guide prints.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import neo4j from 'neo4j-driver'
import { startServer, connect } from './lib/server.mjs'

let server
let driver

before(async () => {
  server = await startServer()
  driver = connect(server.uri, neo4j.auth.basic('', ''))
})

after(async () => {
  await driver?.close()
  await server?.stop()
})

const testTimeout = { timeout: 30_000 }

// All counters zero except the ones given.
function counters (nonZero) {
  return {
    nodesCreated: 0,
    nodesDeleted: 0,
    relationshipsCreated: 0,
    relationshipsDeleted: 0,
    propertiesSet: 0,
    labelsAdded: 0,
    labelsRemoved: 0,
    indexesAdded: 0,
    indexesRemoved: 0,
    constraintsAdded: 0,
    constraintsRemoved: 0,
    ...nonZero
  }
}

test('the quickstart: create a user, read it back, with the counters the guide prints', testTimeout, async () => {
  const create = 'CREATE (u:User {name: $name, password: $password}) RETURN u.name AS name;'
  const created = await driver.executeQuery(create, { name: 'John', password: 'pass' },
    { database: 'memgraph' })
  assert.deepEqual(created.keys, ['name'])
  assert.deepEqual(created.records.map(r => r.get('name')), ['John'])
  // Memgraph prints {'labels_added': 1, 'nodes_created': 1, 'properties_set': 0, ...} here:
  // properties given in CREATE are not counted as set.
  assert.deepEqual(created.summary.counters.updates(), counters({ nodesCreated: 1, labelsAdded: 1 }))
  assert.equal(created.summary.counters.containsUpdates(), true)
  assert.equal(created.summary.queryType, 'w')
  assert.equal(created.summary.query.text, create)

  const find = 'MATCH (u:User {name: $name}) RETURN u.name AS name'
  const found = await driver.executeQuery(find, { name: 'John' }, { database: 'memgraph' })
  assert.deepEqual(found.records.map(r => r.get('name')), ['John'])
  assert.equal(found.summary.counters.containsUpdates(), false)
  assert.equal(found.summary.queryType, 'r')
  assert.equal(found.summary.query.text, find)
  assert.deepEqual(found.summary.query.parameters, { name: 'John' })
})

test('update and delete report their counters', testTimeout, async () => {
  await driver.executeQuery('CREATE (:Counter {name: $name, value: 1})', { name: 'c' })
  const set = await driver.executeQuery('MATCH (c:Counter {name: $name}) SET c.value = c.value + 1, c:Seen',
    { name: 'c' })
  assert.deepEqual(set.summary.counters.updates(), counters({ propertiesSet: 1, labelsAdded: 1 }))
  const read = await driver.executeQuery('MATCH (c:Counter {name: $name}) RETURN c.value AS value', { name: 'c' })
  assert.deepEqual(read.records.map(r => r.get('value')), [2])
  const removed = await driver.executeQuery('MATCH (c:Counter) DETACH DELETE c')
  assert.deepEqual(removed.summary.counters.updates(), counters({ nodesDeleted: 1 }))
  const none = await driver.executeQuery('MATCH (c:Counter) RETURN count(c) AS n')
  assert.equal(none.records[0].get('n'), 0)
})

test('a node created from a property map reads back with the same properties', testTimeout, async () => {
  const query = 'CREATE (n:Technology {id: $id, name: $name, description: $description});'
  await driver.executeQuery(query, {
    id: neo4j.int(1),
    name: 'MemgraphDB',
    description: 'Fastest graph database'
  })
  const { records } = await driver.executeQuery('MATCH (n:Technology) RETURN n;')
  assert.equal(records.length, 1)
  const node = records[0].get('n')
  assert.deepEqual(node.labels, ['Technology'])
  assert.deepEqual(node.properties, { id: 1, name: 'MemgraphDB', description: 'Fastest graph database' })
})

test('parameters of every basic type come back unchanged', testTimeout, async () => {
  const params = {
    i: neo4j.int(-42),
    big: neo4j.int('9007199254740993'), // beyond 2^53: must stay exact on the wire
    f: 2.5,
    s: 'grüße, 世界',
    t: true,
    nothing: null,
    l: [neo4j.int(1), 'two', 3.0, false],
    m: { a: neo4j.int(1), b: ['x', 'y'], c: { d: null } }
  }
  const session = driver.session({ defaultAccessMode: neo4j.session.READ })
  try {
    // toString on the server side shows the 64-bit value arrived exactly.
    const result = await session.run(
      'RETURN $i AS i, toString($big) AS big, $f AS f, $s AS s, $t AS t, $nothing AS nothing, $l AS l, $m AS m',
      params)
    const r = result.records[0]
    assert.equal(r.get('i'), -42)
    assert.equal(r.get('big'), '9007199254740993')
    assert.equal(r.get('f'), 2.5)
    assert.equal(r.get('s'), 'grüße, 世界')
    assert.equal(r.get('t'), true)
    assert.equal(r.get('nothing'), null)
    assert.deepEqual(r.get('l'), [1, 'two', 3.0, false])
    assert.deepEqual(r.get('m'), { a: 1, b: ['x', 'y'], c: { d: null } })
  } finally {
    await session.close()
  }
})

test('UNWIND over a batch of maps reads each row', testTimeout, async () => {
  const batch = Array.from({ length: 50 }, (_, i) => ({ id: neo4j.int(i), name: `n${i}` }))
  const created = await driver.executeQuery(
    'UNWIND $batch AS row CREATE (:Item {id: row.id, name: row.name})', { batch })
  assert.equal(created.summary.counters.updates().nodesCreated, 50)
  const { records } = await driver.executeQuery(
    'MATCH (i:Item) WHERE i.id >= $from RETURN i.id AS id, i.name AS name ORDER BY id', { from: neo4j.int(45) })
  assert.deepEqual(records.map(r => [r.get('id'), r.get('name')]),
    [[45, 'n45'], [46, 'n46'], [47, 'n47'], [48, 'n48'], [49, 'n49']])
})
