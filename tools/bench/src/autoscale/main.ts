// tools/llmd bench autoscale: llmd's autoscaling policies and two baselines in the cluster-scale
// simulator, over ramp, step, spike and a compressed weekday: SLO attainment, GPU-hours and scaling
// actions per policy and trace (a table, ASCII strips, SVG charts; --json: one object per line).
// --topology pd: a prefill and a decode pool, each sized by its own scaler of the policy.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScalingDecision } from '@llmd/autoscaling';
import { defineCommand, parseOrExit } from '@llmd/cli';
import { autoscalingSpec, type AutoscalingSpec } from '@llmd/crd-types';
import { costModelFor } from '@llmd/gpu-cost';
import { asciiStrips, markdownTable, traceSvg } from './chart';
import { pdCapacity, podCapacity, PREFILL_TAKEN_MIN } from './capacity';
import { POLICY_NAMES, type PolicyName } from './scalers';
import { resultsJson, summarizeRun, type AutoscaleRun, type SloTarget } from './summary';
import { pdThreshold, planPools, runPools, TOPOLOGIES, type RoleCapacity, type Topology } from './topology';
import { buildTrace, HISTORY_DAY_COUNT, mixAbove, TRACE_NAMES, type Trace, type TraceName } from './traces';

export const command = defineCommand({
  name: 'llmd bench autoscale',
  summary: 'autoscaling policies vs static peak provisioning and an HPA on GPU utilization, in the cluster-scale simulator',
  details: 'Runs every policy on every trace; writes <out>/results.json, table.md and <trace>.svg. Figures are in simulated time.',
  flags: {
    trace: { type: 'string-list', choices: TRACE_NAMES, default: TRACE_NAMES.join(','), description: 'traffic shapes: ramp, step, spike, diurnal (a weekday, compressed)' },
    policy: { type: 'string-list', choices: POLICY_NAMES, default: POLICY_NAMES.join(','), description: 'policies and baselines compared' },
    topology: {
      type: 'string',
      choices: TOPOLOGIES,
      default: 'unified',
      description: `unified: one pool of pods serving whole requests; pd: a prefill and a decode pool, each sized by its own scaler (prompts of ${pdThreshold()} tokens or more go through prefill)`,
    },
    json: { type: 'boolean', description: 'print one JSON object per policy and trace, one per line (nothing else on stdout)' },
    quick: { type: 'boolean', description: 'CI-sized: shorter traces at lower rates' },
    seed: { type: 'integer', default: '42', description: 'seed of the traffic, its history and the simulator' },
    startup: { type: 'number', min: 0, default: '60', description: 'pod start-up (scheduling, image, model load), simulated seconds' },
    'ttft-ms': { type: 'number', min: 0, exclusiveMin: true, default: '500', description: 'TTFT target at p90' },
    'itl-ms': { type: 'number', min: 0, exclusiveMin: true, default: '40', description: 'inter-token latency target at p90' },
    'scale-down-window': { type: 'number', min: 0, default: '300', description: "scale-down stabilization window of every scaling policy, simulated seconds (the HPA's default 300)" },
    'token-scale': { type: 'number', min: 0, exclusiveMin: true, default: '0.5', description: 'multiplies the mixed workload\'s prompt and output lengths (the routing study\'s --scale)' },
    decisions: { type: 'boolean', description: "also write every decision of llmd's policies, per run and pool, to <out>/decisions-<trace>-<policy>.json" },
    out: { type: 'string', default: 'bench-results/autoscale', valueName: 'DIR', description: 'where the results and charts are written' },
  },
});

const MIN = 60_000;

