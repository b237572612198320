import { type SubscribedEndpoint } from '../endpoints/endpoint.repository';
import { FilterIndex } from '../subscriptions/filter-index';
import {
  CompiledFilter,
  type EndpointFilter,
  InvalidFilterError,
  type SubscriptionFilter,
  UnreadableFilter,
} from '../subscriptions/subscription-filter';

/** An endpoint's verdict on an event: `reason` is null when the event passes its filter. */
export interface EndpointVerdict {
  readonly endpoint: SubscribedEndpoint;
  readonly reason: string | null;
}

/** The endpoints subscribed to one event type, as last read, with their filters indexed. */
class IndexedSet {
  private readonly versions: ReadonlyMap<string, number>;
  private readonly index: FilterIndex;

  constructor(
    readonly endpoints: readonly SubscribedEndpoint[],
    filters: readonly (EndpointFilter | null)[],
  ) {
    this.versions = new Map(endpoints.map((e) => [e.id, e.updatedAt.getTime()]));
    this.index = new FilterIndex(filters);
  }

  /** Whether `endpoints` are these, each at the same version, in whatever order. */
  holds(endpoints: readonly SubscribedEndpoint[]): boolean {
    return (
      endpoints.length === this.versions.size &&
      endpoints.every((e) => this.versions.get(e.id) === e.updatedAt.getTime())
    );
  }

  verdicts(event: unknown): EndpointVerdict[] {
    const reasons = this.index.verdicts(event);
    return this.endpoints.map((endpoint, i) => ({ endpoint, reason: reasons[i] ?? null }));
  }
}

/**
 * Each event type's subscribed endpoints with their filters compiled and indexed, kept from one
 * event to the next: the index is rebuilt only when the set of endpoints or the version
 * (`updatedAt`) of one of them has changed, and then only the changed filters compile again.
 * Event types come from the contracts' catalog, so there are few sets to keep.
 */
export class SubscribedFilters {
  private readonly sets = new Map<string, IndexedSet>();
  private readonly compiled = new Map<string, { version: number; filter: EndpointFilter }>();

  /** Each endpoint's verdict on the event, in the order of `endpoints` as last indexed. */
  verdicts(
    eventType: string,
    endpoints: readonly SubscribedEndpoint[],
    event: unknown,
  ): EndpointVerdict[] {
    let set = this.sets.get(eventType);
    if (!set?.holds(endpoints)) {
      set = new IndexedSet(
        endpoints,
        endpoints.map((e) => this.compile(e)),
      );
      this.sets.set(eventType, set);
      this.forgetUnused();
    }
    return set.verdicts(event);
  }

  private compile(endpoint: SubscribedEndpoint): EndpointFilter | null {
    if (!endpoint.filter) return null;
    const version = endpoint.updatedAt.getTime();
    const cached = this.compiled.get(endpoint.id);
    if (cached?.version === version) return cached.filter;
    const filter = compiled(endpoint.filter as SubscriptionFilter);
    this.compiled.set(endpoint.id, { version, filter });
    return filter;
  }

  /** Drops the compiled filters of endpoints no set holds any more (deleted, disabled, unsubscribed). */
  private forgetUnused(): void {
    const used = new Set<string>();
    for (const set of this.sets.values()) for (const e of set.endpoints) used.add(e.id);
    for (const id of this.compiled.keys()) if (!used.has(id)) this.compiled.delete(id);
  }
}

/** A stored filter, compiled; one that no longer validates refuses every event, saying why. */
function compiled(filter: SubscriptionFilter): EndpointFilter {
  try {
    return new CompiledFilter(filter);
  } catch (err) {
    if (err instanceof InvalidFilterError) return new UnreadableFilter(err);
    throw err;
  }
}
