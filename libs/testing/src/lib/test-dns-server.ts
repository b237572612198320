import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import ipaddr from 'ipaddr.js';

/** The records of one name: IPv4 addresses (A) and IPv6 addresses (AAAA). */
export interface TestDnsRecords {
  readonly A?: readonly string[];
  readonly AAAA?: readonly string[];
}

export interface TestDnsQuery {
  readonly name: string;
  readonly type: 'A' | 'AAAA' | number;
}

const TYPE_A = 1;
const TYPE_AAAA = 28;
const CLASS_IN = 1;
const RCODE_NXDOMAIN = 3;
const RCODE_NOTIMP = 4;

/**
 * An authoritative DNS server on loopback (UDP) for names that exist only in a test, so a
 * service can be pointed at it (DELIVERY_DNS_SERVERS) and resolve them without /etc/hosts or
 * the internet. It speaks just enough of RFC 1035 for one-question A and AAAA queries: a name
 * it does not know is NXDOMAIN, a known name without records of the type has an empty answer.
 */
export class TestDnsServer {
  /** Every question asked, in order, so a test can tell the service really asked. */
  readonly queries: TestDnsQuery[] = [];
  private readonly zone: ReadonlyMap<string, TestDnsRecords>;
  private readonly socket: Socket;

  constructor(zone: Readonly<Record<string, TestDnsRecords>>) {
    this.zone = new Map(Object.entries(zone).map(([name, records]) => [normalise(name), records]));
    this.socket = createSocket('udp4');
    this.socket.on('message', (query, from) => this.answer(query, from));
  }

  /** Listens on a free loopback port; resolves with `127.0.0.1:<port>`, as resolvers take it. */
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', resolve));
    return `127.0.0.1:${this.socket.address().port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  private answer(query: Buffer, from: RemoteInfo): void {
    const question = parseQuestion(query);
    // Not a query we can read: a real server would answer FORMERR; the client's retry is enough.
    if (!question) return;
    this.queries.push({
      name: question.name,
      type: question.type === TYPE_A ? 'A' : question.type === TYPE_AAAA ? 'AAAA' : question.type,
    });
    const records = this.zone.get(question.name);
    const addresses =
      question.type === TYPE_A ? records?.A : question.type === TYPE_AAAA ? records?.AAAA : [];
    const rcode =
      question.klass !== CLASS_IN ? RCODE_NOTIMP : records === undefined ? RCODE_NXDOMAIN : 0;
    const response = encodeResponse(query, question, rcode, rcode === 0 ? (addresses ?? []) : []);
    this.socket.send(response, from.port, from.address);
  }
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

interface Question {
  readonly name: string;
  readonly type: number;
  readonly klass: number;
  /** Where the question section ends: the answer copies it. */
  readonly end: number;
}

function parseQuestion(packet: Buffer): Question | undefined {
  const HEADER = 12;
  if (packet.length < HEADER || packet.readUInt16BE(4) !== 1) return undefined;
  const labels: string[] = [];
  let offset = HEADER;
  for (;;) {
    const length = packet[offset];
    if (length === undefined || length > 63) return undefined;
    offset += 1;
    if (length === 0) break;
    labels.push(packet.toString('latin1', offset, offset + length));
    offset += length;
  }
  if (offset + 4 > packet.length) return undefined;
  return {
    name: normalise(labels.join('.')),
    type: packet.readUInt16BE(offset),
    klass: packet.readUInt16BE(offset + 2),
    end: offset + 4,
  };
}

function encodeResponse(
  query: Buffer,
  question: Question,
  rcode: number,
  addresses: readonly string[],
): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0);
  const opcodeAndRd = query.readUInt16BE(2) & 0x7900;
  // QR (a response), AA (authoritative), RA (recursion available), and the answer's code.
  header.writeUInt16BE(0x8000 | opcodeAndRd | 0x0400 | 0x0080 | rcode, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(addresses.length, 6);
  const answers = addresses.map((address) => {
    const rdata = Buffer.from(ipaddr.parse(address).toByteArray());
    const record = Buffer.alloc(12);
    record.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
    record.writeUInt16BE(question.type, 2);
    record.writeUInt16BE(CLASS_IN, 4);
    record.writeUInt32BE(0, 6); // TTL 0: nothing may cache a test's answer
    record.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([record, rdata]);
  });
  return Buffer.concat([header, query.subarray(12, question.end), ...answers]);
}
