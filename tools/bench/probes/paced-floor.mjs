// What a paced request's latency cannot go below on this machine, measured the way the intake
// benchmark's paced phase measures (open loop, 10 connections, latency from when each request was
// due): (1) a loopback POST to a bare node:http server in its own process that answers at once;
// (2) one INSERT of a 1.5 KB row and its commit, straight through pg, on a fresh database.
// Compare the intake benchmark's paced p99s with these: an intake that stores before it answers
// has both under it. `node tools/bench/probes/paced-floor.mjs [rate] [seconds]` (500, 20).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { freshDatabase, paced, percentile } from '../lib/bench-kit.mjs';

const require = createRequire(import.meta.url);
const { Pool } = require('undici');
const pg = require('pg');
const rate = Number(process.argv[2] ?? 500);
const seconds = Number(process.argv[3] ?? 20);
const body = JSON.stringify({ padding: 'x'.repeat(1500) });

/** Sends `rate` × `seconds` calls of `call` on schedule; p50, p99, p99.9 and max from due. */
async function pacedLatencies(call) {
  const count = rate * seconds;
  const latencies = new Float64Array(count);
  const { maxLateMs } = await paced(rate, count, async (i, due) => {
    await call();
    latencies[i] = performance.now() - due;
  });
  latencies.sort();
  const at = (p) => percentile(latencies, p).toFixed(2);
  return `p50 ${at(50)} ms, p99 ${at(99)}, p99.9 ${at(99.9)}, max ${at(100)}; generator late by up to ${maxLateMs.toFixed(1)} ms`;
}

async function httpFloor() {
  const server = spawn(
    process.execPath,
    [
      '-e',
      `require('node:http').createServer((req, res) => { req.resume(); req.on('end', () => res.end('ok')); }).listen(0, '127.0.0.1', function () { console.log(this.address().port); });`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise((resolve) =>
    server.stdout.once('data', (d) => resolve(Number(d))),
  );
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 10, pipelining: 1 });
  try {
    return await pacedLatencies(async () => {
      const res = await pool.request({ path: '/', method: 'POST', body });
      await res.body.dump();
    });
  } finally {
    await pool.close();
    server.kill();
  }
}

async function insertFloor() {
  const db = await freshDatabase('paced_floor');
  const pool = new pg.Pool({ connectionString: db.url, max: 10 });
  try {
    await pool.query('CREATE TABLE probe (id uuid PRIMARY KEY, body jsonb NOT NULL)');
    const insert = {
      name: 'probe_insert',
      text: 'INSERT INTO probe (id, body) VALUES (gen_random_uuid(), $1)',
      values: [body],
    };
    for (let i = 0; i < 2000; i++) await pool.query(insert); // warm-up
    return await pacedLatencies(() => pool.query(insert));
  } finally {
    await pool.end();
    await db.drop();
  }
}

console.log(`paced at ${rate}/s for ${seconds} s each, latency from when each call was due:`);
console.log(`- loopback POST to a bare node:http server: ${await httpFloor()}`);
console.log(`- one INSERT and its commit through pg:    ${await insertFloor()}`);
