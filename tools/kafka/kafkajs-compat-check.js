// kafkajs compatibility check against a running broker (evidence for
// docs/decisions/0001-kafka-broker-version.md). Exercises admin (create/list/delete topics,
// fetch/set/reset offsets, describe/list/delete groups, describeConfigs), an idempotent producer
// (keys + headers, sendBatch with gzip), a consumer group with manual commits and a restart that
// must resume from the committed offsets, and transactions (commit, abort, sendOffsets).
//
//   tools/kafka/kafka.sh start
//   KAFKA_BROKERS=127.0.0.1:9092 node tools/kafka/kafkajs-compat-check.js
//
// It uses the repository's pinned kafkajs. KJS_LOG=1|debug shows kafkajs
// logs (debug prints every request with its API version). Prints PASS/FAIL per step and
// "N passed, N failed"; exits non-zero on any failure. Topics/groups get a unique suffix and
// are deleted at the end.
'use strict';
const { Kafka, logLevel, CompressionTypes } = require('kafkajs');

const brokers = (process.env.KAFKA_BROKERS || '127.0.0.1:9092').split(',');
const run = Date.now().toString(36);
const T_MAIN = `kjs-main-${run}`;
const T_TX_IN = `kjs-txin-${run}`;
const T_TX_OUT = `kjs-txout-${run}`;
const T_AUTO = `kjs-auto-${run}`;
const GROUP = `kjs-group-${run}`;
const TX_GROUP = `kjs-txgroup-${run}`;

const kafka = new Kafka({
  clientId: 'kjs-check',
  brokers,
  logLevel:
    process.env.KJS_LOG === 'debug'
      ? logLevel.DEBUG
      : process.env.KJS_LOG
        ? logLevel.INFO
        : logLevel.NOTHING,
  retry: { retries: 5, initialRetryTime: 200 },
});

const results = [];
const errText = (e) => {
  const parts = [`${e.name}: ${e.message}`];
  if (e.type) parts.push(`type=${e.type}`);
  if (e.code !== undefined) parts.push(`code=${e.code}`);
  if (e.originalError) parts.push(`cause=${errText(e.originalError)}`);
  if (e.errors && Array.isArray(e.errors))
    parts.push(`errors=[${e.errors.slice(0, 3).map(errText).join('; ')}]`);
  return parts.join(' ');
};
function withTimeout(p, ms, what) {
  let t;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise((_, rej) => {
      t = setTimeout(() => rej(new Error(`timeout after ${ms}ms: ${what}`)), ms);
    }),
  ]);
}
async function step(name, fn, ms = 45000) {
  const t0 = Date.now();
  try {
    const detail = await withTimeout(Promise.resolve().then(fn), ms, name);
    results.push({ name, ok: true });
    console.log(`PASS ${name} (${Date.now() - t0} ms)${detail ? ' -- ' + detail : ''}`);
    return true;
  } catch (e) {
    results.push({ name, ok: false, err: errText(e) });
    console.log(`FAIL ${name} (${Date.now() - t0} ms) -- ${errText(e)}`);
    return false;
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
}

// Run a consumer until `want` messages arrived (or `quietMs` of silence after that), return them.
async function consume(
  consumer,
  topic,
  want,
  { fromBeginning = true, commit = true, quietMs = 1500, ms = 40000 } = {},
) {
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning });
  const got = [];
  let resolveDone;
  const done = new Promise((r) => {
    resolveDone = r;
  });
  let quietTimer;
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic: t, partition, message }) => {
      got.push({
        partition,
        offset: message.offset,
        key: message.key && message.key.toString(),
        value: message.value && message.value.toString(),
        headers: message.headers,
      });
      if (commit) {
        await consumer.commitOffsets([
          { topic: t, partition, offset: (BigInt(message.offset) + 1n).toString() },
        ]);
      }
      if (got.length >= want) {
        clearTimeout(quietTimer);
        quietTimer = setTimeout(resolveDone, quietMs); // catch any extra (unexpected) messages
      }
    },
  });
  await withTimeout(done, ms, `waiting for ${want} messages on ${topic}, got ${got.length}`);
  return got;
}

