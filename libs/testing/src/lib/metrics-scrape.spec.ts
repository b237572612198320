import { MetricsReading, parseMetrics } from './metrics-scrape';

const exposition = `# HELP switchyard_deliveries_total Deliveries by result
# TYPE switchyard_deliveries_total counter
switchyard_deliveries_total{result="succeeded"} 3
switchyard_deliveries_total{result="retrying"} 2
switchyard_http_requests_total{method="GET",route="/v1/endpoints/:id",status_code="404"} 1
switchyard_weird{text="a \\"quoted\\" \\\\ b"} 7
process_cpu_seconds_total 0.25
`;

describe('parseMetrics', () => {
  it('reads names, labels (escapes undone) and values, skipping comments', () => {
    const samples = parseMetrics(exposition);
    expect(samples).toHaveLength(5);
    expect(samples[2]).toEqual({
      name: 'switchyard_http_requests_total',
      labels: { method: 'GET', route: '/v1/endpoints/:id', status_code: '404' },
      value: 1,
    });
    expect(samples[3]?.labels).toEqual({ text: 'a "quoted" \\ b' });
    expect(samples[4]).toEqual({ name: 'process_cpu_seconds_total', labels: {}, value: 0.25 });
  });

  it('refuses a line that is not a sample, rather than read it as zero', () => {
    expect(() => parseMetrics('switchyard_x{result="a"}')).toThrow(/Not a Prometheus sample/);
  });
});

describe('MetricsReading', () => {
  const reading = MetricsReading.parse(exposition);

  it('sums the samples whose labels include the ones asked for', () => {
    expect(reading.value('switchyard_deliveries_total')).toBe(5);
    expect(reading.value('switchyard_deliveries_total', { result: 'retrying' })).toBe(2);
  });

  it('answers 0 for a sample that is not there, and says it is not there', () => {
    expect(reading.value('switchyard_deliveries_total', { result: 'gave_up' })).toBe(0);
    expect(reading.has('switchyard_deliveries_total', { result: 'gave_up' })).toBe(false);
    expect(reading.has('switchyard_deliveries_total', { result: 'succeeded' })).toBe(true);
  });
});
