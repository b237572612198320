// What committing consumer offsets after every batch costs the broker: 2,000 messages produced
// one at a time (about 200/s), read by three consumer groups that hand over each fetch as a batch,
// first committing after every batch (kafkajs's autoCommit), then not at all; the broker's CPU per
// message read from /proc (docs/benchmarks.md, "Offsets committed once per interval"). Needs the
// local broker (tools/kafka/kafka.sh) on this machine: KAFKA_BROKERS, default 127.0.0.1:9092.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const MESSAGES = Number(process.env.PROBE_MESSAGES ?? 2000);
const GROUPS = 3;
const TICK_MS = Number(process.env.SC_CLK_TCK_MS ?? 10);

const brokerPid = execFileSync('pgrep', ['-f', 'kafka.Kafka'], { encoding: 'utf8' }).split('\n')[0];
const brokerCpuMs = () => {
  const fields = readFileSync(`/proc/${brokerPid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function run(kafka, autoCommit) {
  const admin = kafka.admin();
  await admin.connect();
  const topic = `probe-commits-${Date.now()}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] });
  await sleep(1000);
  let read = 0;
  const consumers = [];
  for (let g = 0; g < GROUPS; g++) {
    const consumer = kafka.consumer({ groupId: `${topic}-${g}`, maxWaitTimeInMs: 1000 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit,
      partitionsConsumedConcurrently: 3,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset }) => {
        for (const m of batch.messages) {
          read++;
          resolveOffset(m.offset);
        }
      },
    });
    consumers.push(consumer);
  }
  const producer = kafka.producer();
  await producer.connect();
  await sleep(3000);
  const before = brokerCpuMs();
  for (let i = 0; i < MESSAGES; i++) {
    await producer.send({
      topic,
      acks: -1,
      messages: [{ key: String(i), value: 'x'.repeat(400) }],
    });
    await sleep(5);
  }
  while (read < GROUPS * MESSAGES) await sleep(50);
  const perMessage = (brokerCpuMs() - before) / MESSAGES;
  await producer.disconnect();
  for (const consumer of consumers) await consumer.disconnect();
  await admin.deleteTopics({ topics: [topic] });
  await admin.disconnect();
  return perMessage;
}

const kafka = new Kafka({ brokers, clientId: 'probe-commits', logLevel: logLevel.NOTHING });
for (let round = 1; round <= 2; round++) {
  for (const autoCommit of [true, false]) {
    const ms = await run(kafka, autoCommit);
    console.log(
      `round ${round}  ${autoCommit ? 'commit per batch' : 'no commits     '}  broker ${ms.toFixed(2)} CPU ms per message`,
    );
  }
}
