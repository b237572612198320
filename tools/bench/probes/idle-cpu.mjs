// What the three services cost the machine while nothing happens: each started on a fresh
// database and Kafka prefix (as the stack benchmarks start them), left to settle, then the CPU of
// each, of Postgres and of the Kafka broker over a quiet window, as a share of one core. An idle
// deployment should cost close to nothing; what it does cost is taken from every busy one too.
// Usage: node tools/bench/probes/idle-cpu.mjs [settle seconds] [window seconds] (after a build)
import {
  cpuMeter,
  freshDatabase,
  kafkaPrefix,
  runBench,
  sleep,
  startService,
} from '../lib/bench-kit.mjs';

const [settleSeconds = 10, windowSeconds = 20] = process.argv.slice(2).map(Number);

await runBench(async () => {
  const db = await freshDatabase('idle');
  const prefix = kafkaPrefix(db.name);
  const services = [];
  for (const name of ['payments', 'orders', 'notifications']) {
    services.push(await startService(name, { databaseUrl: db.url, prefix }));
  }
  await sleep(settleSeconds * 1000);
  const meter = cpuMeter(Object.fromEntries(services.map((s) => [s.name, s.pid])));
  await sleep(windowSeconds * 1000);
  const used = meter.stop();
  for (const service of services) await service.stop();
  const shares = Object.entries(used)
    .filter(([name]) => name !== 'load')
    .map(([name, seconds]) => `${name} ${((100 * seconds) / windowSeconds).toFixed(1)}%`);
  console.log(`idle for ${windowSeconds} s, CPU as a share of one core: ${shares.join(', ')}`);
  return true;
});
