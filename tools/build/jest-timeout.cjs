// Integration tests talk to a real broker and database: allow them a minute.
jest.setTimeout(60_000);
