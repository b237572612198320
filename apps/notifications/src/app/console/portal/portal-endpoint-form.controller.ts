import { Body, Get, Param, Post, Req, Res } from '@nestjs/common';
import { createEvent, EventTypes, exampleDataOf } from '@switchyard/contracts';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CreateEndpointUseCase } from '../../endpoints/create-endpoint.usecase';
import { EndpointRepository } from '../../endpoints/endpoint.repository';
import { UpdateEndpointUseCase } from '../../endpoints/update-endpoint.usecase';
import { EXAMPLE_SUBJECT } from '../../delivery/send-example-event.usecase';
import { DryRunFilterUseCase } from '../../subscriptions/dry-run-filter.usecase';
import { CurrentSession, ConsolePages } from '../auth/console-area.decorator';
import { type ConsoleSession } from '../auth/console-session';
import { formFields } from '../console-form';
import { ConsoleViews } from '../console-views';
import { formProblemOf } from './api-problem';
import {
  createCommandOf,
  EMPTY_ENDPOINT_FORM,
  endpointFormValues,
  type EndpointFormValues,
  eventTypeChoices,
  formValuesOf,
  parsedFilter,
  updateCommandOf,
} from './endpoint-form';
import { asPortalPage, managingPartnerOf, NOT_FOUND, portalId } from './portal-scope';

const SampleForm = z.object({ sampleType: z.enum(EventTypes) });

/** Where the form posts: a new endpoint, or the one being edited. */
type FormTarget = { readonly kind: 'new' } | { readonly kind: 'edit'; readonly id: string };

/**
 * The endpoint form, to create an endpoint or change one, through the API's own use cases: every
 * rule of the API (a URL delivery may reach, a valid filter, the fields' limits) holds here too,
 * and a form that breaks one comes back with the API's sentence, nothing stored.
 */
@ConsolePages('portal/endpoints', 'partner')
export class PortalEndpointFormController {
  constructor(
    private readonly views: ConsoleViews,
    private readonly endpoints: EndpointRepository,
    private readonly createEndpoint: CreateEndpointUseCase,
    private readonly updateEndpoint: UpdateEndpointUseCase,
    private readonly dryRun: DryRunFilterUseCase,
  ) {}

  @Get('new')
  newForm(
    @CurrentSession() session: ConsoleSession,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): string {
    managingPartnerOf(session);
    return this.form(reply, session, { kind: 'new' }, EMPTY_ENDPOINT_FORM);
  }

  @Post()
  async create(
    @CurrentSession() session: ConsoleSession,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const partnerId = managingPartnerOf(session);
    const values = endpointFormValues(body);
    const form = createCommandOf(values);
    if (!form.ok) return this.form(reply, session, { kind: 'new' }, values, form.problem);
    const created = await this.createEndpoint
      .execute(partnerId, form.command)
      .catch((err: unknown) => formProblemOf(err));
    if (typeof created === 'string')
      return this.form(reply, session, { kind: 'new' }, values, created);
    return this.views.render(
      reply,
      './portal/endpoint-created',
      {
        title: 'Endpoint created',
        nav: 'endpoints',
        session,
        endpoint: { id: created.endpoint.id, url: created.endpoint.url },
        secret: created.secret,
      },
      201,
    );
  }

  @Get(':id/edit')
  async editForm(
    @CurrentSession() session: ConsoleSession,
    @Param('id', portalId()) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const endpoint = await this.endpoints.find(managingPartnerOf(session), id);
    if (!endpoint) throw NOT_FOUND();
    return this.form(reply, session, { kind: 'edit', id }, formValuesOf(endpoint));
  }

  /** Saves the form's every field; the URL is checked again only when it changed. */
  @Post(':id')
  async update(
    @CurrentSession() session: ConsoleSession,
    @Param('id', portalId()) id: string,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const partnerId = managingPartnerOf(session);
    const endpoint = await this.endpoints.find(partnerId, id);
    if (!endpoint) throw NOT_FOUND();
    const values = endpointFormValues(body);
    const form = updateCommandOf(values);
    if (!form.ok) return this.form(reply, session, { kind: 'edit', id }, values, form.problem);
    const { url, ...unchangedUrl } = form.command;
    const problem = await asPortalPage(
      this.updateEndpoint.execute(
        partnerId,
        id,
        url === endpoint.url ? unchangedUrl : form.command,
      ),
    ).then(
      () => null,
      (err: unknown) => formProblemOf(err),
    );
    if (problem !== null) return this.form(reply, session, { kind: 'edit', id }, values, problem);
    return this.views.seeOther(request, reply, `/portal/endpoints/${id}`);
  }

  /**
   * A fragment: the filter as typed against the catalog's example of a type, by the same dry run
   * as `POST /v1/filters/test`. Always 200, so htmx shows the verdict or the problem alike.
   */
  @Post('filter-test')
  filterTest(
    @CurrentSession() session: ConsoleSession,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): string {
    managingPartnerOf(session);
    const fields = formFields(body);
    const sample = SampleForm.safeParse(fields);
    const filter = parsedFilter(fields['filter']?.trim() ?? '');
    const render = (data: object) => this.views.render(reply, './portal/filter-verdict', data);
    if (!sample.success) return render({ problem: 'Choose an event type to test against' });
    if (!filter.ok) return render({ problem: filter.problem });
    const event = createEvent(
      sample.data.sampleType,
      EXAMPLE_SUBJECT,
      exampleDataOf(sample.data.sampleType),
    );
    try {
      const verdict = this.dryRun.sample({ filter: filter.command, event });
      return render({ verdict, event: JSON.stringify(event, null, 2) });
    } catch (err) {
      return render({ problem: formProblemOf(err) });
    }
  }

  private form(
    reply: FastifyReply,
    session: ConsoleSession,
    target: FormTarget,
    values: EndpointFormValues,
    problem?: string,
  ): string {
    return this.views.render(
      reply,
      './portal/endpoint-form',
      {
        title: target.kind === 'new' ? 'New endpoint' : 'Edit endpoint',
        nav: 'endpoints',
        session,
        target,
        action: target.kind === 'new' ? '/portal/endpoints' : `/portal/endpoints/${target.id}`,
        values,
        eventTypeChoices: eventTypeChoices(values),
        sampleTypes: EventTypes,
        problem: problem ?? null,
      },
      problem ? 400 : 200,
    );
  }
}
