// The soak's randomness: seeded (libs/platform's mulberry32), so the schedule and workload replay exactly from --seed.
import { seededRandom } from '@llmd/platform';

export type Rng = () => number;

export function seededRng(seed: number): Rng {
  return seededRandom(seed);
}

/** Fisher-Yates, in place, with `rng`. */
export function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
