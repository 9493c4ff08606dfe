// The Pick floor: the scheduler's gRPC service with an empty PickStream handler. It decodes each Pick
// (grpc-js does, with the same generated code) and answers at once with a fixed response shaped like
// the scheduler's (a target, two fallbacks, the target's score breakdown), so `tools/llmd bench pick`
// can set the scheduler's Pick latency and CPU beside what the transport alone costs, same messages,
// same client, same process flags. It publishes the same digest spec the scheduler would for the
// profile, so the client sends the same bytes to both.
import { Server, ServerCredentials, ServerDuplexStream } from '@grpc/grpc-js';
import { schedulerv1 } from '@llmd/proto';
import { promptDigestSpecOf, SHIPPED_CONFIGS } from '@llmd/scoring';

const [port, profile, endpointCount] = [Number(process.argv[2]), process.argv[3] as keyof typeof SHIPPED_CONFIGS, Number(process.argv[4] ?? 100)];
const spec = promptDigestSpecOf(SHIPPED_CONFIGS[profile]);

const endpoint = (i: number): schedulerv1.Endpoint => ({ id: `e-${i}`, address: `127.0.0.1:${8000 + i}`, models: ['bench-model'], role: schedulerv1.EndpointRole.ENDPOINT_ROLE_BOTH, loraAdapters: [], labels: {} });
const response: schedulerv1.PickResponse = {
  target: endpoint(0),
  prefill: undefined,
  fallbacks: [endpoint(1), endpoint(2)],
  profile: 'default',
  breakdown: [{ profile: 'default', endpointId: 'e-0', total: 3.5, scores: { 'queue-scorer': 1, 'kv-cache-utilization-scorer': 0.5, 'prefix-cache-scorer': 1 } }],
  droppedReason: '',
};
const states = Array.from({ length: endpointCount }, (_, i): schedulerv1.EndpointState => ({ endpoint: endpoint(i), waiting: 0, running: 0, kvCacheUsage: 0, inFlight: 0, healthy: true, lastScrapeUnixMs: BigInt(Date.now()), inFlightPrefillTokens: 0 }));

const server = new Server();
server.addService(schedulerv1.SchedulerService, {
  pickStream(call: ServerDuplexStream<schedulerv1.PickStreamRequest, schedulerv1.PickStreamResponse>) {
    call.on('data', (m: schedulerv1.PickStreamRequest) => {
      if (m.pick) call.write({ requestId: m.pick.requestId, pick: response, errorCode: 0, error: '' });
    });
    call.on('end', () => call.end());
    call.on('error', () => undefined);
  },
  pick: (call: { request: schedulerv1.PickRequest }, cb: (err: null, res: schedulerv1.PickResponse) => void) => cb(null, response),
  complete: (_call: unknown, cb: (err: null, res: schedulerv1.CompleteResponse) => void) => cb(null, { known: true }),
  listEndpoints: (_call: unknown, cb: (err: null, res: schedulerv1.ListEndpointsResponse) => void) =>
    cb(null, { endpoints: states, promptDigestSpec: spec }),
} as schedulerv1.SchedulerServer);
server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (err) => {
  if (err) {
    process.stderr.write(`pick floor: ${err.message}\n`);
    process.exit(1);
  }
});
process.on('SIGTERM', () => server.forceShutdown());
