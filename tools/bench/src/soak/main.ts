// `llmd soak`: the whole local stack (P/D pods, two gateway replicas, its own Kafka broker), or the
// demo on a local cluster, under an open-loop mixed workload at a share of its measured capacity,
// while a seeded chaos schedule kills and restarts its parts. Ends with one JSON line; exits 1 when an
// invariant fails.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { defineCommand, parseOrExit, STATE_DIR } from '@llmd/cli';
import { chaosSchedule, formatSchedule } from './chaos-schedule';
import { ChaosRunner } from './chaos-runner';
import { parseDuration, phases } from './duration';
import { checkIndex } from './kv-truth';
import { IN_NETNS_ENV, inNamespace, probeNetem } from './netem';
import { metricSum } from './metrics-text';
import { faultImpact, tally } from './outcome';
import { seededRng } from './rng';
import { ServiceSampler } from './service-sampler';
import { memoryVerdict } from './slope';
import { SoakClient, type RequestResult } from './soak-client';
import { summarize, type TelemetryCount } from './summary';
import { arrivedRequestIds } from './telemetry-topic';
import { measureCapacity, openLoop } from './load';
import { startClusterTarget } from './cluster-target';
import { startLocalTarget } from './local-target';

export const command = defineCommand({
  name: 'llmd soak',
  summary: 'the local stack under a mixed open-loop load and a seeded chaos schedule; one JSON line of invariants',
  details: [
    'Starts its own Kafka broker and the stack (P/D pods, two gateway replicas, supervised), measures capacity with a',
    'short closed-loop ramp, then drives --load of it while it kills pods, the scheduler, the cache-manager and a gateway',
    '(kill -9; the stack restarts them) and stops and starts Kafka. The schedule is printed and replays from --seed.',
    'Ends with one JSON line (requests, lost, hung, telemetryLost, leasesLeft, indexAccurate, ...); exits 1 when an',
    'invariant fails. --duration 3m is the CI profile, 30m the full run. With --cluster DIR it soaks the demo of',
    '`tools/llmd cluster demo --dir DIR` instead: containers killed (the node agent restarts them), the cluster\'s broker',
    'stopped and started. See docs/soak.md.',
  ].join('\n'),
  flags: {
    duration: { type: 'string', default: '3m', valueName: 'DURATION', description: 'open-loop load with chaos for this long (3m, 30m, 1h)' },
    load: { type: 'number', min: 0, exclusiveMin: true, max: 2, default: '0.8', description: 'share of the measured capacity offered' },
    seed: { type: 'integer', min: 0, description: 'seed of the chaos schedule and the workload (default: drawn and printed)' },
    prefill: { type: 'integer', min: 1, max: 8, default: '1', description: 'prefill pods' },
    decode: { type: 'integer', min: 1, max: 16, default: '3', description: 'decode pods' },
    gateways: { type: 'integer', min: 2, max: 4, default: '2', description: 'gateway replicas the client spreads over' },
    'time-scale': { type: 'number', min: 0, exclusiveMin: true, default: '1', description: 'the pods\' wall-clock seconds per simulated second' },
    'timeout-s': { type: 'number', min: 5, default: '60', description: 'a request not ended by then is hung' },
    'ramp-step-s': { type: 'number', min: 1, default: '4', description: 'seconds per step of the capacity ramp' },
    'no-chaos': { type: 'boolean', description: 'the load and the checks without faults (a baseline)' },
    cluster: { type: 'string', valueName: 'DIR', description: 'soak the running `tools/llmd cluster demo` made in DIR instead of a local stack' },
  },
});

/** Stops what the run started (the stack, the broker); set once they exist. */
let cleanup: () => Promise<void> = async () => undefined;

