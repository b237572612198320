// Generates docs/events.md from the schemas in libs/contracts (built into dist/ first).
//   node tools/events/events-doc.cjs          writes the file
//   node tools/events/events-doc.cjs --check  fails when the file is stale (CI runs this)
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '../..');
const target = path.join(root, 'docs/events.md');
const contracts = require(path.join(root, 'dist/libs/contracts/src/index.js'));
const {
  EventCatalog,
  EventTypes,
  Topics,
  createEvent,
  dataJsonSchema,
  envelopeJsonSchema,
  exampleDataOf,
} = contracts;

const json = (value) => '```json\n' + JSON.stringify(value, null, 2) + '\n```';

function exampleOf(type) {
  const data = exampleDataOf(type);
  return createEvent(type, data.orderId, data, {
    id: '019ac9c4-5f2e-7b3a-8c1d-2e4f6a8b0c1d',
    occurredAt: new Date('2026-11-28T10:15:30.000Z'),
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  });
}

function render() {
  const lines = [
    '# Events',
    '',
    '<!-- Generated from libs/contracts by `npm run docs:events`; CI fails when it is stale. Do not edit. -->',
    '',
    'Every event on every topic is one JSON envelope. Consumers validate the envelope and the `data`',
    'of its type and version before acting; an invalid message goes to `<topic>.dlq` with the reason.',
    '',
    '## Envelope',
    '',
    '| field | meaning |',
    '|---|---|',
    '| `id` | UUID v7, unique per event; consumers deduplicate on it |',
    '| `type` | the event type, such as `order.paid` |',
    "| `version` | the version of `data`'s schema (see Versioning) |",
    '| `source` | the service that produced it: `orders`, `payments` or `notifications` |',
    "| `subject` | what it is about: the order id; also the Kafka key, so one order's events stay in order |",
    '| `occurredAt` | when it happened (ISO-8601) |',
    '| `data` | the payload, per type below |',
    '| `traceparent` | optional W3C trace context, also sent as a Kafka header |',
    '',
    '<details><summary>JSON Schema of the envelope</summary>',
    '',
    json(envelopeJsonSchema()),
    '',
    '</details>',
    '',
    '## Versioning',
    '',
    '- **Additive changes keep the version**: a new optional field, a new event type, a new enum value',
    '  that consumers may ignore. Consumers must ignore fields they do not know.',
    '- **A breaking change publishes `version: 2`** of that type: a removed or renamed field, a changed',
    '  type or meaning, a new required field. Producers switch to the new version when they deploy.',
    '- **Consumers accept both versions for 90 days** after the new one ships: the old schema stays in the',
    '  catalog as a retired version (`retired` in `libs/contracts/src/lib/catalog.ts`) with its',
    '  `acceptedUntil` date; after that date it is removed, and a message of the old version goes to the',
    '  dead-letter topic as `unsupported_version`.',
    '- Topic names carry a major version too (`orders.events.v1`); a new topic is only for a change to',
    '  the envelope itself.',
    '',
    '## Webhook payloads',
    '',
    'Partners receive events as webhooks in one of two shapes, chosen per endpoint (`payloadMode`):',
    '',
    '- `full` (the default): the whole envelope, exactly as above.',
    '- `thin`: what a receiver needs to decide, and where to fetch the rest with its API key',
    '  (`GET /v1/events/:id`, answered only to a partner the event was sent to):',
    '',
    json({
      id: exampleOf('payment.succeeded').id,
      type: 'payment.succeeded',
      subject: exampleOf('payment.succeeded').subject,
      occurredAt: exampleOf('payment.succeeded').occurredAt,
      url: `https://notifications.example.com/v1/events/${exampleOf('payment.succeeded').id}`,
    }),
    '',
    'Either way the body is signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`,',
    '`webhook-signature`). Notifications also sends one operational event of its own,',
    "`endpoint.disabled` (`data: { endpointId, url, reason, failingSince }`), to a partner's other",
    'endpoints that subscribe to it; it is not on Kafka. See [notifications.md](notifications.md).',
    '',
    '## Topics',
    '',
    '| topic | events |',
    '|---|---|',
    ...Object.values(Topics).map(
      (topic) =>
        `| \`${topic}\` | ${EventTypes.filter((t) => EventCatalog[t].topic === topic)
          .map((t) => `[\`${t}\`](#${t.replace('.', '').replace(/_/g, '_')})`)
          .join(', ')} |`,
    ),
    '',
    '## Catalog',
    '',
  ];
  for (const type of EventTypes) {
    const entry = EventCatalog[type];
    lines.push(
      `### ${type}`,
      '',
      entry.description,
      '',
      `Topic \`${entry.topic}\`, source \`${entry.source}\`, version ${entry.version}.`,
      '',
      json(exampleOf(type)),
      '',
      `<details><summary>JSON Schema of <code>data</code></summary>`,
      '',
      json(dataJsonSchema(type)),
      '',
      '</details>',
      '',
    );
  }
  return lines.join('\n');
}

const content = render();
if (process.argv.includes('--check')) {
  const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
  if (current !== content) {
    process.stderr.write(
      'docs/events.md is stale: run `npm run docs:events` and commit the result\n',
    );
    process.exit(1);
  }
  process.stdout.write('docs/events.md is up to date\n');
} else {
  fs.writeFileSync(target, content);
  process.stdout.write('wrote docs/events.md\n');
}
