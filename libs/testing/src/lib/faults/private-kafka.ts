import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePorts } from './free-port';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../../../../..');
const script = path.join(root, 'tools/kafka/kafka.sh');

/**
 * A single-node Kafka broker of the suite's own (tools/kafka/kafka.sh with its own work
 * directory and free ports, sharing the main broker's jars), so a fault test can stop and start
 * it without disturbing any other suite.
 */
export class PrivateKafka {
  private readonly workDir = mkdtempSync(path.join(tmpdir(), 'switchyard-kafka-'));

  private constructor(
    readonly port: number,
    private readonly controllerPort: number,
  ) {}

  static async create(): Promise<PrivateKafka> {
    const [port, controllerPort] = (await freePorts(2)) as [number, number];
    const broker = new PrivateKafka(port, controllerPort);
    await broker.start();
    return broker;
  }

  get brokers(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Starts the broker (formatting its storage the first time) and waits until it serves. */
  async start(): Promise<void> {
    await this.kafkaSh('start');
  }

  /** A controlled shutdown (SIGTERM), as an operator's restart would do. */
  async stop(): Promise<void> {
    await this.kafkaSh('stop');
  }

  async destroy(): Promise<void> {
    await this.stop().catch(() => undefined);
    rmSync(this.workDir, { recursive: true, force: true });
  }

  private async kafkaSh(command: 'start' | 'stop'): Promise<void> {
    try {
      await run('bash', [script, command], {
        timeout: 180_000,
        env: {
          ...process.env,
          KAFKA_WORK_DIR: this.workDir,
          KAFKA_LIB_DIR: path.join(root, '.local/kafka/lib'),
          KAFKA_PORT: String(this.port),
          KAFKA_CONTROLLER_PORT: String(this.controllerPort),
          KAFKA_HEAP_OPTS: '-Xms128m -Xmx512m',
        },
      });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`kafka.sh ${command} failed: ${e.stderr || e.message}`);
    }
  }
}
