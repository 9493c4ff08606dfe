// Node flags per service. The gateway and the scheduler are single event loops on the request's hot
// path. V8's parallel garbage collector hands each scavenge to helper threads; on the few cores of a
// pod (or of this 2-core machine, shared with the sim pods) those threads wait for a core, and a 1 ms
// scavenge becomes a 10-20 ms stall of the loop. With the collector on the loop's own thread, serial
// Picks over gRPC measured p999 5-6 ms instead of 14-19 ms (tools/llmd bench pick, 100 endpoints, 8k tokens).
const LATENCY_CRITICAL = new Set(['gateway', 'scheduler']);

export function nodeFlagsFor(app: string): string[] {
  return LATENCY_CRITICAL.has(app) ? ['--enable-source-maps', '--single-threaded-gc'] : ['--enable-source-maps'];
}
