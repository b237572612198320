import { Injectable } from '@nestjs/common';
import { type Endpoint } from '../../endpoints/endpoint';
import { EndpointRepository } from '../../endpoints/endpoint.repository';
import { ReplayFailedDeliveriesUseCase } from '../../replays/replay-failed-deliveries.usecase';

const ENDPOINTS_PER_READ = 200;

/**
 * Every failed delivery of the partner since a time, to any of its endpoints, due again with a
 * fresh schedule: the API's replay of failed deliveries, endpoint after endpoint. Answers how
 * many were scheduled again.
 */
@Injectable()
export class RecoverFailedMessagesUseCase {
  constructor(
    private readonly endpoints: EndpointRepository,
    private readonly replayFailed: ReplayFailedDeliveriesUseCase,
  ) {}

  async execute(partnerId: string, since: Date): Promise<{ replayed: number }> {
    let replayed = 0;
    for await (const endpoint of this.allEndpoints(partnerId)) {
      replayed += (await this.replayFailed.execute(partnerId, endpoint.id, since.toISOString()))
        .replayed;
    }
    return { replayed };
  }

  private async *allEndpoints(partnerId: string): AsyncGenerator<Endpoint> {
    let after: { createdAt: string; id: string } | null = null;
    for (;;) {
      const page = await this.endpoints.list(partnerId, ENDPOINTS_PER_READ, after);
      yield* page;
      const last = page.at(-1);
      if (page.length < ENDPOINTS_PER_READ || !last) return;
      after = { createdAt: last.createdAt.toISOString(), id: last.id };
    }
  }
}
