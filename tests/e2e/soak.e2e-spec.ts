// The soak's CI profile: `llmd soak --duration 3m` from the build — the P/D stack with two gateways
// and its own Kafka, under an open-loop mixed load at 80% of its measured capacity while pods, the
// scheduler, the cache-manager, a gateway and the broker are killed and come back — ends every request
// with an answer or an explicit error, loses no telemetry outside the bounded buffer, leaves no lease
// behind, and keeps the KV index true to the pods' block pools. Rates are the stack's own (measured
// first), so nothing here depends on how fast the machine is.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtCli } from '../support/global-setup';

const MAIN = join(builtCli().DIST, 'tools', 'cli', 'src', 'main.js');
const SEED = 20261204;

interface SoakSummary {
  requests: number;
  lost: number;
  hung: number;
  telemetryLost: number;
  leasesLeft: number;
  indexAccurate: boolean | null;
  ok: boolean;
  outcomes: Record<string, number>;
  tenant429: { steady: number; greedy: number };
  faults: { kind: string; target: string; backMs: number | null }[];
  failures: string[];
  logs: string;
}

/** What a failed run leaves for whoever reads CI's output: the soak's own lines, and each service's last warnings. */
function diagnostics(output: string, logs: string): string {
  const parts = [`soak output (last 60 lines):\n${output.trim().split('\n').slice(-60).join('\n')}`];
  if (existsSync(logs)) {
    for (const file of readdirSync(logs).sort()) {
      const warnings = readFileSync(join(logs, file), 'utf8').split('\n').filter((l) => /"level":"(warn|error|fatal)"/.test(l) && !l.includes('"logger":"kafkajs"'));
      if (warnings.length > 0) parts.push(`${file} (last ${Math.min(15, warnings.length)} of ${warnings.length} warnings, kafkajs' own left out):\n${warnings.slice(-15).map((l) => l.slice(0, 400)).join('\n')}`);
    }
  }
  return parts.join('\n\n');
}

describe('llmd soak --duration 3m (the CI profile)', () => {
  let code: number | null;
  let output = '';
  let summary: SoakSummary;

  beforeAll(async () => {
    const child = spawn(process.execPath, [MAIN, 'soak', '--duration', '3m', '--seed', String(SEED), '--ramp-step-s', '3'], { stdio: ['ignore', 'pipe', 'pipe'] });
    for (const s of [child.stdout, child.stderr]) s?.on('data', (b: Buffer) => (output += b.toString()));
    code = await new Promise((resolve) => child.once('exit', resolve));
    const last = output.trim().split('\n').filter((l) => l.startsWith('{')).pop();
    if (!last) throw new Error(`the soak printed no summary line:\n${output.slice(-4000)}`);
    summary = JSON.parse(last) as SoakSummary;
    process.stdout.write(`soak summary: ${last}\n`);
  }, 480000);

  it('prints its chaos schedule and how to replay it', () => {
    expect(output).toContain(`--seed ${SEED}`);
    expect(output).toMatch(/chaos schedule \(\d+ faults/);
    expect(output).toMatch(/netem/);
  });

  it('keeps every invariant, and exits 0', () => {
    if (summary.failures.length > 0) throw new Error(`${summary.failures.join('\n')}\n\n${diagnostics(output, summary.logs)}`);
    expect(summary).toMatchObject({ lost: 0, hung: 0, telemetryLost: 0, leasesLeft: 0, indexAccurate: true, ok: true });
    expect(code).toBe(0);
  });

  it('served a mixed load: answers, client aborts, and explicit 429s for the tenant over its limit only', () => {
    expect(summary.requests).toBeGreaterThan(100);
    expect(summary.outcomes.answered).toBeGreaterThan(0);
    expect(summary.outcomes.aborted).toBeGreaterThan(0);
    expect(summary.tenant429.greedy).toBeGreaterThan(0);
    expect(summary.tenant429.steady).toBe(0);
  });

  it('applied every fault, and each target came back', () => {
    const kinds = summary.faults.map((f) => f.kind).sort();
    expect(kinds).toEqual(['cache-manager-kill', 'gateway-kill', 'kafka-outage', 'pod-kill', 'scheduler-kill']);
    for (const f of summary.faults) expect({ target: f.target, back: f.backMs !== null }).toEqual({ target: f.target, back: true });
  });
});
