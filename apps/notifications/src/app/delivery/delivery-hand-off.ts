import { Injectable } from '@nestjs/common';
import { type ClaimedDelivery } from './delivery.repository';

/** What takes the deliveries fan-out leases as it writes them: this instance's delivery worker. */
export interface HandOffTaker {
  /** Names this instance in `deliveries.locked_by`. */
  readonly instanceId: string;
  /** How many deliveries it would take now: 0 while it is full, stopping or not running. */
  handOffRoom(): number;
  /** Deliveries leased to it by a committed fan-out, to send without claiming them. */
  take(deliveries: readonly ClaimedDelivery[]): void;
}

/**
 * Where fan-out hands deliveries to this instance's worker. Fan-out asks for the worker's room
 * before it writes, leases up to that many of its new deliveries to free endpoints in the same
 * statement, and hands them over once committed: no claim, no wake-up of the worker's loop, one
 * round trip fewer per delivery. With no worker attached, nothing is leased at write time, and
 * new deliveries are announced and claimed as before.
 */
@Injectable()
export class DeliveryHandOff {
  private taker: HandOffTaker | null = null;

  attach(taker: HandOffTaker): void {
    this.taker = taker;
  }

  /** Who to lease to and how many, or null when no worker would take any. */
  offer(): { readonly instanceId: string; readonly room: number } | null {
    const room = this.taker?.handOffRoom() ?? 0;
    return this.taker && room > 0 ? { instanceId: this.taker.instanceId, room } : null;
  }

  give(deliveries: readonly ClaimedDelivery[]): void {
    if (deliveries.length > 0) this.taker?.take(deliveries);
  }
}
