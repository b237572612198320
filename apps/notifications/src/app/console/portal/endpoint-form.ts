import { EventTypes } from '@switchyard/contracts';
import { type z } from 'zod';
import { type Endpoint } from '../../endpoints/endpoint';
import {
  type CreateEndpointCommand,
  CreateEndpointSchema,
  type UpdateEndpointCommand,
  UpdateEndpointSchema,
} from '../../endpoints/endpoint-fields';
import { formFields, formValues, problemOf } from '../console-form';

/** The endpoint form as typed, kept to fill the form again when it comes back with a problem. */
export interface EndpointFormValues {
  readonly url: string;
  readonly description: string;
  readonly eventTypes: readonly string[];
  readonly filter: string;
  readonly rateLimitPerSecond: string;
  readonly fifo: boolean;
  readonly headers: string;
  readonly payloadMode: string;
}

/** What a form turns into: the API's command, or a sentence saying what to fix. */
export type FormOutcome<T> =
  { readonly ok: true; readonly command: T } | { readonly ok: false; readonly problem: string };

export const EMPTY_ENDPOINT_FORM: EndpointFormValues = {
  url: '',
  description: '',
  eventTypes: [],
  filter: '',
  rateLimitPerSecond: '',
  fifo: false,
  headers: '',
  payloadMode: 'full',
};

/** The posted fields, as typed. */
export function endpointFormValues(body: unknown): EndpointFormValues {
  const fields = formFields(body);
  return {
    url: fields['url']?.trim() ?? '',
    description: fields['description']?.trim() ?? '',
    eventTypes: formValues(body, 'eventTypes'),
    filter: fields['filter']?.trim() ?? '',
    rateLimitPerSecond: fields['rateLimitPerSecond']?.trim() ?? '',
    fifo: fields['fifo'] === 'on',
    headers: fields['headers'] ?? '',
    payloadMode: fields['payloadMode'] ?? 'full',
  };
}

/** An endpoint's settings in the form's terms, to edit them. */
export function formValuesOf(endpoint: Endpoint): EndpointFormValues {
  return {
    url: endpoint.url,
    description: endpoint.description,
    eventTypes: endpoint.eventTypes,
    filter: endpoint.filter === null ? '' : JSON.stringify(endpoint.filter, null, 2),
    rateLimitPerSecond: endpoint.rateLimitPerSecond?.toString() ?? '',
    fifo: endpoint.fifo,
    headers: Object.entries(endpoint.headers)
      .map(([name, value]) => `${name}: ${value}`)
      .join('\n'),
    payloadMode: endpoint.payloadMode,
  };
}

/** The catalog's event types, then any pattern the endpoint has besides ("order.*", "*"). */
export function eventTypeChoices(values: EndpointFormValues): string[] {
  return [...new Set<string>([...EventTypes, ...values.eventTypes])];
}

/** The form as the API's create command, validated by the API's own schema. */
export function createCommandOf(values: EndpointFormValues): FormOutcome<CreateEndpointCommand> {
  return commandOf(values, CreateEndpointSchema);
}

/** The form as the API's update command: every field set as the form shows it. */
export function updateCommandOf(values: EndpointFormValues): FormOutcome<UpdateEndpointCommand> {
  return commandOf(values, UpdateEndpointSchema);
}

function commandOf<S extends z.ZodType>(
  values: EndpointFormValues,
  schema: S,
): FormOutcome<z.infer<S>> {
  const filter = parsedFilter(values.filter);
  if (!filter.ok) return filter;
  const headers = parsedHeaders(values.headers);
  if (!headers.ok) return headers;
  const rate = values.rateLimitPerSecond === '' ? null : Number(values.rateLimitPerSecond);
  const parsed = schema.safeParse({
    url: values.url,
    description: values.description,
    eventTypes: values.eventTypes,
    filter: filter.command,
    rateLimitPerSecond: rate,
    fifo: values.fifo,
    headers: headers.command,
    payloadMode: values.payloadMode,
  });
  return parsed.success
    ? { ok: true, command: parsed.data }
    : { ok: false, problem: problemOf(parsed.error) };
}

/** The filter textarea: empty is no filter, anything else must be a JSON object. */
export function parsedFilter(text: string): FormOutcome<unknown> {
  if (text === '') return { ok: true, command: null };
  try {
    return { ok: true, command: JSON.parse(text) };
  } catch {
    return { ok: false, problem: 'filter: must be JSON, such as {"data.amount": {"$gte": 1000}}' };
  }
}

/** The headers textarea: one "Name: value" per line, blank lines ignored. */
function parsedHeaders(text: string): FormOutcome<Record<string, string>> {
  const headers: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (colon < 1)
      return { ok: false, problem: `headers: write each as "Name: value" ("${line.trim()}")` };
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return { ok: true, command: headers };
}
