import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';

/** A span as an OTLP exporter sent it, with the service that sent it. */
export interface ReceivedSpan {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly name: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}

interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}

interface OtlpTraceRequest {
  resourceSpans: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans: {
      spans: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        attributes?: OtlpAttribute[];
      }[];
    }[];
  }[];
}

/**
 * An OpenTelemetry collector's trace endpoint, as the OTLP/HTTP specification has it
 * (`POST /v1/traces`, JSON encoding: `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`), keeping every span
 * it is sent. A request it cannot read is answered 400 and kept in `refused`, for the test to
 * assert there is none.
 */
export class OtlpTraceReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly refused: string[] = [];
  private readonly server: Server = createServer((req, res) => void this.receive(req, res));

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The spans of one trace. */
  trace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((s) => s.traceId === traceId);
  }

  private async receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const refuse = (why: string) => {
      this.refused.push(why);
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ why }));
    };
    if (req.method !== 'POST' || req.url !== '/v1/traces') {
      return refuse(`${req.method} ${req.url}: only POST /v1/traces is served`);
    }
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      return refuse(
        `content-type ${req.headers['content-type']}: set OTEL_EXPORTER_OTLP_PROTOCOL=http/json`,
      );
    }
    let body: OtlpTraceRequest;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpTraceRequest;
      for (const resource of body.resourceSpans) this.keep(resource);
    } catch (err) {
      return refuse(`not an OTLP trace request: ${(err as Error).message}`);
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  }

  private keep(resource: OtlpTraceRequest['resourceSpans'][number]): void {
    const service = String(attributesOf(resource.resource?.attributes)['service.name'] ?? '');
    for (const scope of resource.scopeSpans) {
      for (const span of scope.spans) {
        if (!span.traceId || !span.spanId || !span.name)
          throw new Error('a span lacks an id or a name');
        this.spans.push({
          service,
          traceId: hexId(span.traceId),
          spanId: hexId(span.spanId),
          parentSpanId: span.parentSpanId ? hexId(span.parentSpanId) : undefined,
          name: span.name,
          attributes: attributesOf(span.attributes),
        });
      }
    }
  }
}

/** OTLP/JSON ids are hex; some exporters send protobuf's base64 instead. */
function hexId(id: string): string {
  return /^[0-9a-f]+$/i.test(id) ? id.toLowerCase() : Buffer.from(id, 'base64').toString('hex');
}

function attributesOf(attributes: OtlpAttribute[] = []): Record<string, unknown> {
  return Object.fromEntries(
    attributes.map(({ key, value }) => [
      key,
      value.stringValue ?? value.intValue ?? value.doubleValue ?? value.boolValue,
    ]),
  );
}
