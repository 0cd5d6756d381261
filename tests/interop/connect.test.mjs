// The guide's "Database connection" flows with the official JavaScript driver: connect without
// authentication, then create a user and connect with basic auth (right and wrong password).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import neo4j from 'neo4j-driver'
import { startServer, connect } from './lib/server.mjs'

const testTimeout = { timeout: 60_000 }

test('connects without authentication', testTimeout, async t => {
  const server = await startServer()
  t.after(() => server.stop())
  // The guide's AUTH = ("", "") and no auth at all are both accepted while no user exists.
  for (const auth of [undefined, neo4j.auth.basic('', '')]) {
    const driver = connect(server.uri, auth)
    try {
      const info = await driver.getServerInfo()
      assert.match(info.agent, /^Neo4j\//, 'official drivers refuse a server agent without Neo4j/')
      assert.ok(info.protocolVersion >= 5.0 && info.protocolVersion <= 5.4,
        `negotiated Bolt ${info.protocolVersion}, expected 5.0..5.4`)

      const { records, keys } = await driver.executeQuery('MATCH (n) RETURN count(n) AS num_of_nodes;')
      assert.deepEqual(keys, ['num_of_nodes'])
      assert.equal(records.length, 1)
      assert.equal(records[0].get('num_of_nodes'), 0)
    } finally {
      await driver.close()
    }
  }
})

test('with a user, only valid basic credentials get in', testTimeout, async t => {
  const server = await startServer()
  t.after(() => server.stop())

  // Like index creation, user management is refused inside a transaction (Memgraph: "Authentication
  // clause not allowed in multicommand transactions"), so it runs as an implicit transaction.
  const anonymous = connect(server.uri)
  const session = anonymous.session()
  try {
    await session.run("CREATE USER `memgraphUser` IDENTIFIED BY 'memgraphPassword';")
  } finally {
    await session.close()
    await anonymous.close()
  }

  const user = connect(server.uri, neo4j.auth.basic('memgraphUser', 'memgraphPassword'))
  try {
    await user.verifyConnectivity()
    const { records } = await user.executeQuery('MATCH (n) RETURN count(n) AS num_of_nodes;', {},
      { database: 'memgraph' })
    assert.equal(records[0].get('num_of_nodes'), 0)
  } finally {
    await user.close()
  }

  const isAuthFailure = err => {
    // Memgraph's own code, or the Neo4j one should a driver map it.
    assert.ok(['Memgraph.ClientError.Security.Unauthenticated',
      'Neo.ClientError.Security.Unauthorized'].includes(err.code), `unexpected error ${err.code}: ${err.message}`)
    return true
  }
  const wrong = connect(server.uri, neo4j.auth.basic('memgraphUser', 'not the password'))
  try {
    await assert.rejects(wrong.verifyConnectivity(), isAuthFailure)
    await assert.rejects(wrong.executeQuery('RETURN 1 AS x'), isAuthFailure)
  } finally {
    await wrong.close()
  }

  const nobody = connect(server.uri)
  try {
    await assert.rejects(nobody.executeQuery('RETURN 1 AS x'), isAuthFailure)
  } finally {
    await nobody.close()
  }
})
