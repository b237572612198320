import { type OrderLine } from '@switchyard/contracts';
import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { type OrderStatus } from './order-state';
import { type OrderResponse } from './order.response';

const bigintAsNumber = {
  to: (value: number) => value,
  from: (value: string) => Number(value),
};

@Entity({ name: 'orders' })
export class OrderEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ name: 'customer_id', type: 'text' })
  customerId!: string;

  @Column({ type: 'char', length: 3 })
  currency!: string;

  @Column({ name: 'amount_total', type: 'bigint', transformer: bigintAsNumber })
  amountTotal!: number;

  @Column({ type: 'jsonb' })
  lines!: OrderLine[];

  @Column({ type: 'text' })
  status!: OrderStatus;

  /** Incremented by every transition: readers can tell one state change from two. */
  @Column({ type: 'integer' })
  version!: number;

  @Column({ name: 'amount_refunded', type: 'bigint', transformer: bigintAsNumber, default: 0 })
  amountRefunded!: number;

  @Column({ name: 'payment_intent_id', type: 'text', nullable: true })
  paymentIntentId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

export function toOrderView(order: OrderEntity): OrderResponse {
  return {
    id: order.id,
    customerId: order.customerId,
    currency: order.currency,
    amountTotal: order.amountTotal,
    amountRefunded: order.amountRefunded,
    lines: order.lines,
    status: order.status,
    version: order.version,
    paymentIntentId: order.paymentIntentId,
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
  };
}
