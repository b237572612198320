import {
  type EntityManager,
  type EntitySubscriberInterface,
  EventSubscriber,
  type QueryRunner,
  type TransactionCommitEvent,
  type TransactionRollbackEvent,
  type TransactionStartEvent,
} from 'typeorm';

/** What one open level of a transaction (a savepoint is a level) runs around its commit. */
interface Level {
  readonly before: (() => Promise<void>)[];
  readonly after: (() => void)[];
  /** What `gatherUntilCommit` holds for this level, by the writer's key. */
  readonly gathered: Map<object, unknown[]>;
  /** What `transactionLocal` holds for the transaction (its outermost level only), by key. */
  readonly locals: Map<object, unknown>;
}

/** Per connection in a transaction: its open levels, innermost last. */
const levels = new WeakMap<QueryRunner, Level[]>();

/**
 * Runs `effect` once the transaction `manager` belongs to commits, and never if it rolls back
 * (outside a transaction, at once: the statement already committed). For what must describe
 * committed work only, such as counting transitions in metrics: a batch that rolls back and is
 * retried one event at a time would otherwise count its events twice.
 */
export function afterCommit(manager: EntityManager, effect: () => void): void {
  if (!inTransaction(manager)) {
    effect();
    return;
  }
  // Run now, an effect would describe work that may yet roll back (or wake a worker too early).
  (openLevels(manager, 'afterCommit').at(-1) as Level).after.push(effect);
}

/**
 * Runs `write` inside the transaction `manager` belongs to, just before it commits (awaited, in
 * the order given; one that throws rolls the transaction back, and the error is the
 * transaction's). For writes several steps of one transaction add to, made at the end as one
 * statement: fan-out gathers a consumed batch's messages and deliveries this way. Only in a
 * transaction: outside one there is no commit to wait for, and the caller writes at once.
 */
export function beforeCommit(manager: EntityManager, write: () => Promise<void>): void {
  innermost(manager, 'beforeCommit').before.push(write);
}

/**
 * Adds `item` to what `key` gathers in the transaction `manager` belongs to, and has `write` make
 * them all at once just before that transaction (or savepoint) commits, in the order gathered:
 * one statement for the items of many steps, such as a consumed batch's events. Dropped with the
 * transaction or savepoint if it rolls back. Only in a transaction (see `beforeCommit`).
 */
export function gatherUntilCommit<T>(
  manager: EntityManager,
  key: object,
  item: T,
  write: (items: readonly T[]) => Promise<void>,
): void {
  const level = innermost(manager, 'gatherUntilCommit');
  const items = level.gathered.get(key) as T[] | undefined;
  if (items) {
    items.push(item);
    return;
  }
  const gathered: T[] = [item];
  level.gathered.set(key, gathered);
  beforeCommit(manager, () => {
    level.gathered.delete(key);
    return write(gathered);
  });
}

/**
 * A value that lives as long as the transaction `manager` belongs to: made by `create` at the
 * first call for `key` in the transaction, the same value at every later call in it, gone when it
 * commits or rolls back (a savepoint's rollback keeps it). Only in a transaction.
 */
export function transactionLocal<T>(manager: EntityManager, key: object, create: () => T): T {
  const { locals } = inTransactionLevels(manager, 'transactionLocal')[0] as Level;
  if (!locals.has(key)) locals.set(key, create());
  return locals.get(key) as T;
}

/** Whether `manager` runs in a transaction, so that `beforeCommit` may defer to its commit. */
export function inTransaction(manager: EntityManager): boolean {
  return manager.queryRunner?.isTransactionActive === true;
}

/** The open levels of the transaction `manager` runs in, outermost first. */
function openLevels(manager: EntityManager, hook: string): Level[] {
  const open = levels.get(manager.queryRunner as QueryRunner);
  if (!open?.length) {
    throw new Error(
      `${hook} was called in a transaction its DataSource does not track: add CommitHooksSubscriber to the DataSource's subscribers (dataSourceOptions does)`,
    );
  }
  return open;
}

/** `openLevels`, refusing a manager outside a transaction: there is no commit to wait for. */
function inTransactionLevels(manager: EntityManager, hook: string): Level[] {
  if (!inTransaction(manager)) {
    throw new Error(
      `${hook} needs a transaction: outside one, make the write at once (inTransaction tells which)`,
    );
  }
  return openLevels(manager, hook);
}

function innermost(manager: EntityManager, hook: string): Level {
  return inTransactionLevels(manager, hook).at(-1) as Level;
}

/** Keeps the commit hooks' levels in step with TypeORM's transactions and savepoints. */
@EventSubscriber()
export class CommitHooksSubscriber implements EntitySubscriberInterface {
  afterTransactionStart({ queryRunner }: TransactionStartEvent): void {
    const open = levels.get(queryRunner) ?? [];
    open.push({ before: [], after: [], gathered: new Map(), locals: new Map() });
    levels.set(queryRunner, open);
  }

  async beforeTransactionCommit({ queryRunner }: TransactionCommitEvent): Promise<void> {
    const level = levels.get(queryRunner)?.at(-1);
    if (!level) return;
    // A write may defer another: run until none is left.
    for (let write = level.before.shift(); write; write = level.before.shift()) await write();
  }

  afterTransactionCommit({ queryRunner }: TransactionCommitEvent): void {
    const open = levels.get(queryRunner);
    const done = open?.pop()?.after ?? [];
    const parent = open?.at(-1);
    if (parent) {
      parent.after.push(...done);
      return;
    }
    for (const effect of done) effect();
  }

  afterTransactionRollback({ queryRunner }: TransactionRollbackEvent): void {
    levels.get(queryRunner)?.pop();
  }
}
