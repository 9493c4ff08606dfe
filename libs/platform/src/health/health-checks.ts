// Liveness and readiness: liveness says the process works; readiness says its dependencies answer.

export type ReadinessCheck = () => boolean | Promise<boolean>;

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, boolean>;
}

export class HealthChecks {
  private readonly checks = new Map<string, ReadinessCheck>();
  private shuttingDown = false;

  /** Adds a named dependency check to readiness. */
  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  /** After SIGTERM readiness fails at once, so load balancers stop sending new work. */
  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  async readiness(timeoutMs = 1000): Promise<ReadinessReport> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]) => [name, await runCheck(check, timeoutMs)] as const),
    );
    const checks = Object.fromEntries(entries);
    if (this.shuttingDown) checks['shutdown'] = false;
    return { ready: Object.values(checks).every(Boolean), checks };
  }
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve().then(check),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
  } catch {
    return false;
  } finally {
    if (timer) clearTimeout(timer);
  }
}
