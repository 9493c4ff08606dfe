// The soak's chaos schedule: which fault, on what, when. Pure and seeded, so a run is replayed by
// giving the same --seed, --duration and topology; printed at start.
import { Rng, seededRng, shuffle } from './rng';

export type FaultKind = 'pod-kill' | 'scheduler-kill' | 'cache-manager-kill' | 'gateway-kill' | 'kafka-outage' | 'netem';

export interface Fault {
  /** Milliseconds after the open-loop load starts. */
  atMs: number;
  kind: FaultKind;
  /** The process killed (`sim-2`, `scheduler`, `gateway-1`), or `kafka` / `loopback`. */
  target: string;
  /** How long the fault is held (Kafka stopped, netem applied); 0 for a kill (restarted by the supervisor). */
  holdMs: number;
}

export interface ScheduleInput {
  seed: number;
  durationMs: number;
  /** Load before the first fault (steady state, heap warm-up). */
  warmupMs: number;
  /** Load after the last fault's hold (recovery seen under load). */
  cooldownMs: number;
  pods: readonly string[];
  /** Gateway replicas that may be killed (never all of them: the client needs one). */
  gateways: readonly string[];
  /** Include a netem period (only where the machine supports it). */
  netem: boolean;
  /** One round of every fault per this much of the window. @default 300000 */
  roundMs?: number;
}

/** One round: every kind once, one pod (a different one each round), in a seeded order. */
function round(input: ScheduleInput, r: number, rng: Rng): Omit<Fault, 'atMs' | 'holdMs'>[] {
  const faults: Omit<Fault, 'atMs' | 'holdMs'>[] = [
    { kind: 'pod-kill', target: input.pods[(r + Math.floor(rng() * input.pods.length)) % input.pods.length] },
    { kind: 'scheduler-kill', target: 'scheduler' },
    { kind: 'cache-manager-kill', target: 'cache-manager' },
    { kind: 'gateway-kill', target: input.gateways[Math.floor(rng() * input.gateways.length)] },
    { kind: 'kafka-outage', target: 'kafka' },
  ];
  if (input.netem) faults.push({ kind: 'netem', target: 'loopback' });
  return shuffle(faults, rng);
}

/**
 * Faults spread evenly over [warmup, duration - cooldown] with a seeded jitter of a quarter slot; a
 * held fault (Kafka, netem) lasts 60% of its slot, at most 20 s, so it ends before the next begins.
 */
export function chaosSchedule(input: ScheduleInput): Fault[] {
  if (input.pods.length === 0 || input.gateways.length === 0) throw new Error('a chaos schedule needs pods and a gateway to kill');
  const rng = seededRng(input.seed);
  const window = input.durationMs - input.warmupMs - input.cooldownMs;
  if (window <= 0) return [];
  const rounds = Math.max(1, Math.floor(window / (input.roundMs ?? 300000)));
  const kinds = Array.from({ length: rounds }, (_, r) => round(input, r, rng)).flat();
  const slot = window / kinds.length;
  return kinds.map((f, i) => {
    const jitter = (rng() - 0.5) * slot * 0.25;
    const held = f.kind === 'kafka-outage' || f.kind === 'netem';
    return { ...f, atMs: Math.round(input.warmupMs + slot * i + slot * 0.1 + jitter + slot * 0.125), holdMs: held ? Math.round(Math.min(20000, slot * 0.6)) : 0 };
  });
}

const ACTION: Record<FaultKind, string> = {
  'pod-kill': 'kill -9 (supervised restart)',
  'scheduler-kill': 'kill -9 (supervised restart)',
  'cache-manager-kill': 'kill -9 (supervised restart)',
  'gateway-kill': 'kill -9 (supervised restart; clients move to the other replica)',
  'kafka-outage': 'stop the broker, start it again after',
  netem: 'loopback delay and loss in the soak\'s network namespace for',
};

/** One line per fault, as printed at start. */
export function formatSchedule(faults: readonly Fault[]): string[] {
  return faults.map((f) => `  +${(f.atMs / 1000).toFixed(1).padStart(6)} s  ${f.target.padEnd(14)} ${ACTION[f.kind]}${f.holdMs ? ` ${(f.holdMs / 1000).toFixed(1)} s` : ''}`);
}
