// The guide's "Concurrent transactions" flow with the official JavaScript driver: several
// drivers and sessions run UNWIND chunks of the guide's relationship query on shared endpoints
// at once. They conflict (Memgraph's first-updater-wins rule), executeWrite retries them, and in
// the end every relationship exists exactly once.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import neo4j from 'neo4j-driver'
import { startServer, connect } from './lib/server.mjs'

const nodeCount = 100
const chunkCount = 8
const driverCount = 4

const conflictCode = 'Memgraph.TransientError.MemgraphError.MemgraphError'
const conflictMessage = /^Cannot resolve conflicting transactions/

// The guide's process_chunk_managed_API query.
const relationshipQuery = `
WITH $batch AS nodes
UNWIND nodes AS node
MATCH (a:Node {id: node.a}), (b:Node {id: node.b}) CREATE (a)-[:RELATIONSHIP]->(b)`

// Chunk c links every node i to node (i + c + 1) mod nodeCount: no pair repeats across chunks,
// and every chunk touches every node, so any two chunks running together conflict.
function chunk (c) {
  return Array.from({ length: nodeCount }, (_, i) => ({
    a: neo4j.int(i),
    b: neo4j.int((i + c + 1) % nodeCount)
  }))
}

let server
let drivers = []

before(async () => {
  server = await startServer()
  // Retries as in the guide's session configuration, within the driver's time budget.
  drivers = Array.from({ length: driverCount }, () =>
    connect(server.uri, neo4j.auth.basic('', ''), { maxTransactionRetryTime: 60_000 }))
  const [setup] = drivers
  const session = setup.session()
  try {
    await session.run('CREATE INDEX ON :Node(id);')
  } finally {
    await session.close()
  }
  const ids = Array.from({ length: nodeCount }, (_, i) => ({ id: neo4j.int(i) }))
  const created = await setup.executeQuery('WITH $batch AS nodes UNWIND nodes AS node CREATE (n:Node {id: node.id})',
    { batch: ids })
  assert.equal(created.summary.counters.updates().nodesCreated, nodeCount)
})

after(async () => {
  await Promise.all(drivers.map(d => d.close()))
  await server?.stop()
})

test('conflicting UNWIND chunks are retried until every relationship exists exactly once', { timeout: 120_000 }, async t => {
  const conflicts = []
  let attempts = 0

  // A writer that holds node 0 (a property change, uncommitted) makes every chunk's first
  // attempt conflict, whatever the timing; it commits once a conflict has been seen.
  let firstConflictSeen
  const sawConflict = new Promise(resolve => { firstConflictSeen = resolve })
  const blockerSession = drivers[0].session()
  const blocker = await blockerSession.beginTransaction()
  await blocker.run('MATCH (n:Node {id: 0}) SET n.held = true')

  const runChunk = async c => {
    const session = drivers[c % driverCount].session()
    try {
      return await session.executeWrite(async tx => {
        attempts++
        try {
          const result = await tx.run(relationshipQuery, { batch: chunk(c) })
          return result.summary.counters.updates().relationshipsCreated
        } catch (err) {
          if (err.code === conflictCode && conflictMessage.test(err.message)) {
            conflicts.push(err)
            firstConflictSeen()
          }
          throw err // executeWrite decides whether to retry
        }
      })
    } finally {
      await session.close()
    }
  }

  const chunks = Promise.all(Array.from({ length: chunkCount }, (_, c) => runChunk(c)))
  const released = sawConflict.then(async () => {
    await blocker.commit()
    await blockerSession.close()
  })
  let created
  try {
    created = await chunks
  } finally {
    await released.catch(() => {})
    if (blocker.isOpen()) await blocker.rollback().catch(() => {})
    await blockerSession.close().catch(() => {})
  }

  // Each committed attempt created its whole chunk; failed attempts left nothing behind.
  assert.deepEqual(created, Array(chunkCount).fill(nodeCount))
  assert.ok(conflicts.length >= 1, 'the held node must have made at least one chunk conflict')
  assert.ok(attempts > chunkCount, `${attempts} attempts for ${chunkCount} chunks: nothing was retried`)
  t.diagnostic(`${chunkCount} chunks: ${attempts} attempts, ${conflicts.length} conflicts`)

  const { records } = await drivers[0].executeQuery(
    'MATCH (a:Node)-[:RELATIONSHIP]->(b:Node) RETURN a.id AS a, b.id AS b')
  const pairs = records.map(r => `${r.get('a')}->${r.get('b')}`)
  assert.equal(pairs.length, chunkCount * nodeCount, 'relationship count')
  assert.equal(new Set(pairs).size, pairs.length, 'no relationship was created twice')
  for (let c = 0; c < chunkCount; c++) {
    for (let i = 0; i < nodeCount; i++) {
      const pair = `${i}->${(i + c + 1) % nodeCount}`
      assert.ok(pairs.includes(pair), `missing ${pair}`)
    }
  }
  const held = await drivers[1].executeQuery('MATCH (n:Node {id: 0}) RETURN n.held AS held')
  assert.equal(held.records[0].get('held'), true)
})

test('the guide\'s explicit-transaction retry loop ends with every relationship created once', { timeout: 120_000 }, async t => {
  let retries = 0
  // process_chunk with begin_transaction: retry TransientError with backoff and jitter.
  const query = relationshipQuery.replace('[:RELATIONSHIP]', '[:EXPLICIT]')
  const processChunk = async (driver, batch, { maxRetries = 100, initialWait = 0.02, backoff = 1.1, jitter = 0.1 } = {}) => {
    const session = driver.session()
    try {
      for (let attempt = 0; attempt < maxRetries; attempt++) {
        const tx = await session.beginTransaction()
        try {
          await tx.run(query, { batch })
          await tx.commit()
          return
        } catch (err) {
          await tx.close().catch(() => {})
          if (!String(err.code).includes('.TransientError.')) throw err
          retries++
          const wait = initialWait * backoff ** attempt + Math.random() * jitter * initialWait
          await new Promise(resolve => setTimeout(resolve, wait * 1000))
        }
      }
      throw new Error(`chunk still conflicting after ${maxRetries} attempts`)
    } finally {
      await session.close()
    }
  }
  await Promise.all(Array.from({ length: chunkCount }, (_, c) => processChunk(drivers[c % driverCount], chunk(c))))
  const { records } = await drivers[0].executeQuery(
    'MATCH (a:Node)-[:EXPLICIT]->(b:Node) RETURN a.id AS a, b.id AS b')
  const pairs = records.map(r => `${r.get('a')}->${r.get('b')}`)
  assert.equal(pairs.length, chunkCount * nodeCount, 'relationship count')
  assert.equal(new Set(pairs).size, pairs.length, 'no relationship was created twice')
  t.diagnostic(`${chunkCount} chunks: ${retries} retried conflicts`)
})
