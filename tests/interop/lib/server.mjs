// Starts `$BOLTLOAD serve --listen 127.0.0.1:0` for one test file and stops it again, with a
// bound on every wait so a broken server fails the test instead of hanging it.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import neo4j from 'neo4j-driver'

const startTimeoutMs = 20_000
const stopTimeoutMs = 5_000

/** The boltload executable under test: ctest passes it in $BOLTLOAD. */
export function boltloadPath () {
  const path = process.env.BOLTLOAD
  if (!path) throw new Error('set BOLTLOAD to the boltload executable (ctest does this)')
  return path
}

/**
 * Starts the embedded server on a free loopback port. Resolves to { uri, stop, output } once it
 * has printed "listening on bolt://127.0.0.1:PORT"; `output()` is what it printed so far, for
 * failure messages.
 */
export async function startServer (extraArgs = []) {
  const child = spawn(boltloadPath(), ['serve', '--listen', '127.0.0.1:0', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  const output = () => out
  child.stdout.setEncoding('utf8')
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', chunk => { out += chunk })

  const uri = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`boltload serve printed no address within ${startTimeoutMs} ms:\n${out}`))
    }, startTimeoutMs)
    child.stdout.on('data', chunk => {
      out += chunk
      const m = /listening on (bolt:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(m[1])
      }
    })
    child.on('error', err => {
      clearTimeout(timer)
      reject(err)
    })
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`boltload serve exited (${code ?? signal}) before listening:\n${out}`))
    })
  })

  async function stop () {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = once(child, 'exit')
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs)
    await exited
    clearTimeout(timer)
  }

  return { uri, stop, output }
}

/**
 * A driver for `uri` that returns plain JS numbers for integers (the values here are small) and
 * gives up quickly when the server is unreachable.
 */
export function connect (uri, auth = undefined, config = {}) {
  const base = {
    disableLosslessIntegers: true,
    connectionTimeout: 10_000,
    connectionAcquisitionTimeout: 20_000,
    maxTransactionRetryTime: 20_000
  }
  // BOLTLOAD_INTEROP_DEBUG=1 prints the driver's Bolt traffic, for when a test fails.
  if (process.env.BOLTLOAD_INTEROP_DEBUG) base.logging = neo4j.logging.console('debug')
  return neo4j.driver(uri, auth, { ...base, ...config })
}
