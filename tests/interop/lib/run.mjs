// ctest's command for one interop file: `node --test FILE`, or, when the pinned driver is not
// installed (a plain build that never ran `npm ci --prefix tests/interop`), exit 77, which the
// ctest registers as SKIP_RETURN_CODE, with one line saying what to run instead of a
// module-not-found stack trace.
import { spawnSync } from 'node:child_process'

const skipExitCode = 77

try {
  // Resolved from here as the test files resolve it (tests/interop/node_modules, then upwards).
  await import('neo4j-driver')
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes("'neo4j-driver'")) throw e
  console.log('skipped: run npm ci --prefix tests/interop')
  process.exit(skipExitCode)
}

const [file] = process.argv.slice(2)
const run = spawnSync(process.execPath, ['--test', file], { stdio: 'inherit' })
process.exit(run.status ?? 1)
