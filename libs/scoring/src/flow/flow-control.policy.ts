// Flow control's decisions as pure functions over counts, shared by the scheduler's FlowController
// (real timers, gRPC callers) and the routing simulator (virtual clock): admit, hold, or refuse a
// request, how long a hold may last, and how many held requests go when room appears.
import { SATURATION_DEFAULTS } from '@llmd/autoscaling';
import { isSaturated } from '../plugins/filter/saturation/saturation.filter';

export interface FlowControlPolicy {
  enabled: boolean;
  /** Waiting requests at which an endpoint is saturated. */
  queueDepthThreshold: number;
  /** KV-cache usage at which an endpoint is saturated. */
  kvCacheUsageThreshold: number;
  /** Requests held at most; past it new ones are refused (queue-full). */
  maxQueueSize: number;
  /** Longest hold when the caller set no deadline. */
  maxWaitMs: number;
}

/** The fleet as flow control sees it: healthy endpoints, and those of them with room (not saturated). */
export interface FleetRoom {
  healthy: number;
  roomy: number;
}

export type RefusalReason = 'saturated-sheddable' | 'queue-full' | 'queue-timeout';

export type AdmissionDecision =
  /** Goes on now: flow control is off, some endpoint has room, or none is healthy (the cycle answers 503). */
  | { kind: 'admit'; reason: 'disabled' | 'room' | 'no-endpoint' }
  | { kind: 'refuse'; reason: Exclude<RefusalReason, 'queue-timeout'> }
  /** Waits in the queue at most `waitMs`, then is refused with queue-timeout. */
  | { kind: 'hold'; waitMs: number };

/** A held request is let go this long before its caller's deadline, so the caller can act on the answer. */
export const DEADLINE_MARGIN_MS = 20;

/** Counts the endpoints flow control looks at: healthy ones, and healthy ones not saturated. */
export function fleetRoom(endpoints: Iterable<{ healthy: boolean; waiting: number; kvCacheUsage: number }>, p: Pick<FlowControlPolicy, 'queueDepthThreshold' | 'kvCacheUsageThreshold'>): FleetRoom {
  let healthy = 0;
  let roomy = 0;
  for (const e of endpoints) {
    if (!e.healthy) continue;
    healthy++;
    if (!isSaturated(e, p)) roomy++;
  }
  return { healthy, roomy };
}

/** How long a request may be held: the policy's maximum, cut short by the caller's deadline less a margin. */
export function holdMs(p: Pick<FlowControlPolicy, 'maxWaitMs'>, deadlineInMs: number | undefined): number {
  return Math.max(0, Math.min(p.maxWaitMs, deadlineInMs === undefined ? p.maxWaitMs : deadlineInMs - DEADLINE_MARGIN_MS));
}

/**
 * One request's admission. It goes at once while some endpoint has room and nobody is queued ahead
 * of it; with no healthy endpoint at all there is nothing to wait for, so it goes on to be told so.
 * Otherwise sheddable requests (negative priority) are refused, and others wait while the queue has space.
 */
export function decideAdmission(p: FlowControlPolicy, input: { priority: number; queued: number; fleet: FleetRoom; deadlineInMs?: number }): AdmissionDecision {
  if (!p.enabled) return { kind: 'admit', reason: 'disabled' };
  if (input.queued === 0 && input.fleet.roomy > 0) return { kind: 'admit', reason: 'room' };
  if (input.fleet.healthy === 0) return { kind: 'admit', reason: 'no-endpoint' };
  if (input.priority < 0) return { kind: 'refuse', reason: 'saturated-sheddable' };
  if (input.queued >= p.maxQueueSize) return { kind: 'refuse', reason: 'queue-full' };
  return { kind: 'hold', waitMs: holdMs(p, input.deadlineInMs) };
}

/**
 * How many held requests go now (on a scrape or a completion), highest priority first: one per
 * endpoint with room; all of them when no endpoint is healthy (each is then told none can serve it).
 */
export function releaseHeld(queued: number, fleet: FleetRoom): { count: number; reason: 'dequeued' | 'no-endpoint' } {
  if (fleet.healthy === 0) return { count: queued, reason: 'no-endpoint' };
  return { count: Math.min(queued, fleet.roomy), reason: 'dequeued' };
}

/** The scheduler's defaults (its `flowControl` config), for callers that run flow control elsewhere (the simulator). */
export const DEFAULT_FLOW_CONTROL_POLICY: Readonly<FlowControlPolicy> = {
  enabled: true,
  queueDepthThreshold: SATURATION_DEFAULTS.queueLengthThreshold,
  kvCacheUsageThreshold: SATURATION_DEFAULTS.kvCacheThreshold,
  maxQueueSize: 10000,
  maxWaitMs: 30000,
};
