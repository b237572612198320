import {
  type EntityManager,
  type EntitySubscriberInterface,
  EventSubscriber,
  type QueryRunner,
  type TransactionCommitEvent,
  type TransactionRollbackEvent,
  type TransactionStartEvent,
} from 'typeorm';

/** Per connection in a transaction: the effects of each open level (a savepoint is a level). */
const levels = new WeakMap<QueryRunner, (() => void)[][]>();

/**
 * Runs `effect` once the transaction `manager` belongs to commits, and never if it rolls back
 * (outside a transaction, at once: the statement already committed). For what must describe
 * committed work only, such as counting transitions in metrics: a batch that rolls back and is
 * retried one event at a time would otherwise count its events twice.
 */
export function afterCommit(manager: EntityManager, effect: () => void): void {
  const runner = manager.queryRunner;
  if (!runner?.isTransactionActive) {
    effect();
    return;
  }
  const level = levels.get(runner)?.at(-1);
  // Run now, an effect would describe work that may yet roll back (or wake a worker too early).
  if (!level)
    throw new Error(
      "afterCommit was called in a transaction its DataSource does not track: add AfterCommitSubscriber to the DataSource's subscribers (dataSourceOptions does)",
    );
  level.push(effect);
}

/** Keeps `afterCommit`'s levels in step with TypeORM's transactions and savepoints. */
@EventSubscriber()
export class AfterCommitSubscriber implements EntitySubscriberInterface {
  afterTransactionStart({ queryRunner }: TransactionStartEvent): void {
    const open = levels.get(queryRunner) ?? [];
    open.push([]);
    levels.set(queryRunner, open);
  }

  afterTransactionCommit({ queryRunner }: TransactionCommitEvent): void {
    const open = levels.get(queryRunner);
    const done = open?.pop() ?? [];
    const parent = open?.at(-1);
    if (parent) {
      parent.push(...done);
      return;
    }
    for (const effect of done) effect();
  }

  afterTransactionRollback({ queryRunner }: TransactionRollbackEvent): void {
    levels.get(queryRunner)?.pop();
  }
}
