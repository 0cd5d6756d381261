// The end-to-end import benchmark's peer: the Memgraph client guide's concurrent import recipe
// (a multiprocessing.Pool of processes, one driver each, `UNWIND $batch` chunks in managed write
// transactions) written with the official JavaScript driver (npm neo4j-driver 5.x).
//
//   node import_peer.js --uri bolt://127.0.0.1:7687 --csv rows.csv --processes 4 \
//        --batch-size 10000 [--chunk-bytes 1048576] [--query '...']
//       imports the CSV (header `id,name,score,age`, no quotes) and prints one JSON line.
//   node import_peer.js --check --uri URI --csv rows.csv
//       checks that the graph holds exactly the CSV's rows as :N nodes (count, typed sums, samples);
//       prints one JSON line, exits 1 on a mismatch.
//   node import_peer.js --wipe --uri URI      deletes every node (MATCH (n) DETACH DELETE n).
//
// The pool: the parent cuts the file into byte ranges at line ends (the guide's chunks) and hands
// them to child_process.fork children as they become free, as Pool.starmap does; each child reads
// and parses its own range, so no rows cross the IPC channel.
'use strict';

const fs = require('fs');
const path = require('path');
const { fork } = require('child_process');
const neo4j = require('neo4j-driver');

const default_query =
  'UNWIND $batch AS row CREATE (:N {id: row.id, name: row.name, score: row.score, age: row.age})';

function parse_args(argv) {
  const opts = {
    uri: 'bolt://127.0.0.1:7687', user: '', password: '', database: undefined, csv: undefined,
    processes: 4, batch_size: 10000, chunk_bytes: 1 << 20, query: default_query,
    mode: 'import',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--uri': opts.uri = next(); break;
      case '--user': opts.user = next(); break;
      case '--password': opts.password = next(); break;
      case '--database': opts.database = next(); break;
      case '--csv': opts.csv = next(); break;
      case '--processes': opts.processes = positive(a, next()); break;
      case '--batch-size': opts.batch_size = positive(a, next()); break;
      case '--chunk-bytes': opts.chunk_bytes = positive(a, next()); break;
      case '--query': opts.query = next(); break;
      case '--check': opts.mode = 'check'; break;
      case '--wipe': opts.mode = 'wipe'; break;
      case '--child': opts.mode = 'child'; break;
      case '-h': case '--help': usage(); break;
      default: usage(`unknown argument ${a}`);
    }
  }
  if (opts.mode !== 'wipe' && !opts.csv) usage('--csv is required');
  return opts;
}

function positive(flag, s) {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1) usage(`${flag} needs a positive integer, got ${s}`);
  return n;
}

function usage(problem) {
  const text = fs.readFileSync(__filename, 'utf8').split('\n').slice(0, 13).join('\n');
  if (problem) {
    process.stderr.write(`import_peer: ${problem}\n${text}\n`);
    process.exit(2);
  }
  process.stdout.write(text + '\n');
  process.exit(0);
}

function open_driver(opts) {
  // The guide connects with AUTH = ("", "") and one driver per process.
  return neo4j.driver(opts.uri, neo4j.auth.basic(opts.user, opts.password), {
    disableLosslessIntegers: true,  // sums in --check fit in 2^53
    maxConnectionPoolSize: 1,
  });
}

// ---- the parent: cut the file into chunks and run the pool ----

// Byte ranges [begin, end) that start after the header line and end just after a '\n' (or at EOF).
function cut_chunks(file, chunk_bytes) {
  const fd = fs.openSync(file, 'r');
  const size = fs.fstatSync(fd).size;
  const probe = Buffer.allocUnsafe(64 * 1024);
  const next_line_start = (from) => {
    for (let at = from; at < size;) {
      const n = fs.readSync(fd, probe, 0, probe.length, at);
      const nl = probe.subarray(0, n).indexOf(10);
      if (nl >= 0) return at + nl + 1;
      at += n;
    }
    return size;
  };
  const chunks = [];
  let begin = next_line_start(0);  // skip the header
  while (begin < size) {
    const end = next_line_start(Math.min(size, begin + chunk_bytes) - 1);
    chunks.push([begin, end]);
    begin = end;
  }
  fs.closeSync(fd);
  return chunks;
}