async function main(): Promise<void> {
  const { values: v } = parseOrExit(command, process.argv.slice(2));
  const topology = v.topology as Topology;
  const slo: SloTarget = { ttftMs: v['ttft-ms'], itlMs: v['itl-ms'], percentile: 90 };
  const log = (l: string) => process.stderr.write(`${l}\n`);
  const started = performance.now();
  const costModel = costModelFor('llama-3-8b');
  const capacity = await measureCapacity(topology, { slo, tokenScale: v['token-scale'], seed: v.seed, quick: v.quick }, log);
  const runs: AutoscaleRun[] = [];
  for (const name of v.trace as TraceName[]) {
    const trace = buildTrace(name, { seed: v.seed, tokenScale: v['token-scale'], quick: v.quick });
    const plans = planPools(topology, trace, capacity, v['token-scale']);
    const staticReplicas = plans.reduce((a, p) => a + p.staticReplicas, 0);
    // Offered load in pods' worth: each pool's share of the rate over what one of its pods sustains.
    const loadInPods = Array.from({ length: Math.ceil(trace.durationMs / MIN) }, (_, m) => plans.reduce((a, p) => a + meanRate(trace, m * MIN, (m + 1) * MIN) / p.capacityRps, 0));
    const pools = plans.length > 1 ? ` (${plans.map((p) => `${p.staticReplicas} ${p.name}`).join(', ')})` : '';
    log(`${name}: ${trace.requests.length} requests over ${trace.durationMs / MIN} simulated minutes (${trace.note}); peak ${trace.peakRate} req/s: static-peak ${staticReplicas} pods${pools}`);
    const mine: AutoscaleRun[] = [];
    for (const policy of v.policy as PolicyName[]) {
      const decisions: Record<string, ScalingDecision[]> = {};
      const r = await runPools(trace.requests, policy, plans, {
        topology,
        ...(v.decisions ? { decisions } : {}),
        specFor: (p) => specFor(trace, { slo, maxReplicas: p.maxReplicas, startup: v.startup, scaleDownWindow: v['scale-down-window'] }),
        costModel,
        seed: v.seed,
        startupSeconds: v.startup,
        horizonMs: trace.durationMs,
        offsetMs: trace.history.length > 0 ? HISTORY_DAY_COUNT * trace.dayMs : 0,
      });
      const run = summarizeRun(name, policy, r, trace.durationMs, slo, topology);
      if (v.decisions && Object.values(decisions).some((d) => d.length > 0)) {
        mkdirSync(v.out, { recursive: true });
        writeFileSync(join(v.out, `decisions-${name}-${policy}.json`), JSON.stringify(decisions));
      }
      mine.push(run);
      const split = plans.length > 1 ? ` (mean pods ${plans.map((p) => `${p.name} ${run.meanPodsByPool[p.name].toFixed(2)}`).join(', ')}; ${((run.prefillShare ?? 0) * 100).toFixed(1)}% of requests via prefill)` : '';
      log(`  ${policy}: SLO attainment ${(run.sloAttainment * 100).toFixed(1)}%, ${run.gpuHours.toFixed(2)} GPU-hours, ${run.scalingActions} scaling actions${split} (${run.wallSec.toFixed(1)} s wall)`);
    }
    const base = mine.find((r) => r.policy === 'static-peak');
    if (base) for (const r of mine) r.gpuHoursVsStatic = r.gpuHours / base.gpuHours;
    runs.push(...mine);
    const byPool = plans.length > 1 ? { podCapacityRpsByPool: Object.fromEntries(plans.map((p) => [p.name, p.capacityRps])), staticReplicasByPool: Object.fromEntries(plans.map((p) => [p.name, p.staticReplicas])) } : { podCapacityRps: plans[0].capacityRps };
    if (v.json) for (const r of mine) process.stdout.write(`${JSON.stringify({ ...r, startupSeconds: v.startup, scaleDownWindowSeconds: v['scale-down-window'], slo, ...byPool, staticReplicas })}\n`);
    mkdirSync(v.out, { recursive: true });
    writeFileSync(join(v.out, `${name}.svg`), traceSvg(mine, `${name}: pods and TTFT p90 per simulated minute${topology === 'pd' ? ' (P/D: prefill + decode pods)' : ''}`, `${trace.note}; pod start-up ${v.startup} s; targets TTFT p90 ${slo.ttftMs} ms, ITL p90 ${slo.itlMs} ms`, slo, loadInPods));
    if (!v.json) process.stdout.write(`\n${name} — pods holding a GPU per simulated minute (${trace.note}):\n${asciiStrips(mine, loadInPods)}\n`);
  }
  const table = markdownTable(runs);
  const capacities = topology === 'pd' ? { podCapacityRpsByRole: capacity } : { podCapacityRps: capacity.unified };
  writeFileSync(join(v.out, 'results.json'), resultsJson({ args: v, slo, ...capacities }, runs));
  writeFileSync(join(v.out, 'table.md'), `${table}\n`);
  if (!v.json) {
    process.stdout.write(`\n${table}\n\n${figures(runs)}written: ${v.out}/results.json, table.md and one SVG per trace (${((performance.now() - started) / 1000).toFixed(0)} s wall)\n`);
  }
}

