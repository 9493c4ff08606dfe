// The flow-control queue: higher priority first; within a priority, round-robin between fairness
// ids (one tenant's burst cannot starve another's single request); FIFO within a fairness id.

interface Level<T> {
  /** Fairness ids in round-robin order, each with its FIFO of items. */
  flows: Map<string, T[]>;
}

export class FairPriorityQueue<T> {
  private readonly levels = new Map<number, Level<T>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(item: T, priority: number, fairnessId: string): void {
    let level = this.levels.get(priority);
    if (!level) {
      level = { flows: new Map() };
      this.levels.set(priority, level);
    }
    const flow = level.flows.get(fairnessId);
    if (flow) flow.push(item);
    else level.flows.set(fairnessId, [item]);
    this.count++;
  }

  /** The next item: the highest priority level, its next fairness id in turn, that flow's oldest item. */
  pop(): T | undefined {
    if (this.count === 0) return undefined;
    const top = Math.max(...this.levels.keys());
    const level = this.levels.get(top);
    if (!level) return undefined;
    const [fairnessId, flow] = level.flows.entries().next().value as [string, T[]];
    const item = flow.shift() as T;
    // Rotate: this flow goes to the back of its level's round-robin (or leaves it when empty).
    level.flows.delete(fairnessId);
    if (flow.length > 0) level.flows.set(fairnessId, flow);
    if (level.flows.size === 0) this.levels.delete(top);
    this.count--;
    return item;
  }

  /** Removes one item (it timed out or its caller went away); false when it was not queued. */
  remove(item: T): boolean {
    for (const [priority, level] of this.levels) {
      for (const [id, flow] of level.flows) {
        const i = flow.indexOf(item);
        if (i < 0) continue;
        flow.splice(i, 1);
        if (flow.length === 0) level.flows.delete(id);
        if (level.flows.size === 0) this.levels.delete(priority);
        this.count--;
        return true;
      }
    }
    return false;
  }
}
