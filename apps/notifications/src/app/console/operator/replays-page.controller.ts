import { Body, Get, Param, ParseUUIDPipe, Post, Req, Res } from '@nestjs/common';
import { EventTypes } from '@switchyard/contracts';
import { ApiError } from '@switchyard/service';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { progressOf, type ReplayFilter } from '../../replays/replay-job';
import { PartnerRepository } from '../../partners/partner.repository';
import { ReplayJobRepository } from '../../replays/replay-job.repository';
import { StartReplayJobUseCase } from '../../replays/start-replay-job.usecase';
import { ConsolePages, CurrentSession } from '../auth/console-area.decorator';
import { type ConsoleSession } from '../auth/console-session';
import { consoleTime, formFields, formValues, optionalFilter, problemOf } from '../console-form';
import { ConsoleViews } from '../console-views';

/** The replay form: which settled deliveries, created when, of whom. */
const ReplayForm = z
  .object({
    from: consoleTime,
    to: consoleTime,
    statuses: z.array(z.enum(['failed', 'succeeded'])).min(1, 'choose failed, succeeded or both'),
    partnerId: optionalFilter(z.uuid({ error: 'must be a partner of the list' })),
    endpointId: optionalFilter(z.uuid({ error: 'must be an endpoint id (a UUID)' })),
    eventType: optionalFilter(
      z.enum(EventTypes, { error: 'must be an event type of the catalog' }),
    ),
  })
  .refine((f) => f.from < f.to, { message: 'must be before "to"', path: ['from'] });

type FormEcho = Record<string, string | string[]>;

const jobNotFound = () => new ApiError(404, 'replay_not_found', 'There is no such replay');

/**
 * Bulk replays: a filter over settled deliveries, a dry run that counts what it matches, then a
 * job that makes them due a batch at a time, with its progress and a way to cancel it.
 */
@ConsolePages('console/replays', 'operator')
export class ReplaysPageController {
  constructor(
    private readonly views: ConsoleViews,
    private readonly startReplay: StartReplayJobUseCase,
    private readonly jobs: ReplayJobRepository,
    private readonly partners: PartnerRepository,
  ) {}

  @Get()
  page(
    @CurrentSession() session: ConsoleSession,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const now = new Date();
    const dayAgo = new Date(now.getTime() - 86_400_000);
    // Until the next minute: a datetime-local field has minutes only, and "until now" rounded
    // down would leave out what failed in the last seconds.
    const nextMinute = new Date(now.getTime() + 60_000);
    return this.render(reply, session, {
      form: { from: minuteOf(dayAgo), to: minuteOf(nextMinute), statuses: ['failed'] },
    });
  }

  /** Counts what the filter matches; nothing changes. */
  @Post('dry-run')
  async dryRun(
    @CurrentSession() session: ConsoleSession,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const { echo, filter, problem } = parseForm(body);
    if (!filter) return this.render(reply, session, { form: echo, problem }, 400);
    const matched = await this.startReplay.dryRun(filter);
    return this.render(reply, session, { form: echo, matched });
  }

  @Post()
  async start(
    @CurrentSession() session: ConsoleSession,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const { echo, filter, problem } = parseForm(body);
    if (!filter) return this.render(reply, session, { form: echo, problem }, 400);
    const by = session.kind === 'operator' ? session.email : 'operator';
    const id = await this.startReplay.execute(filter, by);
    return this.views.seeOther(request, reply, `/console/replays/${id}`);
  }

  @Get(':id')
  async job(
    @CurrentSession() session: ConsoleSession,
    @Param('id', new ParseUUIDPipe({ exceptionFactory: jobNotFound })) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const job = await this.jobs.find(id);
    if (!job) throw jobNotFound();
    const partnerId = job.filter.partnerId;
    return this.views.render(reply, './operator/replay-job', {
      title: 'Replay',
      nav: 'replays',
      session,
      job,
      progress: progressOf(job),
      partnerName: partnerId ? ((await this.partners.nameOf(partnerId)) ?? partnerId) : null,
    });
  }

  @Post(':id/cancel')
  async cancel(
    @Param('id', new ParseUUIDPipe({ exceptionFactory: jobNotFound })) id: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    if (!(await this.jobs.find(id))) throw jobNotFound();
    await this.jobs.cancel(id);
    return this.views.seeOther(request, reply, `/console/replays/${id}`);
  }

  private async render(
    reply: FastifyReply,
    session: ConsoleSession,
    extra: { form: FormEcho; problem?: string; matched?: number },
    status = 200,
  ): Promise<string> {
    const [partners, jobs] = await Promise.all([this.partners.names(), this.jobs.recent(20)]);
    return this.views.render(
      reply,
      './operator/replays',
      {
        title: 'Replays',
        nav: 'replays',
        session,
        partners,
        eventTypes: EventTypes,
        jobs: jobs.map((job) => ({ ...job, progress: progressOf(job) })),
        form: extra.form,
        problem: extra.problem ?? null,
        matched: extra.matched ?? null,
      },
      status,
    );
  }
}

/** A date as a datetime-local field shows it, in UTC to the minute. */
function minuteOf(date: Date): string {
  return date.toISOString().slice(0, 16);
}

function parseForm(body: unknown): {
  echo: FormEcho;
  filter?: ReplayFilter;
  problem?: string;
} {
  const fields = formFields(body);
  const statuses = formValues(body, 'statuses');
  const echo: FormEcho = { ...fields, statuses };
  const parsed = ReplayForm.safeParse({ ...fields, statuses });
  if (!parsed.success) return { echo, problem: problemOf(parsed.error) };
  const { from, to, ...rest } = parsed.data;
  return { echo, filter: { ...rest, from: from.toISOString(), to: to.toISOString() } };
}