async function main(): Promise<number> {
  const { values: v } = parseOrExit(command, process.argv.slice(2));
  const durationMs = parseDuration(v.duration);
  if (typeof durationMs === 'string') throw new Error(durationMs);
  const say = (line: string) => process.stdout.write(`soak: ${line}\n`);

  // Netem needs the whole run inside a namespace of its own: re-run there when the machine allows it.
  const netem = process.env[IN_NETNS_ENV] ? { available: true, reason: 'in the soak\'s network namespace' } : probeNetem();
  if (netem.available && !process.env[IN_NETNS_ENV]) {
    const ns = inNamespace([process.execPath, ...process.execArgv, ...process.argv.slice(1)]);
    say(`re-running inside a network namespace of its own (${netem.reason})`);
    const child = spawn(ns.cmd, ns.args, { stdio: 'inherit', env: { ...process.env, [IN_NETNS_ENV]: '1' } });
    process.on('SIGINT', () => child.kill('SIGINT'));
    return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  }
  say(netem.reason);

  const seed = v.seed ?? Math.floor(Math.random() * 1e6);
  const { warmupMs, cooldownMs } = phases(durationMs);
  const runDir = join(STATE_DIR, 'soak', `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`);
  const target = v.cluster
    ? await startClusterTarget({ dir: v.cluster, gateways: v.gateways, say })
    : await startLocalTarget({ runDir, prefill: v.prefill, decode: v.decode, gateways: v.gateways, timeScale: v['time-scale'], timeoutS: v['timeout-s'], durationMs, say });
  cleanup = () => target.teardown();
  process.on('SIGINT', () => void target.teardown().then(() => process.exit(130)));
  const { pods, bootstrap } = target;
  const gatewayNames = target.gateways.map((g) => g.name);
  const faults = v['no-chaos'] ? [] : chaosSchedule({ seed, durationMs, warmupMs, cooldownMs, pods, gateways: gatewayNames, netem: netem.available });
  say(`seed ${seed}; replay with: tools/llmd soak --duration ${v.duration} --seed ${seed}${v.cluster ? ` --cluster ${v.cluster}` : ` --prefill ${v.prefill} --decode ${v.decode}`} --gateways ${v.gateways}${v['no-chaos'] ? ' --no-chaos' : ''}`);
  say(`chaos schedule (${faults.length} faults, times from the start of the load):`);
  for (const line of formatSchedule(faults)) process.stdout.write(`${line}\n`);

  const chaos = new ChaosRunner(target.processes, target.broker, say);
  target.onReady((service) => chaos.onReady(service));
  const client = new SoakClient({
    gateways: target.gateways,
    model: target.model,
    pidOf: (name) => target.processes.pidOf(name),
    killed: (pid) => chaos.killedPids.has(pid),
    timeoutMs: v['timeout-s'] * 1000,
    auth: target.mix.tenants !== false,
  });
  const sampler = new ServiceSampler(target.services);
  sampler.start(2000);

  const ramp = await measureCapacity(client, seededRng(seed + 1), v['ramp-step-s'] * 1000, say, target.mix);
  const rate = Math.max(0.5, ramp.capacityRps * v.load);
  say(`capacity ${ramp.capacityRps.toFixed(1)} req/s (closed-loop ramp); offering ${rate.toFixed(1)} req/s (${v.load} of it) for ${v.duration}`);

  const t0 = Date.now();
  chaos.start(faults, t0);
  const results = await openLoop(client, seededRng(seed), rate, durationMs, say, target.mix);
  await chaos.settle();
  say(`load done: ${results.length} requests; draining and checking`);

  // Drain: every process serving again, every gateway's telemetry buffer flushed.
  await target.waitReady(120000);
  const gatewayKey = (name: string) => `${name}#${target.processes.pidOf(name)}`;
  for (const end = Date.now() + 60000; Date.now() < end; ) {
    await sampler.sample();
    if (gatewayNames.every((g) => sampler.gateways.get(gatewayKey(g))?.buffered === 0)) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  sampler.stop();
  await sampler.sample();

  const all: RequestResult[] = [...ramp.results, ...results];
  const orphanable = orphanedLeases(chaos, results);
  const leasesHeld = await readLeases(target.schedulerMetricsUrl, orphanable);
  const telemetry = await countTelemetry(bootstrap, all, sampler, gatewayNames.map(gatewayKey)).catch((err: Error) => {
    say(`could not read the telemetry topic: ${err.message}`);
    // Unread is not proof of nothing lost: counted as lost, and said above.
    return { recorded: 1, dropped: 0, arrived: 0, unattributed: 0, lostOnKill: 0 };
  });
  const indexPrompts = results.filter((r) => Array.isArray(r.spec.prompt) && !r.spec.lora).slice(-150).map((r) => r.spec.prompt as number[]);
  const index = await checkIndex(target.cacheManager, target.model, await target.kvPods(), indexPrompts).catch((err: Error) => ({ accurate: null, detail: `the check failed: ${err.message}` }));
  const memory = Object.fromEntries([...sampler.memory].map(([name, byPid]) => [name, memoryVerdict([...byPid.values()], t0 + warmupMs)]));

  const finished = results.map((r) => ({ startMs: r.startMs, endMs: r.endMs, outcome: r.outcome, retried: r.retried }));
  const faultReports = chaos.runs.map((run) => ({ kind: run.fault.kind, target: run.fault.target, atS: Math.round((run.atMs - t0) / 100) / 10, ...faultImpact({ atMs: run.atMs, backAtMs: run.backAtMs }, finished) }));
  for (const f of faultReports) {
    const how = Object.entries(f.outcomes).map(([o, n]) => `${o} ${n}`).join(', ');
    say(`fault +${f.atS} s ${f.kind} ${f.target}: ${f.affected} affected (${how || 'none'}; retried ${f.retried}); back in ${f.backMs === null ? 'never' : `${(f.backMs / 1000).toFixed(1)} s`}, recovered in ${f.recoverMs === null ? 'never' : `${(f.recoverMs / 1000).toFixed(1)} s`}`);
  }
  const outcomes = tally(results);
  const { summary, failures } = summarize({
    seed,
    durationS: durationMs / 1000,
    capacityRps: Math.round(ramp.capacityRps * 10) / 10,
    rateRps: Math.round(rate * 10) / 10,
    outcomes,
    retried: results.filter((r) => r.retried).length,
    errors: errorCounts(results),
    failOpen: [...sampler.gateways.values()].reduce((n, g) => n + g.failOpen, 0),
    tenant429: target.mix.tenants !== false ? { steady: results.filter((r) => r.spec.tenant === 'steady' && r.status === 429).length, greedy: results.filter((r) => r.spec.tenant === 'greedy' && r.status === 429).length } : null,
    telemetry,
    leasesHeld,
    leasesOrphanedByGatewayKill: orphanable,
    indexAccurate: index.accurate,
    indexDetail: index.detail,
    memory,
    faults: faultReports,
    faultErrors: chaos.runs.flatMap((r) => (r.error ? [r.error] : [])),
    netem: netem.reason,
  });
  say(`index: ${index.detail}`);
  for (const f of failures) say(`FAILED: ${f}`);
  await client.close();
  await target.teardown();
  process.stdout.write(`${JSON.stringify({ ...summary, rampRequests: ramp.results.length, logs: target.logs })}\n`);
  return failures.length === 0 ? 0 : 1;
}

/** Explicit error statuses by `<status> <code>` (`429 rate_limited`). */
function errorCounts(results: readonly RequestResult[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) {
    if (r.status === undefined || r.status < 400) continue;
    const key = `${r.status} ${r.errorCode ?? ''}`.trim();
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

/**
 * Leases a killed gateway left in the scheduler: its requests severed mid-flight never complete, and
 * the scheduler keeps them until lease expiry (LLMD_SCHEDULER_IN_FLIGHT_LEASE_MS) unless it restarted since.
 */
function orphanedLeases(chaos: ChaosRunner, results: readonly RequestResult[]): number {
  const schedulerKills = chaos.runs.filter((r) => r.fault.kind === 'scheduler-kill').map((r) => r.atMs);
  return chaos.runs
    .filter((r) => r.fault.kind === 'gateway-kill' && r.killedPid !== undefined && !schedulerKills.some((at) => at > r.atMs))
    .reduce((n, r) => n + results.filter((x) => x.outcome === 'severed' && x.incarnation === `${r.fault.target}#${r.killedPid}`).length, 0);
}

/** The scheduler's lease gauge once it has settled (Completes are sent after the response). */
async function readLeases(url: string, allowed: number): Promise<number | null> {
  let last: number | null = null;
  for (const end = Date.now() + 15000; Date.now() < end; ) {
    const text = await fetch(url, { signal: AbortSignal.timeout(3000) }).then((r) => r.text()).catch(() => undefined);
    last = text === undefined ? null : (metricSum(text, 'llmd_scheduler_in_flight_leases') ?? null);
    if (last !== null && last <= allowed) return last;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return last;
}

/** The gateways' own count against the topic, by gateway incarnation (see TelemetryCount). */
async function countTelemetry(bootstrap: string, all: readonly RequestResult[], sampler: ServiceSampler, alive: readonly string[]): Promise<TelemetryCount> {
  const arrivedIds = await arrivedRequestIds(bootstrap);
  const known = new Set(all.flatMap((r) => (r.requestId ? [r.requestId] : [])));
  const living = new Set(alive);
  const counts = alive.map((k) => sampler.gateways.get(k) ?? { recorded: 0, dropped: 0, buffered: 0, failOpen: 0 });
  return {
    recorded: counts.reduce((n, c) => n + c.recorded, 0),
    dropped: counts.reduce((n, c) => n + c.dropped, 0),
    arrived: all.filter((r) => r.requestId && r.incarnation && living.has(r.incarnation) && arrivedIds.has(r.requestId)).length,
    unattributed: [...arrivedIds].filter((id) => !known.has(id)).length,
    lostOnKill: all.filter((r) => r.requestId && r.incarnation && !living.has(r.incarnation) && !arrivedIds.has(r.requestId)).length,
  };
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    async (err: Error) => {
      process.stderr.write(`soak failed: ${err.stack}\n`);
      await cleanup().catch(() => undefined);
      process.exit(2);
    },
  );
}
