// A forecaster for one binned series: a seasonal profile (per phase of the season, an EWMA over
// past seasons) plus a level and damped trend of the residuals against it; with under one season
// of history, Holt's linear level and damped trend of the series itself.

/** Smoothing constants of the forecaster. */
export interface ForecasterParams {
  /** Weight of the newest season in a phase's profile. @default 0.5 */
  seasonAlpha: number;
  /** Weight of the newest residual (or value, before a season) in the level. @default 0.2 */
  levelAlpha: number;
  /** Weight of the newest level change in the trend. @default 0.05 */
  trendBeta: number;
  /** Per-bin damping of the trend when projecting ahead. @default 0.98 */
  trendDamping: number;
}

/** The defaults of ForecasterParams. */
export const DEFAULT_FORECASTER_PARAMS: ForecasterParams = { seasonAlpha: 0.5, levelAlpha: 0.2, trendBeta: 0.05, trendDamping: 0.98 };

interface LevelTrend {
  level: number;
  trend: number;
  started: boolean;
}

function updateLevelTrend(s: LevelTrend, y: number, p: ForecasterParams): void {
  if (!s.started) {
    s.level = y;
    s.trend = 0;
    s.started = true;
    return;
  }
  const prev = s.level;
  s.level = p.levelAlpha * y + (1 - p.levelAlpha) * (s.level + p.trendDamping * s.trend);
  s.trend = p.trendBeta * (s.level - prev) + (1 - p.trendBeta) * p.trendDamping * s.trend;
}

/** sum_{j=1..h} phi^j: how much of the trend h bins ahead carries. */
function dampedSteps(h: number, phi: number): number {
  if (phi === 1) return h;
  return (phi * (1 - phi ** h)) / (1 - phi);
}

/** Forecasts one series of consecutive bins with a season of `period` bins. */
export class SeriesForecaster {
  private readonly profile: (number | undefined)[];
  private readonly raw: LevelTrend = { level: 0, trend: 0, started: false };
  private readonly residual: LevelTrend = { level: 0, trend: 0, started: false };
  private observed = 0;
  private lastIndex: number | undefined;

  constructor(
    readonly period: number,
    private readonly params: ForecasterParams = DEFAULT_FORECASTER_PARAMS,
  ) {
    if (!Number.isInteger(period) || period < 2) throw new RangeError(`period must be an integer >= 2 bins, got ${period}`);
    this.profile = new Array<number | undefined>(period).fill(undefined);
  }

  /** Bins observed so far. */
  get history(): number {
    return this.observed;
  }

  /** The index of the newest observed bin. */
  get last(): number | undefined {
    return this.lastIndex;
  }

  /** Whether a full season has been seen (seasonal forecasts; trend only before). */
  get seasonal(): boolean {
    return this.observed >= this.period;
  }

  /** Observes bin `index` (absolute: its phase is index mod period) with value `y`. Bins must come in increasing order. */
  observe(index: number, y: number): void {
    if (this.lastIndex !== undefined && index <= this.lastIndex) throw new RangeError(`bin ${index} is not after the last observed bin ${this.lastIndex}`);
    const phase = ((index % this.period) + this.period) % this.period;
    const seen = this.profile[phase];
    updateLevelTrend(this.raw, y, this.params);
    if (seen !== undefined) updateLevelTrend(this.residual, y - seen, this.params);
    this.profile[phase] = seen === undefined ? y : this.params.seasonAlpha * y + (1 - this.params.seasonAlpha) * seen;
    this.observed++;
    this.lastIndex = index;
  }

  /** The forecast of bin `index` (after the last observed), never below 0; NaN before any observation. */
  forecast(index: number): number {
    if (this.lastIndex === undefined) return Number.NaN;
    const h = Math.max(0, index - this.lastIndex);
    const steps = dampedSteps(h, this.params.trendDamping);
    const phase = ((index % this.period) + this.period) % this.period;
    const seasonal = this.profile[phase];
    if (this.seasonal && seasonal !== undefined && this.residual.started) {
      return Math.max(0, seasonal + this.residual.level + steps * this.residual.trend);
    }
    return Math.max(0, this.raw.level + steps * this.raw.trend);
  }
}
