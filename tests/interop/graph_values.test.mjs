// The guide's "Process the results" flows with the official JavaScript driver: Node,
// Relationship and Path values, their labels, types, properties and element ids.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import neo4j from 'neo4j-driver'
import { startServer, connect } from './lib/server.mjs'

let server
let driver

before(async () => {
  server = await startServer()
  driver = connect(server.uri, neo4j.auth.basic('', ''))
  await driver.executeQuery(
    "CREATE (u:User {name: 'John'})-[r:LOVES {id: 99}]->(t:Technology {name: 'Memgraph'})")
})

after(async () => {
  await driver?.close()
  await server?.stop()
})

const testTimeout = { timeout: 30_000 }

test('a node has labels, properties and an element id', testTimeout, async () => {
  const { records } = await driver.executeQuery('MATCH (n:Technology) RETURN n')
  assert.equal(records.length, 1)
  const node = records[0].get('n')
  assert.ok(neo4j.isNode(node))
  assert.deepEqual(node.labels, ['Technology'])
  assert.deepEqual(node.properties, { name: 'Memgraph' })
  assert.equal(typeof node.elementId, 'string')
  assert.notEqual(node.elementId, '')
})

test('a relationship has a type, properties and its endpoints', testTimeout, async () => {
  const { records } = await driver.executeQuery('MATCH (u:User)-[r:LOVES]->(t:Technology) RETURN u, r, t')
  assert.equal(records.length, 1)
  const [u, r, t] = ['u', 'r', 't'].map(k => records[0].get(k))
  assert.ok(neo4j.isRelationship(r))
  assert.equal(r.type, 'LOVES')
  assert.deepEqual(r.properties, { id: 99 })
  assert.equal(r.startNodeElementId, u.elementId)
  assert.equal(r.endNodeElementId, t.elementId)
  // Memgraph numbers nodes and relationships separately, so only the type of the id is checked.
  assert.equal(typeof r.elementId, 'string')
})

test('a path has its nodes and relationships in order', testTimeout, async () => {
  const { records } = await driver.executeQuery('MATCH p=(d:User)-[r:LOVES]->(t:Technology) RETURN p')
  assert.equal(records.length, 1)
  const path = records[0].get('p')
  assert.ok(neo4j.isPath(path))
  assert.equal(path.length, 1)
  assert.deepEqual(path.start.labels, ['User'])
  assert.deepEqual(path.start.properties, { name: 'John' })
  assert.deepEqual(path.end.labels, ['Technology'])
  const [segment] = path.segments
  assert.equal(segment.relationship.type, 'LOVES')
  assert.equal(segment.relationship.startNodeElementId, path.start.elementId)
  assert.equal(segment.relationship.endNodeElementId, path.end.elementId)
})

test('a path read against the relationship direction keeps the relationship direction', testTimeout, async () => {
  const { records } = await driver.executeQuery('MATCH p=(t:Technology)<-[:LOVES]-(u:User) RETURN p')
  const path = records[0].get('p')
  assert.deepEqual(path.start.labels, ['Technology'])
  assert.deepEqual(path.end.labels, ['User'])
  const rel = path.segments[0].relationship
  // Traversed end to start: the relationship still points from the User to the Technology.
  assert.equal(rel.startNodeElementId, path.end.elementId)
  assert.equal(rel.endNodeElementId, path.start.elementId)
})

test('graph functions agree with the values', testTimeout, async () => {
  const { records } = await driver.executeQuery(
    'MATCH p=(u:User)-[r]->(t) RETURN labels(u) AS labels, type(r) AS type, properties(r) AS props, ' +
    'size(nodes(p)) AS nodes, size(relationships(p)) AS rels, startNode(r).name AS from, endNode(r).name AS to')
  const r = records[0]
  assert.deepEqual(r.get('labels'), ['User'])
  assert.equal(r.get('type'), 'LOVES')
  assert.deepEqual(r.get('props'), { id: 99 })
  assert.equal(r.get('nodes'), 2)
  assert.equal(r.get('rels'), 1)
  assert.equal(r.get('from'), 'John')
  assert.equal(r.get('to'), 'Memgraph')
})
