// The peer for bench/packstream_bench.cpp: the official JavaScript driver's PackStream v1 Packer
// and Unpacker (neo4j-driver-bolt-connection) encoding and decoding the same 10,000-row batch.
// Prints one JSON object: per benchmark, bytes/s, rows/s and the batch size in bytes.
'use strict';

const path = require('path');
const lib = path.join(__dirname, 'node_modules', 'neo4j-driver-bolt-connection', 'lib');
const { Packer, Unpacker } = require(path.join(lib, 'packstream', 'packstream-v1.js'));
const { Structure } = require(path.join(lib, 'packstream', 'structure.js'));
const ChannelBuffer = require(path.join(lib, 'channel', 'channel-buf.js')).default;
const { int } = require('neo4j-driver-core');
const version = require('neo4j-driver-bolt-connection/package.json').version;

const batchRows = 10000;
const minSeconds = Number(process.env.PEER_MIN_SECONDS || 2);

// Keep in step with make_batch in packstream_bench.cpp. Integers are driver Integers: a plain JS
// number would be packed as a float.
function makeBatch(rows, shape) {
  const batch = [];
  for (let i = 0; i < rows; i++) {
    const row = { id: int(i), name: 'user_' + i, score: i * 0.5, active: i % 2 === 0 };
    if (shape === 0) row.tags = ['alpha', 'beta'];
    else row.born = new Structure(0x44, [int(18000 + (i % 3650))]);
    batch.push(row);
  }
  return { batch };
}

// Runs fn in rounds until minSeconds have passed; returns seconds per call.
function measure(fn) {
  for (let i = 0; i < 5; i++) fn();  // warm up the JIT
  let calls = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minSeconds) {
    for (let i = 0; i < 5; i++) fn();
    calls += 5;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  return elapsed / calls;
}

const out = { peer: 'neo4j-driver-bolt-connection ' + version, node: process.version };
for (const shape of [0, 1]) {
  const name = shape === 0 ? 'tags' : 'date';
  const batch = makeBatch(batchRows, shape);

  // The packer writes into the driver's own channel buffer, sized once and reused.
  const buf = new ChannelBuffer(8 << 20);
  const packer = new Packer(buf);
  const encodeOnce = () => {
    buf.position = 0;
    packer.packable(batch)();
    return buf.position;
  };
  const size = encodeOnce();
  const bytes = Buffer.from(buf._buffer.subarray(0, size));
  const encodeSeconds = measure(encodeOnce);

  const unpacker = new Unpacker();
  const decodeOnce = () => unpacker.unpack(new ChannelBuffer(bytes));
  const decoded = decodeOnce();
  if (decoded.batch.length !== batchRows) throw new Error('peer decode produced the wrong batch');
  const decodeSeconds = measure(decodeOnce);

  out[`encode_${name}`] = { bytes_per_second: size / encodeSeconds, items_per_second: batchRows / encodeSeconds, batch_bytes: size };
  out[`decode_${name}`] = { bytes_per_second: size / decodeSeconds, items_per_second: batchRows / decodeSeconds, batch_bytes: size };
}
console.log(JSON.stringify(out));
