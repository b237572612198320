import { MetricsReading } from '@switchyard/testing';
import { register } from 'prom-client';
import { gauge, releaseGauges } from './metrics';

async function scrape(name: string): Promise<MetricsReading> {
  return MetricsReading.parse(await register.getSingleMetricAsString(name));
}

describe('gauges read at scrape time', () => {
  it('reports what the reading found', async () => {
    gauge('switchyard_test_read_ok', 'test', [], (g) => g.set(7));

    const reading = await scrape('switchyard_test_read_ok');

    expect(reading.has('switchyard_test_read_ok')).toBe(true);
    expect(reading.value('switchyard_test_read_ok')).toBe(7);
  });

  it('reports no sample, not a zero, when the reading fails', async () => {
    let fail = false;
    gauge('switchyard_test_read_fails', 'test', [], (g) => {
      if (fail) throw new Error('the database is down');
      g.set(3);
    });
    expect((await scrape('switchyard_test_read_fails')).value('switchyard_test_read_fails')).toBe(
      3,
    );

    fail = true;
    const reading = await scrape('switchyard_test_read_fails');

    expect(reading.families.get('switchyard_test_read_fails')).toBe('gauge');
    expect(reading.has('switchyard_test_read_fails')).toBe(false);
  });

  it('gives up on a reading that hangs, so the scrape answers without it', async () => {
    gauge('switchyard_test_read_hangs', 'test', [], () => new Promise<void>(() => undefined));
    const started = Date.now();

    const reading = await scrape('switchyard_test_read_hangs');

    expect(reading.has('switchyard_test_read_hangs')).toBe(false);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('reads for the newest app, and for the one before again once the newest releases its gauges', async () => {
    const first = {};
    const second = {};
    gauge('switchyard_test_two_apps', 'test', [], (g) => g.set(1), first);
    gauge('switchyard_test_two_apps', 'test', [], (g) => g.set(2), second);
    expect((await scrape('switchyard_test_two_apps')).value('switchyard_test_two_apps')).toBe(2);

    releaseGauges(second);

    expect((await scrape('switchyard_test_two_apps')).value('switchyard_test_two_apps')).toBe(1);
    releaseGauges(first);
    expect((await scrape('switchyard_test_two_apps')).has('switchyard_test_two_apps')).toBe(false);
  });
});
