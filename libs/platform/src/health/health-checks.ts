// Liveness and readiness: liveness says the process works; readiness says its dependencies answer.

export type ReadinessCheck = () => boolean | Promise<boolean>;

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, boolean>;
}

export class HealthChecks {
  private readonly checks = new Map<string, { check: ReadinessCheck; critical: boolean }>();
  private shuttingDown = false;

  /**
   * Adds a named dependency check to readiness. A non-critical check is reported but does not make
   * the service unready (e.g. Kafka for the gateway, whose requests never wait on it).
   */
  register(name: string, check: ReadinessCheck, options: { critical?: boolean } = {}): void {
    this.checks.set(name, { check, critical: options.critical ?? true });
  }

  /** After SIGTERM readiness fails at once, so load balancers stop sending new work. */
  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  async readiness(timeoutMs = 1000): Promise<ReadinessReport> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, c]) => [name, await runCheck(c.check, timeoutMs), c.critical] as const),
    );
    const checks: Record<string, boolean> = Object.fromEntries(entries.map(([name, ok]) => [name, ok]));
    let ready = entries.every(([, ok, critical]) => ok || !critical);
    if (this.shuttingDown) {
      checks['shutdown'] = false;
      ready = false;
    }
    return { ready, checks };
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
