// Keeps a session on the endpoint that served it last (its KV cache holds the conversation so far).
import { LruQueue } from '@llmd/prefix-hash';
import { z } from 'zod';
import type { CycleState, Endpoint, PluginDeps, PluginDescriptor, PostPick, Scorer, SchedulingRequest, SchedulingResult, TypedName } from '../../../framework';

export const SESSION_AFFINITY_SCORER = 'session-affinity-scorer';

export interface SessionAffinityParams {
  /** A session unused this long is forgotten. @default 600000 */
  ttlMs: number;
  /** Sessions remembered at most (least recently used go first). @default 100000 */
  capacity: number;
}

export class SessionAffinityScorer implements Scorer, PostPick {
  readonly category = 'affinity' as const;
  private readonly sessions = new Map<string, { endpoint: string; at: number }>();
  /** Sessions least recently routed first (bounded by `capacity`). */
  private readonly order = new LruQueue<string>();

  constructor(
    private readonly name: string,
    private readonly params: SessionAffinityParams,
    private readonly now: () => number,
  ) {}

  typedName(): TypedName {
    return { type: SESSION_AFFINITY_SCORER, name: this.name };
  }

  score(_state: CycleState, request: SchedulingRequest, endpoints: readonly Endpoint[]): ReadonlyMap<string, number> {
    const s = request.sessionId ? this.sessions.get(request.sessionId) : undefined;
    const live = s && this.now() - s.at <= this.params.ttlMs ? s.endpoint : undefined;
    return new Map(endpoints.map((e) => [e.id, e.id === live ? 1 : 0]));
  }

  onPicked(_state: CycleState, request: SchedulingRequest, result: SchedulingResult): void {
    const target = result.profileResults[result.primaryProfile]?.targets[0];
    if (!request.sessionId || !target) return;
    this.sessions.set(request.sessionId, { endpoint: target.id, at: this.now() });
    this.order.touch(request.sessionId);
    if (this.order.size > this.params.capacity) this.sessions.delete(this.order.shift() as string);
  }
}

export const sessionAffinityScorerDescriptor = {
  type: SESSION_AFFINITY_SCORER,
  params: z.object({ ttlMs: z.number().int().min(1).default(600000), capacity: z.number().int().min(1).default(100000) }).strict(),
  create: (name, params, deps: PluginDeps) => new SessionAffinityScorer(name, params, deps.now),
} satisfies PluginDescriptor<SessionAffinityParams>;
