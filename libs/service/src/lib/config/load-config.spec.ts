import { z } from 'zod';
import { ConfigError } from './config-error';
import { commonEnv } from './common-env';
import { loadConfig } from './load-config';

const schema = commonEnv({ port: 3001, schema: 'orders', clientId: 'orders' }).extend({
  STRIPE_KEY: z.string().startsWith('sk_'),
});

describe('configuration at boot', () => {
  it('fills defaults and parses broker lists', () => {
    const config = loadConfig(schema, { STRIPE_KEY: 'sk_test_1', KAFKA_BROKERS: 'a:1, b:2' });

    expect(config.PORT).toBe(3001);
    expect(config.KAFKA_BROKERS).toEqual(['a:1', 'b:2']);
  });

  it('names every bad variable and its value in one error', () => {
    const load = () => loadConfig(schema, { PORT: 'eighty', KAFKA_BROKERS: 'nohost' });

    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/PORT: .*got "eighty"/);
    expect(load).toThrow(/KAFKA_BROKERS/);
    expect(load).toThrow(/STRIPE_KEY: .*it is not set/);
  });

  it('lets the old generation double between full collections unless told otherwise', () => {
    expect(loadConfig(schema, { STRIPE_KEY: 'sk_test_1' }).HEAP_GROWING_PERCENT).toBe(100);
    expect(
      loadConfig(schema, { STRIPE_KEY: 'sk_test_1', HEAP_GROWING_PERCENT: '0' })
        .HEAP_GROWING_PERCENT,
    ).toBe(0);
    expect(() =>
      loadConfig(schema, { STRIPE_KEY: 'sk_test_1', HEAP_GROWING_PERCENT: '12.5' }),
    ).toThrow(/HEAP_GROWING_PERCENT: must be a whole number of percent/);
    expect(() =>
      loadConfig(schema, { STRIPE_KEY: 'sk_test_1', HEAP_GROWING_PERCENT: '900' }),
    ).toThrow(/HEAP_GROWING_PERCENT: must be at most 400/);
  });

  it('never prints the value of a secret it refuses, only its length', () => {
    const load = () =>
      loadConfig(schema, { STRIPE_KEY: 'sk_test_1', ADMIN_TOKEN: 'sk_live_pasted_here' });

    expect(load).toThrow(/ADMIN_TOKEN: .*got a value of 19 characters, not shown/);
    expect(load).not.toThrow(/sk_live_pasted_here/);
  });

  it('prints a refused DATABASE_URL without its password', () => {
    const load = () =>
      loadConfig(schema, { STRIPE_KEY: 'sk_test_1', DATABASE_URL: 'mysql://app:hunter2@db/shop' });

    expect(load).toThrow(/DATABASE_URL: .*got "mysql:\/\/app:\*\*\*@db\/shop"/);
    expect(load).not.toThrow(/hunter2/);
  });

  it('keeps partitioned data 30 days unless RETENTION_DAYS says otherwise', () => {
    expect(loadConfig(schema, { STRIPE_KEY: 'sk_test_1' }).RETENTION_DAYS).toBe(30);
    expect(
      loadConfig(schema, { STRIPE_KEY: 'sk_test_1', RETENTION_DAYS: '7' }).RETENTION_DAYS,
    ).toBe(7);
  });

  it.each(['0', '-3', '1.5', 'a week', '1000'])(
    'stops at RETENTION_DAYS=%s, naming it',
    (value) => {
      expect(() => loadConfig(schema, { STRIPE_KEY: 'sk_test_1', RETENTION_DAYS: value })).toThrow(
        new RegExp(`RETENTION_DAYS: .*got "${value}"`),
      );
    },
  );

  it('makes partitions a week wide unless PARTITION_DAYS says otherwise', () => {
    expect(loadConfig(schema, { STRIPE_KEY: 'sk_test_1' }).PARTITION_DAYS).toBe(7);
    expect(
      loadConfig(schema, { STRIPE_KEY: 'sk_test_1', PARTITION_DAYS: '1' }).PARTITION_DAYS,
    ).toBe(1);
  });

  it.each(['0', '1.5', 'weekly', '32'])('stops at PARTITION_DAYS=%s, naming it', (value) => {
    expect(() => loadConfig(schema, { STRIPE_KEY: 'sk_test_1', PARTITION_DAYS: value })).toThrow(
      new RegExp(`PARTITION_DAYS: .*got "${value}"`),
    );
  });
});
