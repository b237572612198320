// What one loopback round trip costs this machine in CPU, back to back and paced: a client
// process writes 100 bytes, a server process echoes them, the client counts its own CPU time.
// Paced, each process sleeps between round trips, so every round trip also pays for waking two
// idle processes; on the 2 vCPU virtual machines of this project that is most of the cost, and
// it is why an event costs several times more CPU at 50/s than at 1,000/s (docs/benchmarks.md).
// Usage: node tools/bench/probes/round-trip-cost.mjs [count] [paced per second]
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const [count = 20_000, rate = 0] = process.argv.slice(2).map(Number);

if (process.env.ROUND_TRIP_SERVER) {
  const server = net.createServer((socket) => socket.on('data', (data) => socket.write(data)));
  server.listen(0, '127.0.0.1', () => process.send?.(server.address().port));
} else {
  const child = fork(fileURLToPath(import.meta.url), [], {
    env: { ...process.env, ROUND_TRIP_SERVER: '1' },
  });
  const port = await new Promise((resolve) => child.once('message', resolve));
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  const payload = Buffer.alloc(100);
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const onCpuBefore = onCpuNs();
  let done = 0;
  await new Promise((resolve) => {
    const send = () => socket.write(payload);
    socket.on('data', () => {
      if (++done === count) return resolve();
      if (rate > 0) setTimeout(send, 1000 / rate);
      else send();
    });
    send();
  });
  const cpu = process.cpuUsage(cpuBefore);
  const onCpuUs = (onCpuNs() - onCpuBefore) / 1000 / count;
  const wallUs = ((performance.now() - started) * 1000) / count;
  console.log(
    `${count} round trips${rate > 0 ? ` paced at ${rate}/s` : ', back to back'}: ` +
      `${wallUs.toFixed(1)} µs each; the client's CPU per round trip ${((cpu.user + cpu.system) / count).toFixed(1)} µs ` +
      `(user ${(cpu.user / count).toFixed(1)}, system ${(cpu.system / count).toFixed(1)}); ` +
      `on a CPU by the scheduler's clock ${onCpuUs.toFixed(1)} µs`,
  );
  socket.destroy();
  child.kill();
}

/** Nanoseconds this process has run on a CPU, by the scheduler's own clock (not sampled at ticks). */
function onCpuNs() {
  return readFileSync('/proc/self/schedstat', 'utf8')
    .split(' ')
    .slice(0, 1)
    .reduce((_, ns) => Number(ns), 0);
}
