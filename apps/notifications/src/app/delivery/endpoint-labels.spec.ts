import { type NotificationsConfig } from '../notifications-env';
import { EndpointLabels, OTHER_ENDPOINTS } from './endpoint-labels';

describe('EndpointLabels', () => {
  const watched = '0b9f6a2e-7c1d-4e8a-9f3b-2d6c5a4e1f00';
  const labels = new EndpointLabels({
    METRICS_LABELLED_ENDPOINTS: [watched],
  } as unknown as NotificationsConfig);

  it('counts a watched endpoint under its own id and every other under "other"', () => {
    expect(labels.of(watched)).toBe(watched);
    expect(labels.of('5c0e6f1a-2b3d-4c5e-8f90-a1b2c3d4e5f6')).toBe(OTHER_ENDPOINTS);
  });
});
