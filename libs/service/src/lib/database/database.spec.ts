import { dataSourceOptions } from './database';

describe("a service's database options", () => {
  it('keeps the pool’s connections open while idle, so the statements prepared and planned on them stay', () => {
    const options = dataSourceOptions(
      { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres', DB_SCHEMA: 'shop' },
      [],
    );

    // pg-pool closes a connection idle for 10 s unless told 0
    expect(options.extra).toMatchObject({ max: 10, idleTimeoutMillis: 0 });
  });
});
