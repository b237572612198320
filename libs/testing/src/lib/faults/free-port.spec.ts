import { createServer } from 'node:net';
import { freePorts } from './free-port';

describe('freePorts', () => {
  it('hands out distinct ports, each free to listen on', async () => {
    // When twenty ports are asked for at once
    const ports = await freePorts(20);

    // Then no port comes twice, and each can be listened on
    expect(new Set(ports).size).toBe(20);
    for (const port of ports) {
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', resolve);
      });
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