async function main() {
  const admin = kafka.admin();
  let consumer2;

  await step('admin.connect + describeCluster', async () => {
    await admin.connect();
    const c = await admin.describeCluster();
    assert(c.brokers.length === 1, `one broker, got ${c.brokers.length}`);
    return `clusterId=${c.clusterId} controller=${c.controller}`;
  });

  // Leaders are awaited here rather than with kafkajs's waitForLeaders, which gives up on the
  // UNKNOWN_TOPIC_OR_PARTITION a loaded KRaft broker answers just after creating a topic (the
  // services' ensureTopics does the same, libs/messaging/src/lib/kafka-settings.ts).
  await step('admin.createTopics (3 partitions) + fetchTopicMetadata until led', async () => {
    const topics = [T_MAIN, T_TX_IN, T_TX_OUT];
    const created = await admin.createTopics({
      topics: topics.map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })),
    });
    assert(created === true, 'createTopics returned true');
    for (;;) {
      const md = await admin.fetchTopicMetadata({ topics }).catch((err) => {
        if (['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE'].includes(err.type)) return null;
        throw err;
      });
      const led = md?.topics.every((t) => t.partitions.every((p) => p.leader >= 0));
      if (led) {
        assert(
          md.topics.every((t) => t.partitions.length === 3),
          '3 partitions',
        );
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  await step('admin.listTopics', async () => {
    const topics = await admin.listTopics();
    for (const t of [T_MAIN, T_TX_IN, T_TX_OUT]) assert(topics.includes(t), `listTopics has ${t}`);
    return `${topics.length} topics`;
  });

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await step(
    'idempotent producer: send 30 keyed messages with headers (+ sendBatch, gzip)',
    async () => {
      await producer.connect();
      const msgs = Array.from({ length: 20 }, (_, i) => ({
        key: `key-${i % 5}`,
        value: JSON.stringify({ i }),
        headers: { 'x-trace': `t-${i}`, 'x-n': Buffer.from(String(i)) },
      }));
      const r = await producer.send({ topic: T_MAIN, acks: -1, messages: msgs });
      assert(
        r.every((x) => x.errorCode === 0),
        'no error codes',
      );
      await producer.sendBatch({
        acks: -1,
        compression: CompressionTypes.GZIP,
        topicMessages: [
          {
            topic: T_MAIN,
            messages: Array.from({ length: 10 }, (_, k) => ({
              key: `key-${(20 + k) % 5}`,
              value: JSON.stringify({ i: 20 + k }),
              headers: { 'x-trace': `t-${20 + k}`, 'x-n': String(20 + k) },
            })),
          },
        ],
      });
      const offs = await admin.fetchTopicOffsets(T_MAIN);
      const total = offs.reduce((s, p) => s + Number(p.high), 0);
      assert(total === 30, `30 messages in topic, got ${total}`);
      return `partition highs=${offs.map((p) => p.high).join(',')}`;
    },
  );

  await step(
    'consumer group: consume 30 fromBeginning, check keys/headers, commit offsets',
    async () => {
      const consumer = kafka.consumer({
        groupId: GROUP,
        sessionTimeout: 10000,
        heartbeatInterval: 1000,
      });
      try {
        const got = await consume(consumer, T_MAIN, 30);
        assert(got.length === 30, `30 messages, got ${got.length}`);
        const byKey = {};
        for (const m of got) {
          const { i } = JSON.parse(m.value);
          assert(m.key === `key-${i % 5}`, `key of ${i}`);
          assert(m.headers['x-trace'].toString() === `t-${i}`, `header x-trace of ${i}`);
          assert(m.headers['x-n'].toString() === String(i), `header x-n of ${i}`);
          (byKey[m.key] = byKey[m.key] || new Set()).add(m.partition);
        }
        assert(
          Object.values(byKey).every((s) => s.size === 1),
          'same key -> same partition',
        );
      } finally {
        await consumer.disconnect();
      }
    },
  );

  await step('admin.fetchOffsets: committed offsets sum to 30', async () => {
    const r = await admin.fetchOffsets({ groupId: GROUP, topics: [T_MAIN] });
    const sum = r[0].partitions.reduce((s, p) => s + Number(p.offset), 0);
    assert(sum === 30, `committed sum 30, got ${sum} (${JSON.stringify(r[0].partitions)})`);
    return r[0].partitions.map((p) => `${p.partition}:${p.offset}`).join(' ');
  });

  await step(
    'restart consumer: resumes from committed offsets (only the 10 new messages)',
    async () => {
      await producer.send({
        topic: T_MAIN,
        messages: Array.from({ length: 10 }, (_, k) => ({
          key: `key-${k % 5}`,
          value: JSON.stringify({ i: 100 + k }),
          headers: { 'x-trace': `t-${100 + k}`, 'x-n': String(100 + k) },
        })),
      });
      consumer2 = kafka.consumer({
        groupId: GROUP,
        sessionTimeout: 10000,
        heartbeatInterval: 1000,
      });
      const got = await consume(consumer2, T_MAIN, 10, { quietMs: 2500 });
      const is = got.map((m) => JSON.parse(m.value).i).sort((a, b) => a - b);
      assert(
        got.length === 10 && is[0] === 100,
        `exactly the 10 new messages, got ${got.length}: ${is.join(',')}`,
      );
    },
  );

  await step('admin.describeGroups (while member active) + listGroups', async () => {
    const { groups } = await admin.describeGroups([GROUP]);
    const g = groups[0];
    assert(g.errorCode === 0, `errorCode 0, got ${g.errorCode}`);
    assert(g.state === 'Stable', `state Stable, got ${g.state}`);
    assert(g.protocolType === 'consumer', `protocolType consumer, got ${g.protocolType}`);
    assert(g.members.length === 1, `1 member, got ${g.members.length}`);
    const { groups: all } = await admin.listGroups();
    assert(
      all.some((x) => x.groupId === GROUP),
      'listGroups has the group',
    );
    return `state=${g.state} protocol=${g.protocol} members=${g.members.length}`;
  });
  if (consumer2) await consumer2.disconnect().catch(() => {});

  await step('admin.setOffsets + resetOffsets + fetchOffsets after consumer left', async () => {
    await admin.setOffsets({
      groupId: GROUP,
      topic: T_MAIN,
      partitions: [0, 1, 2].map((partition) => ({ partition, offset: '1' })),
    });
    let r = await admin.fetchOffsets({ groupId: GROUP, topics: [T_MAIN] });
    assert(
      r[0].partitions.every((p) => p.offset === '1'),
      `all 1 after setOffsets, got ${JSON.stringify(r[0].partitions)}`,
    );
    // kafkajs commits the sentinel -2 ("earliest") for resetOffsets({ earliest: true }).
    await admin.resetOffsets({ groupId: GROUP, topic: T_MAIN, earliest: true });
    r = await admin.fetchOffsets({ groupId: GROUP, topics: [T_MAIN] });
    assert(
      r[0].partitions.every((p) => p.offset === '-2'),
      `all -2 after reset, got ${JSON.stringify(r[0].partitions)}`,
    );
  });

  await step('admin.describeConfigs (topic)', async () => {
    const r = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2 /* TOPIC */, name: T_MAIN }],
    });
    assert(r.resources[0].errorCode === 0, 'no error');
    return `${r.resources[0].configEntries.length} entries`;
  });

  await step(
    'auto-created topic on produce (auto.create.topics.enable, num.partitions=3)',
    async () => {
      await producer.send({ topic: T_AUTO, messages: [{ key: 'k', value: 'v' }] });
      const md = await admin.fetchTopicMetadata({ topics: [T_AUTO] });
      assert(
        md.topics[0].partitions.length === 3,
        `3 partitions, got ${md.topics[0].partitions.length}`,
      );
    },
  );

  await producer.disconnect().catch(() => {});

  // Transactions: commit one, abort one, consume-transform-produce with sendOffsets.
  await step(
    'transactional producer: commit + abort, read_committed consumer sees only committed',
    async () => {
      const tp = kafka.producer({
        transactionalId: `kjs-tx-${run}`,
        idempotent: true,
        maxInFlightRequests: 1,
      });
      await tp.connect();
      try {
        const tx1 = await tp.transaction();
        await tx1.send({
          topic: T_TX_IN,
          messages: [
            { key: 'a', value: 'committed-1' },
            { key: 'b', value: 'committed-2' },
          ],
        });
        await tx1.commit();
        const tx2 = await tp.transaction();
        await tx2.send({ topic: T_TX_IN, messages: [{ key: 'a', value: 'aborted-1' }] });
        await tx2.abort();
        const tx3 = await tp.transaction();
        await tx3.send({ topic: T_TX_IN, messages: [{ key: 'c', value: 'committed-3' }] });
        await tx3.commit();
      } finally {
        await tp.disconnect();
      }
      const c = kafka.consumer({ groupId: `${TX_GROUP}-reader`, readUncommitted: false });
      try {
        const got = await consume(c, T_TX_IN, 3, { quietMs: 2500, commit: false });
        const vals = got.map((m) => m.value).sort();
        assert(
          JSON.stringify(vals) === JSON.stringify(['committed-1', 'committed-2', 'committed-3']),
          `got ${vals}`,
        );
      } finally {
        await c.disconnect();
      }
    },
  );

  await step('transactional consume-transform-produce with sendOffsets', async () => {
    const tp = kafka.producer({
      transactionalId: `kjs-ctp-${run}`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await tp.connect();
    try {
      const tx = await tp.transaction();
      await tx.send({ topic: T_TX_OUT, messages: [{ key: 'x', value: 'transformed' }] });
      await tx.sendOffsets({
        consumerGroupId: TX_GROUP,
        topics: [{ topic: T_TX_IN, partitions: [{ partition: 0, offset: '1' }] }],
      });
      await tx.commit();
    } finally {
      await tp.disconnect();
    }
    // The coordinator writes the commit markers after EndTxn answers, so the offset becomes
    // visible a moment later: poll for it (bounded) instead of reading once.
    let r;
    let p0;
    for (let i = 0; i < 50; i++) {
      r = await admin.fetchOffsets({ groupId: TX_GROUP, topics: [T_TX_IN] });
      p0 = r[0].partitions.find((p) => p.partition === 0);
      if (p0 && p0.offset === '1') break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert(
      p0 && p0.offset === '1',
      `offset committed via tx, got ${JSON.stringify(r[0].partitions)}`,
    );
  });

  await step('admin.deleteGroups', async () => {
    const r = await admin.deleteGroups([GROUP]);
    assert(r[0].errorCode === 0, `errorCode 0, got ${JSON.stringify(r)}`);
  });

  await step('admin.deleteTopics + listTopics no longer has them', async () => {
    const gone = [T_MAIN, T_TX_IN, T_TX_OUT, T_AUTO];
    await admin.deleteTopics({ topics: gone, timeout: 10000 });
    for (let i = 0; i < 20; i++) {
      const topics = await admin.listTopics();
      if (!gone.some((t) => topics.includes(t))) return `after ${i} polls`;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error('topics still listed after deleteTopics');
  });

  await admin.disconnect().catch(() => {});
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.log(`FATAL ${errText(e)}`);
  process.exit(2);
});
