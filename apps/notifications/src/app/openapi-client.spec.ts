import { checkedInOpenApiPath } from '@switchyard/service-testing';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';

const CLI = join(__dirname, '../../../../node_modules/openapi-typescript/bin/cli.js');

/** What a partner's client needs from the document: bodies in, answers and errors out. */
const CLIENT = `
import type { components, paths } from './notifications';

type CreateEndpoint = paths['/v1/endpoints']['post'];
type NewEndpoint = CreateEndpoint['requestBody']['content']['application/json'];
type Created = CreateEndpoint['responses'][201]['content']['application/json'];
type Messages = paths['/v1/messages']['get'];
type ApiError = components['schemas']['ApiError'];

export const body: NewEndpoint = { url: 'https://partner.example/hooks', eventTypes: ['order.*'] };
export const query: NonNullable<Messages['parameters']['query']> = { eventType: 'order.paid', limit: 10 };
export const secretOf = (created: Created): string => created.secret;
export const statuses = (page: Messages['responses'][200]['content']['application/json']): string[] =>
  page.data.flatMap((message) => message.deliveries.map((delivery) => delivery.status));
export const codeOf = (failure: ApiError): string => failure.error.code;
export const notFound = (
  answer: paths['/v1/endpoints/{id}']['get']['responses'][404]['content']['application/json'],
): ApiError => answer;
`;

/** The same client with two mistakes the generated types must catch. */
const WRONG_CLIENT = `
import type { paths } from './notifications';

type CreateEndpoint = paths['/v1/endpoints']['post'];
export const body: CreateEndpoint['requestBody']['content']['application/json'] = {
  url: 'https://partner.example/hooks',
  eventTypes: 'order.*',
};
export const secretOf = (
  created: CreateEndpoint['responses'][201]['content']['application/json'],
): string => created.signingSecret;
`;

/** The type errors of each client, compiled together (one program: the lib is read once). */
function typeErrors(dir: string, clients: Record<string, string>): Record<string, string[]> {
  const files = Object.entries(clients).map(([name, text]) => {
    const file = join(dir, `${name}.ts`);
    writeFileSync(file, text);
    return [name, file] as const;
  });
  const program = ts.createProgram(
    files.map(([, file]) => file),
    {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      types: [],
    },
  );
  return Object.fromEntries(
    files.map(([name, file]) => [
      name,
      ts
        .getPreEmitDiagnostics(program, program.getSourceFile(file))
        .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')),
    ]),
  );
}

describe('a partner typing a client from docs/openapi/notifications.json', () => {
  let dir: string;
  let errors: Record<string, string[]>;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'notifications-client-'));
    execFileSync(process.execPath, [
      CLI,
      checkedInOpenApiPath('notifications'),
      '--output',
      join(dir, 'notifications.ts'),
    ]);
    errors = typeErrors(dir, { client: CLIENT, wrongClient: WRONG_CLIENT });
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('generates types with openapi-typescript that a client written against them compiles with', () => {
    expect(errors['client']).toEqual([]);
  });

  it('gets types precise enough to refuse a wrong request body and a misspelt answer field', () => {
    const [wrongBody, misspelt, ...others] = errors['wrongClient'] ?? [];

    expect(wrongBody).toMatch(/'string' is not assignable to type 'string\[\]'/);
    expect(misspelt).toMatch(/Property 'signingSecret' does not exist/);
    expect(others).toEqual([]);
  });
});
