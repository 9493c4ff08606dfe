import { metricSum } from './metrics-text';

const text = `# HELP llmd_gateway_requests_total Finished requests by status
# TYPE llmd_gateway_requests_total counter
llmd_gateway_requests_total{model="m",status="200",path="/v1/completions"} 12
llmd_gateway_requests_total{model="m",status="429",path="/v1/completions"} 3
llmd_gateway_requests_total_extra 99
llmd_telemetry_records_dropped_total{topic="llmd.request-metrics.v1"} 2
process_resident_memory_bytes 123456789
`;

describe('metricSum', () => {
  it.each<[string, Record<string, string>, number | undefined]>([
    ['llmd_gateway_requests_total', {}, 15],
    ['llmd_gateway_requests_total', { status: '429' }, 3],
    ['llmd_telemetry_records_dropped_total', { topic: 'llmd.request-metrics.v1' }, 2],
    ['process_resident_memory_bytes', {}, 123456789],
    ['llmd_scheduler_in_flight_leases', {}, undefined],
  ])('%s %j is %s', (name, labels, expected) => {
    expect(metricSum(text, name, labels)).toBe(expected);
  });
});
