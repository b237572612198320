// Runs before every unit test file (jest.unit.config.js). Unit tests use no Postgres and no
// Kafka: both addresses point at a closed port, so a `*.spec.ts` that reaches for either fails
// within a second, naming the address, instead of passing on a machine where they happen to
// run. Such a test belongs in a `*.int.spec.ts` file. A unit test that hangs fails in 20 s.
process.env['DATABASE_URL'] =
  'postgres://unit-tests-use-no-postgres@127.0.0.1:1/move-the-test-to-an-int-spec-file';
process.env['KAFKA_BROKERS'] = '127.0.0.1:1';
jest.setTimeout(20_000);
