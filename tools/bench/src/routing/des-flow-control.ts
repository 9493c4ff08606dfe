// The scheduler's flow control on the simulator's virtual clock: libs/scoring's admission and release
// decisions over the same fair priority queue FlowController keeps; the caller schedules each hold's
// timeout as an event instead of a timer.
import { AdmissionDecision, decideAdmission, FairPriorityQueue, FleetRoom, FlowControlPolicy, releaseHeld } from '@llmd/scoring';

export class DesFlowControl<T> {
  private readonly held = new FairPriorityQueue<T>();

  constructor(
    private readonly policy: FlowControlPolicy,
    /** The fleet as the scheduler sees it now (scraped loads). */
    private readonly fleet: () => FleetRoom,
  ) {}

  get queued(): number {
    return this.held.size;
  }

  /** One arrival's decision; a held item is queued (the caller schedules `timeout` after `waitMs`). */
  arrive(item: T, priority: number, fairnessId: string, deadlineInMs?: number): AdmissionDecision {
    const decision = decideAdmission(this.policy, { priority, queued: this.held.size, fleet: this.fleet(), deadlineInMs });
    if (decision.kind === 'hold') this.held.push(item, priority, fairnessId);
    return decision;
  }

  /** The held items that go now (on a scrape or a completion), highest priority first. */
  release(): T[] {
    if (this.held.size === 0) return [];
    const out: T[] = [];
    for (let n = releaseHeld(this.held.size, this.fleet()).count; n > 0; n--) {
      const item = this.held.pop();
      if (item === undefined) break;
      out.push(item);
    }
    return out;
  }

  /** A hold ran out: true when the item was still held (it is refused with queue-timeout). */
  timeout(item: T): boolean {
    return this.held.remove(item);
  }
}
