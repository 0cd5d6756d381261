// The guide's "Transaction management" flows with the official JavaScript driver: implicit
// (session.run), managed (executeRead/executeWrite) and explicit transactions (the token
// transfer: commit, rollback, close).
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

async function withSession (fn) {
  const session = driver.session({ database: 'memgraph' })
  try {
    return await fn(session)
  } finally {
    await session.close()
  }
}

async function balances () {
  const { records } = await driver.executeQuery(
    'MATCH (u:User) WHERE u.id IN [1, 2] RETURN u.id AS id, u.account_balance AS balance ORDER BY id')
  return Object.fromEntries(records.map(r => [r.get('id'), r.get('balance')]))
}

test('implicit transactions: session.run, and index creation that needs one', testTimeout, async () => {
  await withSession(async session => {
    await session.run('CREATE INDEX ON :User(name);')
    const created = await session.run('CREATE (u:User {name: $name})', { name: 'Implicit' })
    assert.equal(created.summary.counters.updates().nodesCreated, 1)
    // Streamed: records arrive through the subscriber API as well.
    const names = []
    await new Promise((resolve, reject) => {
      session.run('MATCH (u:User {name: $name}) RETURN u.name AS name', { name: 'Implicit' }).subscribe({
        onNext: record => names.push(record.get('name')),
        onCompleted: resolve,
        onError: reject
      })
    })
    assert.deepEqual(names, ['Implicit'])
  })
})

test('an index cannot be created inside an explicit transaction', testTimeout, async () => {
  await withSession(async session => {
    const tx = await session.beginTransaction()
    try {
      await assert.rejects(tx.run('CREATE INDEX ON :User(id);'), err => {
        assert.match(err.message, /Index manipulation not allowed in multicommand transactions/)
        return true
      })
    } finally {
      await tx.close()
    }
  })
})

test('managed transactions: executeWrite commits, executeRead reads, a throwing function rolls back', testTimeout, async () => {
  await withSession(async session => {
    const written = await session.executeWrite(async tx => {
      const r = await tx.run('CREATE (u:User {name: $name}) RETURN u.name AS name', { name: 'Managed' })
      return r.records.map(rec => rec.get('name'))
    })
    assert.deepEqual(written, ['Managed'])

    // The guide's match_user: the function's return value is what executeRead returns.
    const people = await session.executeRead(async tx => {
      const r = await tx.run(
        'MATCH (u:User) WHERE u.name STARTS WITH $user_name RETURN u.name AS name', { user_name: 'Man' })
      return r.records.map(rec => rec.toObject())
    })
    assert.deepEqual(people, [{ name: 'Managed' }])

    await assert.rejects(session.executeWrite(async tx => {
      await tx.run("CREATE (:User {name: 'Never'})")
      throw new Error('changed my mind')
    }), /changed my mind/)
    const never = await session.executeRead(tx => tx.run("MATCH (u:User {name: 'Never'}) RETURN count(u) AS n"))
    assert.equal(never.records[0].get('n'), 0)
  })
})

async function createUsers (sender, receiver) {
  // Several statements in one query through executeQuery, as the guide does.
  const { summary } = await driver.executeQuery(
    'CREATE (:User {id: $sender_id, name: $sender_name, account_balance: $sender_account_balance}) ' +
    'CREATE (:User {id: $receiver_id, name: $receiver_name, account_balance: $receiver_account_balance})',
    {
      sender_id: neo4j.int(sender.id),
      sender_name: sender.name,
      sender_account_balance: neo4j.int(sender.account_balance),
      receiver_id: neo4j.int(receiver.id),
      receiver_name: receiver.name,
      receiver_account_balance: neo4j.int(receiver.account_balance)
    }, { database: 'memgraph' })
  return summary.counters.updates().nodesCreated
}

// The guide's transfer_tokens: both updates commit together, or none does.
async function transferTokens (senderId, receiverId, tokens, { failAfterDebit = false } = {}) {
  return withSession(async session => {
    const tx = await session.beginTransaction()
    try {
      const check = await tx.run(
        'MATCH (u:User {id: $id}) RETURN u.account_balance - $num_of_tokens >= 0 AS is_enough',
        { id: neo4j.int(senderId), num_of_tokens: neo4j.int(tokens) })
      assert.equal(check.records.length, 1)
      if (!check.records[0].get('is_enough')) return 'not enough'
      await tx.run('MATCH (u:User {id: $id}) SET u.account_balance = u.account_balance - $num_of_tokens',
        { id: neo4j.int(senderId), num_of_tokens: neo4j.int(tokens) })
      if (failAfterDebit) throw new Error('failure between debit and credit')
      await tx.run('MATCH (u:User {id: $id}) SET u.account_balance = u.account_balance + $num_of_tokens',
        { id: neo4j.int(receiverId), num_of_tokens: neo4j.int(tokens) })
      await tx.commit()
      return 'committed'
    } catch (err) {
      await tx.rollback()
      throw err
    } finally {
      await tx.close() // rolls back if not yet committed; nothing otherwise
    }
  })
}

test('explicit transactions: the token transfer commits, rolls back, and closes', testTimeout, async () => {
  assert.equal(await createUsers({ id: 1, name: 'John', account_balance: 1000 },
    { id: 2, name: 'Jenna', account_balance: 2000 }), 2)

  assert.equal(await transferTokens(1, 2, 10), 'committed')
  assert.deepEqual(await balances(), { 1: 990, 2: 2010 })

  // John cannot send more than he has: nothing changes.
  assert.equal(await transferTokens(1, 2, 5000), 'not enough')
  assert.deepEqual(await balances(), { 1: 990, 2: 2010 })

  // A failure after the debit rolls the debit back.
  await assert.rejects(transferTokens(1, 2, 10, { failAfterDebit: true }), /between debit and credit/)
  assert.deepEqual(await balances(), { 1: 990, 2: 2010 })

  // close() without commit rolls back as well.
  await withSession(async session => {
    const tx = await session.beginTransaction()
    await tx.run('MATCH (u:User {id: 1}) SET u.account_balance = 0')
    await tx.close()
  })
  assert.deepEqual(await balances(), { 1: 990, 2: 2010 })
})

test('a transaction sees its own writes before commit, others do not', testTimeout, async () => {
  await withSession(async session => {
    const tx = await session.beginTransaction()
    try {
      await tx.run("CREATE (:Draft {name: 'pending'})")
      const inside = await tx.run('MATCH (d:Draft) RETURN count(d) AS n')
      assert.equal(inside.records[0].get('n'), 1)
      const outside = await driver.executeQuery('MATCH (d:Draft) RETURN count(d) AS n', {},
        { routing: neo4j.routing.READ })
      assert.equal(outside.records[0].get('n'), 0)
      await tx.commit()
    } finally {
      await tx.close()
    }
  })
  const after = await driver.executeQuery('MATCH (d:Draft) RETURN count(d) AS n')
  assert.equal(after.records[0].get('n'), 1)
})
