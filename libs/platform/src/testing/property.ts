// A small property-based test runner for the parsers of untrusted bytes: seeded generators (the same
// inputs on every run; LLMD_FUZZ_SEED and LLMD_FUZZ_RUNS widen a search), and forAll, which names the
// seed, the run and the input of the first failure so it can be replayed. No shrinking: the generators
// are biased toward small inputs instead.
import { seededRandom } from '../random';

const ASCII = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
/** Characters that break naive parsers: separators, quotes, escapes, controls, a lone surrogate, multi-byte ones. */
const NASTY = ['\n', '\r', '\r\n', '\t', '\0', '"', "'", '\\', ':', '{', '}', '[', ']', '#', ' ', ',', '=', '\u2028', '\ud800', 'é', '漢', '😀', '\u001b'];

export class Gen {
  private readonly random: () => number;

  constructor(readonly seed: number) {
    this.random = seededRandom(seed);
  }

  float(): number {
    return this.random();
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.random() * (hi - lo + 1));
  }

  bool(p = 0.5): boolean {
    return this.random() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }

  /** A length biased toward small ones: most below 8, some up to `max`. */
  size(max: number): number {
    return this.bool(0.8) ? this.int(0, Math.min(8, max)) : this.int(0, max);
  }

  array<T>(max: number, item: (g: Gen) => T): T[] {
    return Array.from({ length: this.size(max) }, () => item(this));
  }

  bytes(max: number): Buffer {
    const b = Buffer.alloc(this.size(max));
    for (let i = 0; i < b.length; i++) b[i] = this.int(0, 255);
    return b;
  }

  /** Text of printable ASCII mixed with NASTY characters. */
  string(max = 16): string {
    let s = '';
    const n = this.size(max);
    for (let i = 0; i < n; i++) s += this.bool(0.8) ? ASCII[this.int(0, ASCII.length - 1)] : this.pick(NASTY);
    return s;
  }

  /** Numbers a parser may choke on as well as ordinary ones. */
  number(): number {
    return this.pick([0, -0, 1, -1, 0.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, Number.MIN_VALUE, Number.NaN, Infinity, -Infinity, this.int(-1000, 1000), this.float()]);
  }

  /** Any JSON-like value: what JSON.parse or a YAML or msgpack decoder can hand back, nested up to `depth`. */
  value(depth = 3): unknown {
    const leaf = () => this.pick<() => unknown>([() => null, () => undefined, () => this.bool(), () => this.number(), () => this.string(), () => BigInt(this.int(-5, 5)) * 2n ** 63n, () => this.bytes(8)])();
    if (depth <= 0 || this.bool(0.4)) return leaf();
    if (this.bool()) return this.array(4, (g) => g.value(depth - 1));
    return this.object(depth - 1);
  }

  /** An object with arbitrary keys, including ones that shadow Object.prototype. */
  object(depth = 2, keys: readonly string[] = []): Record<string, unknown> {
    const o: Record<string, unknown> = {};
    const names = [...keys, 'valueOf', 'toString', 'constructor', 'length', 'type', ''];
    for (let i = this.size(6); i > 0; i--) o[this.bool(0.7) && names.length > 0 ? this.pick(names) : this.string(6)] = this.value(depth);
    return o;
  }

  /** `valid` with a few random edits: bytes flipped, cut, spliced or repeated. Reaches past the first check. */
  mutate(valid: Buffer): Buffer {
    let b = Buffer.from(valid);
    for (let edits = this.int(1, 4); edits > 0; edits--) {
      const at = this.int(0, b.length);
      switch (this.int(0, 4)) {
        case 0:
          if (b.length > 0) b[Math.min(at, b.length - 1)] = this.int(0, 255);
          break;
        case 1:
          b = b.subarray(0, at);
          break;
        case 2:
          b = Buffer.concat([b.subarray(0, at), this.bytes(8), b.subarray(at)]);
          break;
        case 3:
          b = Buffer.concat([b.subarray(0, at), b.subarray(this.int(0, at))]);
          break;
        default:
          b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + this.int(1, 8)))]);
      }
    }
    return b;
  }
}

export interface ForAllOptions {
  /** @default LLMD_FUZZ_RUNS, else 500 */
  runs?: number;
  /** @default LLMD_FUZZ_SEED, else 1 */
  seed?: number;
}

function preview(v: unknown): string {
  const text = Buffer.isBuffer(v) ? `<bytes ${v.toString('hex')}>` : JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));
  return text === undefined ? String(v) : text.length > 2000 ? `${text.slice(0, 2000)}...` : text;
}

/**
 * Checks `property` on `runs` generated inputs; each run has its own seed (seed + run), so a failure
 * replays alone with `{ seed: <its seed>, runs: 1 }`.
 */
export function forAll<T>(generate: (g: Gen) => T, property: (input: T) => void, options: ForAllOptions = {}): void {
  const runs = options.runs ?? Number(process.env.LLMD_FUZZ_RUNS ?? 500);
  const seed = options.seed ?? Number(process.env.LLMD_FUZZ_SEED ?? 1);
  for (let run = 0; run < runs; run++) {
    const input = generate(new Gen(seed + run));
    try {
      property(input);
    } catch (err) {
      const e = new Error(`property failed at run ${run} (replay: { seed: ${seed + run}, runs: 1 }) on input ${preview(input)}: ${(err as Error).message}`);
      e.stack = `${e.message}\n${(err as Error).stack ?? ''}`;
      throw e;
    }
  }
}

/** Runs `fn`; returns what it threw, or undefined. For properties of the form "fails only with a typed error". */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err;
  }
}
