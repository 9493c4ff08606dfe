// gRPC's standard health service (grpc.health.v1.Health): Check, List and Watch over named services,
// each SERVING or NOT_SERVING as a check function says (what Envoy's gRPC health checks and
// Kubernetes' gRPC probes call).
import { sendUnaryData, ServerUnaryCall, ServerWritableStream, status } from '@grpc/grpc-js';
import { healthv1 } from '@llmd/proto';

/** Service name -> whether it serves now. */
export type HealthServices = Record<string, () => boolean | Promise<boolean>>;

const { SERVING, NOT_SERVING, SERVICE_UNKNOWN } = healthv1.HealthCheckResponse_ServingStatus;

/** How often a Watch re-reads its service (it is told only of changes). */
const WATCH_POLL_MS = 1000;

async function statusOf(services: HealthServices, name: string): Promise<healthv1.HealthCheckResponse_ServingStatus | undefined> {
  const check = services[name];
  if (!check) return undefined;
  try {
    return (await check()) ? SERVING : NOT_SERVING;
  } catch {
    return NOT_SERVING;
  }
}

export function grpcHealthImplementation(services: HealthServices): healthv1.HealthServer {
  return {
    check(call: ServerUnaryCall<healthv1.HealthCheckRequest, healthv1.HealthCheckResponse>, callback: sendUnaryData<healthv1.HealthCheckResponse>) {
      void statusOf(services, call.request.service).then((s) => (s === undefined ? callback({ code: status.NOT_FOUND, details: `unknown service ${call.request.service}` }) : callback(null, { status: s })));
    },
    list(_call: ServerUnaryCall<healthv1.HealthListRequest, healthv1.HealthListResponse>, callback: sendUnaryData<healthv1.HealthListResponse>) {
      void Promise.all(Object.keys(services).map(async (name) => [name, { status: (await statusOf(services, name)) ?? SERVICE_UNKNOWN }] as const)).then((entries) => callback(null, { statuses: Object.fromEntries(entries) }));
    },
    watch(call: ServerWritableStream<healthv1.HealthCheckRequest, healthv1.HealthCheckResponse>) {
      let last: number | undefined;
      let timer: NodeJS.Timeout | undefined;
      const tick = async () => {
        const s = (await statusOf(services, call.request.service)) ?? SERVICE_UNKNOWN;
        if (call.cancelled) return;
        if (s !== last) {
          last = s;
          call.write({ status: s });
        }
        timer = setTimeout(() => void tick(), WATCH_POLL_MS);
      };
      call.on('cancelled', () => clearTimeout(timer));
      void tick();
    },
  };
}
