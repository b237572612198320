import { Injectable } from '@nestjs/common';
import { ApiError } from '@switchyard/service';
import { type EventType } from '@switchyard/contracts';
import { PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { DeliveryRepository } from '../../delivery/delivery.repository';
import { SendExampleEventUseCase } from '../../delivery/send-example-event.usecase';
import { EndpointStateRepository } from '../../delivery/endpoint-state.repository';
import { RotateEndpointSecretUseCase } from '../../endpoints/rotate-endpoint-secret.usecase';
import { UpdateEndpointUseCase } from '../../endpoints/update-endpoint.usecase';
import {
  type OperatorEndpoint,
  OperatorEndpointsRepository,
} from './operator-endpoints.repository';

/** How long the secret before a rotation keeps signing beside the new one: a day, as the API's default. */
const ROTATION_GRACE_SECONDS = 86_400;

/**
 * The disabled reason partners read in their portal: which operator paused it stays in the
 * service's log, not in front of the partner.
 */
export const PAUSED_REASON = 'paused by an operator';

/** What an operator did to an endpoint, for the page to say. */
export type EndpointActionDone =
  | { readonly kind: 'paused' | 'resumed'; readonly endpoint: OperatorEndpoint }
  | {
      readonly kind: 'circuit-reset';
      readonly endpoint: OperatorEndpoint;
      readonly madeDue: number;
    }
  | {
      readonly kind: 'secret-rotated';
      readonly endpoint: OperatorEndpoint;
      readonly previousSecretExpiresAt: Date;
    }
  | {
      readonly kind: 'test-sent';
      readonly endpoint: OperatorEndpoint;
      readonly eventType: EventType;
      readonly messageId: string;
    };

/**
 * What an operator may do to any partner's endpoint. The partner-scoped use cases serve it with
 * the endpoint's own partner, read from its row; an endpoint that does not exist is 404.
 */
@Injectable()
export class OperatorEndpointActionsUseCase {
  constructor(
    private readonly endpoints: OperatorEndpointsRepository,
    private readonly state: EndpointStateRepository,
    private readonly deliveries: DeliveryRepository,
    private readonly updateEndpoint: UpdateEndpointUseCase,
    private readonly rotateSecret: RotateEndpointSecretUseCase,
    private readonly sendExample: SendExampleEventUseCase,
    private readonly dataSource: DataSource,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(OperatorEndpointActionsUseCase.name);
  }

  /**
   * The catalog's example of a type, sent to this endpoint alone as the partner's "Send example"
   * sends it: signed, retried and logged like any message, its subject saying it is an example.
   */
  async sendTest(id: string, eventType: EventType): Promise<EndpointActionDone> {
    const endpoint = await this.existing(id);
    const sent = await this.sendExample.execute(endpoint.partnerId, endpoint.id, eventType);
    return { kind: 'test-sent', endpoint, eventType, messageId: sent.messageId };
  }

  /** Disabled, by an operator; its deliveries wait until it is resumed. */
  async pause(id: string, operatorEmail: string): Promise<EndpointActionDone> {
    const endpoint = await this.existing(id);
    this.logger.info({ endpointId: endpoint.id, operator: operatorEmail }, 'endpoint paused');
    await this.state.disable(endpoint.id, PAUSED_REASON, this.dataSource.manager);
    return { kind: 'paused', endpoint };
  }

  /** Enabled again, its disabled reason cleared, as when its partner enables it. */
  async resume(id: string): Promise<EndpointActionDone> {
    const endpoint = await this.existing(id);
    await this.updateEndpoint.execute(endpoint.partnerId, endpoint.id, { enabled: true });
    return { kind: 'resumed', endpoint };
  }

  /**
   * The failure streak ended and the circuit closed, and the deliveries waiting for a retry due
   * now: the operator knows the endpoint works again, so nothing waits for a cool-down or a probe.
   */
  async resetCircuit(id: string): Promise<EndpointActionDone> {
    const endpoint = await this.existing(id);
    await this.state.resetCircuit(endpoint.id, this.dataSource.manager);
    const madeDue = await this.deliveries.dueNowTo(endpoint.id);
    return { kind: 'circuit-reset', endpoint, madeDue };
  }

  /** A new secret, which the operator never sees: the partner reads it through its own API. */
  async rotate(id: string): Promise<EndpointActionDone> {
    const endpoint = await this.existing(id);
    const rotated = await this.rotateSecret.execute(endpoint.partnerId, endpoint.id, {
      graceSeconds: ROTATION_GRACE_SECONDS,
    });
    return {
      kind: 'secret-rotated',
      endpoint,
      previousSecretExpiresAt: rotated.previousSecretExpiresAt,
    };
  }

  private async existing(id: string): Promise<OperatorEndpoint> {
    const endpoint = await this.endpoints.find(id);
    if (!endpoint) throw new ApiError(404, 'not_found', 'There is no such endpoint');
    return endpoint;
  }
}
