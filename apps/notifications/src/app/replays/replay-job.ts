/** Which deliveries a bulk replay makes due again: settled ones, by state, time and owner. */
export interface ReplayFilter {
  /** Deliveries created in [from, to), ISO 8601. */
  readonly from: string;
  readonly to: string;
  readonly statuses: readonly ('failed' | 'succeeded')[];
  readonly partnerId?: string | undefined;
  readonly endpointId?: string | undefined;
  readonly eventType?: string | undefined;
}

export type ReplayJobState = 'running' | 'done' | 'cancelled';

export interface ReplayJob {
  readonly id: string;
  readonly filter: ReplayFilter;
  readonly total: number;
  readonly replayed: number;
  readonly state: ReplayJobState;
  readonly createdBy: string;
  readonly createdAt: Date;
  readonly finishedAt: Date | null;
}

/** How far a job is, 0 to 100: what matched at the start may have changed since. */
export function progressOf(job: Pick<ReplayJob, 'total' | 'replayed' | 'state'>): number {
  if (job.state === 'done' || job.total === 0) return 100;
  return Math.min(100, Math.floor((100 * job.replayed) / job.total));
}

/** The state after a batch made `made` deliveries due, of at most `batch`. */
export function stateAfterBatch(
  job: Pick<ReplayJob, 'total' | 'replayed'>,
  made: number,
  batch: number,
): ReplayJobState {
  return made < batch || job.replayed + made >= job.total ? 'done' : 'running';
}
