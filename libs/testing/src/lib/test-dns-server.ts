import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import * as dnsPacket from 'dns-packet';

/** The records of one name: IPv4 addresses (A) and IPv6 addresses (AAAA). */
export interface TestDnsRecords {
  readonly A?: readonly string[];
  readonly AAAA?: readonly string[];
}

export interface TestDnsQuery {
  readonly name: string;
  readonly type: string;
}

/**
 * An authoritative DNS server on loopback (UDP) for names that exist only in a test, so a
 * service can be pointed at it (DELIVERY_DNS_SERVERS) and resolve them without /etc/hosts or
 * the internet. It answers A and AAAA questions: a name it does not know is NXDOMAIN, a known
 * name without records of the type has an empty answer. Packets are read and written by
 * `dns-packet`.
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

  private answer(raw: Buffer, from: RemoteInfo): void {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(raw);
    } catch {
      return; // not a packet we can read; the client's retry is enough
    }
    const question = query.questions?.[0];
    if (!question) return;
    const name = normalise(question.name);
    this.queries.push({ name, type: question.type });
    const records = this.zone.get(name);
    const addresses =
      question.type === 'A' ? records?.A : question.type === 'AAAA' ? records?.AAAA : undefined;
    const response = dnsPacket.encode({
      id: query.id,
      type: 'response',
      // Authoritative answer, recursion desired as asked, and NXDOMAIN for an unknown name.
      flags:
        dnsPacket.AUTHORITATIVE_ANSWER |
        dnsPacket.RECURSION_DESIRED |
        (records === undefined ? NXDOMAIN : 0),
      questions: [question],
      answers: (addresses ?? []).map((address) => ({
        name: question.name,
        type: question.type as 'A' | 'AAAA',
        class: 'IN' as const,
        ttl: 1,
        data: address,
      })),
    });
    this.socket.send(response, from.port, from.address);
  }
}

/** The RCODE bits of the flags word (RFC 1035 §4.1.1). */
const NXDOMAIN = 3;

function normalise(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}
