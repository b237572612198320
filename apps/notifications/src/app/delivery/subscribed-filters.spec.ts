import { type SubscribedEndpoint } from '../endpoints/endpoint.repository';
import { SubscribedFilters } from './subscribed-filters';

const endpoint = (
  id: string,
  filter: Record<string, unknown> | null,
  version = 1,
): SubscribedEndpoint => ({ id, partnerId: 'p-1', filter, updatedAt: new Date(version) });

const payment = (currency: string) => ({
  id: 'e-1',
  type: 'payment.succeeded',
  data: { currency },
});

const reasons = (filters: SubscribedFilters, endpoints: SubscribedEndpoint[], currency: string) =>
  Object.fromEntries(
    filters
      .verdicts('payment.succeeded', endpoints, payment(currency))
      .map((v) => [v.endpoint.id, v.reason]),
  );

describe('subscribed filters', () => {
  it('Given endpoints with and without filters, then each gets a verdict, with a reason only where the event does not pass', () => {
    const filters = new SubscribedFilters();

    expect(
      reasons(filters, [endpoint('a', { 'data.currency': 'usd' }), endpoint('b', null)], 'eur'),
    ).toEqual({ a: 'data.currency "usd" did not match: the event has "eur"', b: null });
  });

  it('Given an endpoint whose filter changed (a new version), then the next event follows the new filter', () => {
    const filters = new SubscribedFilters();
    reasons(filters, [endpoint('a', { 'data.currency': 'usd' })], 'usd');

    const after = reasons(filters, [endpoint('a', { 'data.currency': 'eur' }, 2)], 'usd');

    expect(after).toEqual({ a: 'data.currency "eur" did not match: the event has "usd"' });
  });

  it('Given the same endpoints in another order, then each verdict still belongs to its endpoint', () => {
    const filters = new SubscribedFilters();
    const usd = endpoint('usd', { 'data.currency': 'usd' });
    const eur = endpoint('eur', { 'data.currency': 'eur' });
    reasons(filters, [usd, eur], 'usd');

    const verdicts = reasons(filters, [eur, usd], 'eur');

    expect(verdicts).toEqual({
      usd: 'data.currency "usd" did not match: the event has "eur"',
      eur: null,
    });
  });

  it('Given endpoints that share a filter among others, then each event gets every one its own reason, however many share it', () => {
    const filters = new SubscribedFilters();
    const shared = { 'data.currency': 'usd' };
    const endpoints = [
      endpoint('a', shared),
      endpoint('b', { 'data.currency': 'gbp' }),
      endpoint('c', { ...shared }),
    ];

    const first = reasons(filters, endpoints, 'eur');
    const second = reasons(filters, endpoints, 'jpy');

    expect(first).toEqual({
      a: 'data.currency "usd" did not match: the event has "eur"',
      b: 'data.currency "gbp" did not match: the event has "eur"',
      c: 'data.currency "usd" did not match: the event has "eur"',
    });
    expect(second['c']).toBe('data.currency "usd" did not match: the event has "jpy"');
  });

  it('Given an endpoint whose stored filter no longer validates, then it gets no event and says why, and the other endpoints are decided as before', () => {
    const filters = new SubscribedFilters();
    // Stored before ordering operands had to be finite numbers: JSON wrote Infinity as null.
    const broken = endpoint('broken', { 'data.currency': { $gt: null } });

    const verdicts = reasons(
      filters,
      [endpoint('usd', { 'data.currency': 'usd' }), broken, endpoint('all', null)],
      'usd',
    );

    expect(verdicts).toEqual({
      usd: null,
      broken:
        "the endpoint's filter is no longer valid (filter.data.currency.$gt: takes a finite number or a string (ISO dates compare as strings)): save a valid filter to the endpoint",
      all: null,
    });
  });
});
