// Per-request state shared by the plugins of one scheduling cycle, under typed keys.

export interface StateKey<T> {
  readonly name: string;
  /** Phantom field carrying the value type; never set. */
  readonly __type?: T;
}

export function stateKey<T>(name: string): StateKey<T> {
  return { name };
}

export class CycleState {
  private readonly values = new Map<string, unknown>();

  write<T>(key: StateKey<T>, value: T): void {
    this.values.set(key.name, value);
  }

  read<T>(key: StateKey<T>): T | undefined {
    return this.values.get(key.name) as T | undefined;
  }
}