async function run_pool(opts) {
  const started = process.hrtime.bigint();
  const chunks = cut_chunks(opts.csv, opts.chunk_bytes);
  let next_chunk = 0;
  let rows = 0;
  let batches = 0;
  let failed = null;
  const children = [];
  const child_args = ['--child', '--uri', opts.uri, '--user', opts.user, '--password', opts.password,
                      '--csv', opts.csv, '--batch-size', String(opts.batch_size), '--query', opts.query];
  if (opts.database) child_args.push('--database', opts.database);
  const exits = [];
  for (let i = 0; i < Math.min(opts.processes, Math.max(chunks.length, 1)); i++) {
    const child = fork(__filename, child_args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(child);
    exits.push(new Promise((resolve) => child.on('exit', (code, signal) => {
      if ((code !== 0 || signal) && !failed) failed = `process ${i} exited with ${signal || code}`;
      if (failed) for (const c of children) if (c.exitCode === null) c.kill();
      resolve();
    })));
    // A child asks for work when it starts and after each chunk, reporting what it committed.
    child.on('message', (m) => {
      rows += m.rows || 0;
      batches += m.batches || 0;
      if (m.error && !failed) failed = m.error;
      if (failed || next_chunk >= chunks.length) {
        child.send({ done: true });
      } else {
        child.send({ chunk: chunks[next_chunk++] });
      }
    });
  }
  await Promise.all(exits);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const out = { peer: `neo4j-driver ${require('neo4j-driver/package.json').version}`,
                node: process.version, processes: children.length, batch_size: opts.batch_size,
                chunks: chunks.length, rows, batches, seconds, rows_per_s: rows / seconds };
  if (failed) out.error = String(failed);
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exitCode = failed ? 1 : 0;
}

// ---- a pool process: one driver and one session, its chunks parsed and sent in batches ----

async function run_child(opts) {
  const driver = open_driver(opts);
  const session = driver.session({ database: opts.database, defaultAccessMode: neo4j.session.WRITE });
  const fd = fs.openSync(opts.csv, 'r');
  let buffer = Buffer.allocUnsafe(0);
  const query = opts.query;
  const batch_size = opts.batch_size;
  const int = neo4j.int;

  const write = (batch) => session.executeWrite((tx) => tx.run(query, { batch }));

  const import_chunk = async ([begin, end]) => {
    const length = end - begin;
    if (buffer.length < length) buffer = Buffer.allocUnsafe(length);
    for (let got = 0; got < length;) {
      const n = fs.readSync(fd, buffer, got, length - got, begin + got);
      if (n === 0) throw new Error(`${opts.csv}: unexpected end of file at byte ${begin + got}`);
      got += n;
    }
    // The CSV is ASCII with no quotes: latin1 decoding and plain splits parse it exactly.
    const text = buffer.toString('latin1', 0, length);
    let rows = 0;
    let batches = 0;
    let batch = [];
    for (let at = 0; at < length;) {
      let nl = text.indexOf('\n', at);
      if (nl < 0) nl = length;
      if (nl > at) {
        const f = text.substring(at, nl).split(',');
        // Integers must be neo4j Integers: a plain JS number is sent as a FLOAT.
        batch.push({ id: int(Number(f[0])), name: f[1], score: Number(f[2]), age: int(Number(f[3])) });
        if (batch.length === batch_size) {
          await write(batch);
          rows += batch.length;
          batches++;
          batch = [];
        }
      }
      at = nl + 1;
    }
    if (batch.length > 0) {
      await write(batch);
      rows += batch.length;
      batches++;
    }
    return { rows, batches };
  };

  let queue = Promise.resolve();
  process.on('message', (m) => {
    queue = queue.then(async () => {
      if (m.done) {
        fs.closeSync(fd);
        await session.close();
        await driver.close();
        process.disconnect();
        return;
      }
      try {
        process.send(await import_chunk(m.chunk));
      } catch (e) {
        process.send({ error: `${e.code || ''} ${e.message}`.trim() });
      }
    });
  });
  process.send({ rows: 0 });  // ready for the first chunk
}

// ---- --check and --wipe ----

// What the CSV holds: count, sums and a few sample rows, to compare with the graph.
function expected_from_csv(file, sample_ids) {
  const fd = fs.openSync(file, 'r');
  const block = Buffer.allocUnsafe(8 << 20);
  let carry = '';
  let header = true;
  const e = { count: 0, id_sum: 0, age_sum: 0, score_cents_sum: 0, name_chars: 0, samples: {} };
  for (let pos = 0; ;) {
    const n = fs.readSync(fd, block, 0, block.length, pos);
    if (n === 0) break;
    pos += n;
    const lines = (carry + block.toString('latin1', 0, n)).split('\n');
    carry = lines.pop();
    for (const line of lines) add_line(line);
  }
  add_line(carry);
  fs.closeSync(fd);
  return e;

  function add_line(line) {
    if (line === '') return;
    if (header) { header = false; return; }
    const f = line.split(',');
    const id = Number(f[0]);
    e.count++;
    e.id_sum += id;
    e.age_sum += Number(f[3]);
    e.score_cents_sum += Math.round(Number(f[2]) * 100);
    e.name_chars += f[1].length;
    if (sample_ids.includes(id)) e.samples[id] = [id, f[1], Number(f[2]), Number(f[3])];
  }
}

async function run_check(opts) {
  const driver = open_driver(opts);
  const session = driver.session({ database: opts.database });
  try {
    const one = async (q) => (await session.run(q)).records[0];
    const r = await one(
      'MATCH (n:N) RETURN count(n) AS count, sum(n.id) AS id_sum, sum(n.age) AS age_sum, ' +
      'sum(toInteger(round(n.score * 100))) AS score_cents_sum, sum(size(n.name)) AS name_chars');
    const got = {};
    for (const k of r.keys) got[k] = r.get(k);
    const last = got.count - 1;
    const sample_ids = [0, Math.floor(got.count / 2), last];
    const mistyped = (await one(
      "MATCH (n:N) WHERE valueType(n.id) <> 'INTEGER' OR valueType(n.age) <> 'INTEGER' OR " +
      "valueType(n.score) <> 'FLOAT' OR valueType(n.name) <> 'STRING' RETURN count(n) AS c")).get('c');
    const all = (await one('MATCH (n) RETURN count(n) AS c')).get('c');
    got.samples = {};
    for (const rec of (await session.run(
      'MATCH (n:N) WHERE n.id IN $ids RETURN n.id AS id, n.name AS name, n.score AS score, n.age AS age',
      { ids: sample_ids.map((i) => neo4j.int(i)) })).records) {
      got.samples[rec.get('id')] = [rec.get('id'), rec.get('name'), rec.get('score'), rec.get('age')];
    }
    const want = expected_from_csv(opts.csv, sample_ids);
    const problems = [];
    for (const k of ['count', 'id_sum', 'age_sum', 'score_cents_sum', 'name_chars']) {
      if (got[k] !== want[k]) problems.push(`${k}: graph ${got[k]}, csv ${want[k]}`);
    }
    if (mistyped !== 0) problems.push(`${mistyped} nodes with a property of the wrong type`);
    if (all !== got.count) problems.push(`${all - got.count} nodes other than :N`);
    if (JSON.stringify(got.samples) !== JSON.stringify(want.samples)) {
      problems.push(`samples differ: graph ${JSON.stringify(got.samples)}, csv ${JSON.stringify(want.samples)}`);
    }
    const out = { ok: problems.length === 0, nodes: got.count, id_sum: got.id_sum,
                  score_cents_sum: got.score_cents_sum, samples: got.samples };
    if (problems.length) out.problems = problems;
    process.stdout.write(JSON.stringify(out) + '\n');
    process.exitCode = problems.length ? 1 : 0;
  } finally {
    await session.close();
    await driver.close();
  }
}

async function run_wipe(opts) {
  const driver = open_driver(opts);
  const session = driver.session({ database: opts.database });
  try {
    await session.run('MATCH (n) DETACH DELETE n');
  } finally {
    await session.close();
    await driver.close();
  }
}

const opts = parse_args(process.argv.slice(2));
if (opts.csv) opts.csv = path.resolve(opts.csv);
const run = { import: run_pool, child: run_child, check: run_check, wipe: run_wipe }[opts.mode];
run(opts).catch((e) => {
  process.stderr.write(`import_peer (${opts.mode}): ${e.code ? e.code + ': ' : ''}${e.message}\n`);
  if (opts.mode === 'child' && process.connected) process.send({ error: e.message });
  process.exitCode = 1;
});
