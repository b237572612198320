import { EventCatalog, EventTypes, validateEvent, createEvent } from '@switchyard/contracts';
import { eventCatalogView } from './event-catalog-view';

describe('the event catalog page', () => {
  const catalog = eventCatalogView();

  it('shows every event type of the contracts, in their order', () => {
    expect(catalog.map((e) => e.type)).toEqual(EventTypes);
  });

  it("lists each type's data fields with their types, saying which are required", () => {
    const paid = catalog.find((e) => e.type === 'order.paid');
    expect(paid?.fields).toEqual(
      expect.arrayContaining([
        { name: 'orderId', type: 'string (uuid)', required: true, description: '' },
        expect.objectContaining({ name: 'amount', type: 'integer', required: true }),
        expect.objectContaining({ name: 'customerId', required: false }),
      ]),
    );
    expect(paid?.description).toBe(EventCatalog['order.paid'].description);
    expect(paid?.topic).toBe(EventCatalog['order.paid'].topic);
  });

  it('shows for each type an example whose data its schema accepts', () => {
    for (const entry of catalog) {
      const data = JSON.parse(entry.example) as { orderId: string };
      expect(() =>
        validateEvent(createEvent(entry.type, data.orderId, data as never)),
      ).not.toThrow();
    }
  });
});
