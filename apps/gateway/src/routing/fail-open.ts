// The gateway's own pick when the scheduler is down or late: least-loaded among the endpoints of the
// last snapshot that serve the model, preferring healthy ones, counting the gateway's own in-flight.
import type { EndpointLoadView, RouteEndpoint } from './routing-types';

export function servesModel(e: RouteEndpoint, model: string): boolean {
  return e.models.includes(model) || e.loraAdapters.includes(model);
}

/** Endpoints ranked best first; empty when none serves the model. */
export function failOpenRanking(snapshot: readonly EndpointLoadView[], model: string, localInFlight: ReadonlyMap<string, number>): EndpointLoadView[] {
  const load = (e: EndpointLoadView) => e.waiting + e.running + Math.max(e.inFlight, localInFlight.get(e.id) ?? 0) + e.kvCacheUsage;
  return snapshot
    .filter((e) => servesModel(e, model))
    .sort((a, b) => Number(b.healthy) - Number(a.healthy) || load(a) - load(b) || a.id.localeCompare(b.id));
}

/**
 * Whether the gateway can serve at all: its last snapshot has a healthy endpoint, for the scheduler to
 * pick or for the gateway to fail open onto (a snapshot kept from before the scheduler went away still
 * counts). What `GET /health` on the API port answers.
 */
export function canServe(snapshot: readonly EndpointLoadView[]): boolean {
  return snapshot.some((e) => e.healthy);
}