/** What one pod of each role of the layout sustains within the targets (P/D: after the unified pod's, which sizes the other role's pods in each measurement). */
async function measureCapacity(topology: Topology, o: { slo: SloTarget; tokenScale: number; seed: number; quick: boolean }, log: (l: string) => void): Promise<RoleCapacity> {
  const targets = `TTFT p90 <= ${o.slo.ttftMs} ms, ITL p90 <= ${o.slo.itlMs} ms`;
  const unified = await podCapacity(o);
  log(`one pod holds the targets (${targets}) up to ${unified.toFixed(1)} req/s of this mix`);
  if (topology === 'unified') return { unified };
  const threshold = pdThreshold();
  const part = mixAbove(o.tokenScale, threshold);
  const { prefill, decode } = await pdCapacity({ ...o, unified });
  log(
    `P/D (prompts of ${threshold} tokens or more, ${(part.share * 100).toFixed(0)}% of this mix, go through prefill): one prefill pod sustains ${prefill.toFixed(1)} req/s of the mix ` +
      `(targets held, taking >= ${PREFILL_TAKEN_MIN * 100}% of its prompts), one decode pod ${decode.toFixed(1)} req/s (targets held), each with the other role's pods aplenty` +
      `${o.quick ? '; --quick: a coarser bisection (3 halvings over 40 s runs)' : ''}`,
  );
  return { prefill, decode };
}

/** The issue's figures on the diurnal trace, when its runs are there. */
function figures(runs: readonly AutoscaleRun[]): string {
  const d = (p: string) => runs.find((r) => r.trace === 'diurnal' && r.policy === p);
  const pred = d('predictive');
  const stat = d('static-peak');
  const sat = d('saturation');
  if (!pred || !stat || !sat) return '';
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  return [
    'diurnal figures (targets: attainment >= 99%, <= 60% of static-peak GPU-hours, fewer GPU-hours than saturation at equal or better attainment):',
    `  predictive: attainment ${pct(pred.sloAttainment)}, ${pct(pred.gpuHours / stat.gpuHours)} of static-peak GPU-hours, ${pct(pred.gpuHours / sat.gpuHours)} of saturation's (saturation's attainment ${pct(sat.sloAttainment)})`,
    '',
    '',
  ].join('\n');
}

function specFor(trace: Trace, o: { slo: SloTarget; maxReplicas: number; startup: number; scaleDownWindow: number }): AutoscalingSpec {
  return autoscalingSpec.parse({
    policy: 'saturation',
    minReplicas: 1,
    maxReplicas: o.maxReplicas,
    startupSeconds: Math.round(o.startup),
    slo: { ttftMs: o.slo.ttftMs, itlMs: o.slo.itlMs, percentile: o.slo.percentile },
    predictive: { basePolicy: 'slo', seasonSeconds: Math.round(trace.dayMs / 1000) },
    behavior: { scaleDown: { stabilizationWindowSeconds: Math.round(o.scaleDownWindow) } },
  });
}

function meanRate(trace: Trace, from: number, to: number): number {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += trace.rate(from + ((i + 0.5) * (to - from)) / 12);
  return sum / 12;
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`bench autoscale: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
