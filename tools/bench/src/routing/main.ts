// tools/llmd bench routing: the routing study, in the cluster-scale simulator (--mode des, the default)
// for every profile and rate asked, with JSON, a markdown table and SVG charts under --out.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineCommand, parseOrExit } from '@llmd/cli';
import { SHIPPED_CONFIGS } from '@llmd/scoring';
import { runDes } from './des';
import { runLive } from './live';
import { markdownTable, RunSummary, summarize, svgChart, tailRatios } from './report';
import type { TextShape } from './text-prompts';
import { workload, WorkloadName } from './workloads';

/**
 * The study's command line, one entry per flag (add a flag here and read it in parseArgs below): the
 * CLI's --help and its refusal of unknown or malformed flags come from this declaration.
 */
export const command = defineCommand({
  name: 'llmd bench routing',
  summary: 'the routing study in the cluster-scale simulator, or live on the real stack (JSON, markdown table, SVG charts)',
  details: 'Runs every profile at every rate for every pod count given; writes <out>/<mode>-<workload>.json, .md and the charts.',
  flags: {
    mode: { type: 'string', choices: ['des', 'live'], default: 'des', description: 'des: the discrete-event simulator; live: the real stack on vllm-sim pods' },
    workload: { type: 'string', choices: ['shared-prefix', 'multi-turn', 'long-doc', 'mixed', 'low-reuse'], default: 'shared-prefix', description: 'the request mix' },
    pods: { type: 'integer-list', min: 1, default: '8', description: 'pod counts, one study each' },
    profiles: { type: 'string-list', choices: Object.keys(SHIPPED_CONFIGS), default: 'random,round-robin,load-only,approx-prefix,precise-prefix', description: 'scheduling profiles compared' },
    rates: { type: 'number-list', min: 0, exclusiveMin: true, default: '3,6,10,15,20,30,40,60', description: 'request rates (per second)' },
    count: { type: 'integer', min: 1, description: 'requests per run (default: the workload\'s own)' },
    scale: { type: 'number', min: 0, exclusiveMin: true, default: '1', description: 'multiplies the workload\'s prompt and output lengths' },
    groups: { type: 'integer', min: 1, description: 'shared-prefix groups (default: the workload\'s own)' },
    'prompts-per-group': { type: 'integer', min: 1, description: 'prompts per shared-prefix group (default: the workload\'s own)' },
    seed: { type: 'integer', default: '42', description: 'seed of the workload and the random profile' },
    seeds: { type: 'integer', min: 1, default: '1', description: 'runs each cell with this many seeds (seed, seed + 1, ...)' },
    'time-scale': { type: 'number', min: 0, exclusiveMin: true, default: '10', description: 'live: wall seconds per simulated second (the pods must keep up on this machine)' },
    out: { type: 'string', default: 'bench-results/routing', valueName: 'DIR', description: 'where the results are written' },
    prompts: { type: 'string', choices: ['tokens', 'text'], default: 'tokens', description: 'token ids (no tokenization), or chat text as a real client sends it (tokenized by cache-manager and the pods; the simulator charges the measured tokenization cost)' },
    'text-shape': { type: 'string', choices: ['system-user', 'one-message'], default: 'system-user', description: 'text prompts: a system message and a user question, or both in one user message' },
    'system-tokens': { type: 'integer', min: 1, description: 'shared-prefix (and long-doc) shared part, in tokens before --scale (default: the workload\'s own)' },
    'question-tokens': { type: 'integer', min: 1, description: 'the new question, in tokens before --scale (default: the workload\'s own)' },
    'output-tokens': { type: 'integer', min: 1, description: 'output tokens per request (default: the workload\'s own)' },
  },
});

function parseArgs(argv: string[]) {
  const { values: v } = parseOrExit(command, argv);
  return {
    mode: v.mode,
    timeScale: v['time-scale'],
    workload: v.workload as WorkloadName,
    pods: v.pods,
    profiles: v.profiles,
    rates: v.rates,
    count: v.count,
    scale: v.scale,
    groups: v.groups,
    promptsPerGroup: v['prompts-per-group'],
    seed: v.seed,
    seeds: v.seeds,
    out: v.out,
    /** Token ids (no tokenization) or chat text, as a real client sends it. */
    prompts: v.prompts as 'tokens' | 'text',
    textShape: v['text-shape'] as TextShape,
    systemTokens: v['system-tokens'],
    questionTokens: v['question-tokens'],
    outputTokens: v['output-tokens'],
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const runs: RunSummary[] = [];
  // Every cell: pod count, profile, rate and seed.
  const cells = args.pods.flatMap((pods) => args.profiles.flatMap((profile) => args.rates.flatMap((rate) => Array.from({ length: args.seeds }, (_, k) => ({ pods, profile, rate, seed: args.seed + k })))));
  for (const { pods, profile, rate, seed } of cells) {
    const requests = workload(args.workload, { seed, rate, count: args.count, scale: args.scale, ...(args.groups ? { groups: args.groups } : {}), ...(args.promptsPerGroup ? { promptsPerGroup: args.promptsPerGroup } : {}), ...(args.systemTokens ? { systemTokens: args.systemTokens } : {}), ...(args.questionTokens ? { questionTokens: args.questionTokens } : {}), ...(args.outputTokens ? { outputTokens: args.outputTokens } : {}) });
    const roles = profile === 'pd' ? Array.from({ length: pods }, (_, i) => (i < Math.max(1, Math.round(pods / 4)) ? 'prefill' : 'decode') as 'prefill' | 'decode') : undefined;
    const r =
      args.mode === 'des'
        ? await runDes(requests, {
            pods,
            profile,
            seed,
            roles,
            promptMode: args.prompts === 'text' ? 'text' : 'token-ids',
            progress: (p) => process.stderr.write(`  ${pods} pods ${profile} @ ${rate}/s: ${p.finished}/${p.total} requests done, ${(p.simMs / 1000).toFixed(0)} simulated s, ${(p.wallMs / 1000).toFixed(0)} s wall, heap ${(process.memoryUsage().heapUsed / 1e9).toFixed(1)} GB\n`),
          })
        : await runLive(requests, { pods, profile, roles, timeScale: args.timeScale, prompts: args.prompts, textShape: args.textShape, log: (l) => process.stderr.write(`${l}\n`) });
    const summary = summarize(
      { mode: args.mode, workload: args.workload, profile, pods, rate, wallSec: r.wallMs / 1000, ...(args.seeds > 1 ? { seed } : {}) },
      r.outcomes.map((o) => ({ ttftMs: o.ttftMs, itlMs: o.itlMs, outputTokens: o.outputTokens, ok: 'ok' in o ? (o as { ok: boolean }).ok : true, arrivalMs: o.arrivalMs, endMs: o.endMs })),
      r.durationMs,
      { queries: r.prefixQueries, hits: r.prefixHits },
      r.requestsPerPod,
      'routing' in r ? r.routing : undefined,
    );
    if ('engine' in r) summary.engine = r.engine;
    runs.push(summary);
    process.stderr.write(`${pods} pods ${profile} @ ${rate}/s${args.seeds > 1 ? ` seed ${seed}` : ''}: TTFT p90 ${(summary.ttftP90Ms / 1000).toFixed(2)} s, ${summary.outputTokensPerSec.toFixed(0)} tok/s, sustained ${summary.sustainedTokensPerSec.toFixed(0)} tok/s (${summary.wallSec.toFixed(1)} s wall)\n`);
  }
  const tails = tailRatios(runs);
  mkdirSync(args.out, { recursive: true });
  const stem = `${args.mode}-${args.workload}${args.prompts === 'text' ? '-text' : ''}`;
  writeFileSync(join(args.out, `${stem}.json`), JSON.stringify({ args, runs, tailRatios: tails }, null, 2));
  const table = markdownTable(runs);
  writeFileSync(join(args.out, `${stem}.md`), `${table}\n`);
  for (const pods of args.pods) {
    const mine = runs.filter((r) => r.pods === pods);
    writeFileSync(join(args.out, `${stem}-${pods}pods-ttft-p90.svg`), svgChart(mine, (r) => r.ttftP90Ms / 1000, `${args.workload}, ${pods} pods (${args.mode}): TTFT p90`, 'TTFT p90 (s, log scale)', true));
    writeFileSync(join(args.out, `${stem}-${pods}pods-throughput.svg`), svgChart(mine, (r) => r.outputTokensPerSec, `${args.workload}, ${pods} pods (${args.mode}): output throughput`, 'output tokens/s'));
  }
  if (args.mode === 'live') process.stdout.write(`live: the pods ran at --time-scale ${args.timeScale} (${args.timeScale} wall seconds per simulated second); figures are in simulated time\n\n`);
  process.stdout.write(`${table}\n`);
  if (tails.length > 0) {
    // The worst seed per cell: affinity must not cost the tail at any rate (bound 1.05x round-robin's TTFT p90).
    const worst = new Map<string, (typeof tails)[number]>();
    for (const t of tails) {
      const key = `${t.pods}|${t.profile}|${t.rate}`;
      const seen = worst.get(key);
      if (!seen || seen.ratio < t.ratio) worst.set(key, t);
    }
    process.stdout.write('\nTTFT p90 over round-robin\'s (worst seed; bound 1.05x):\n');
    for (const t of worst.values()) process.stdout.write(`  ${t.pods} pods ${t.profile} @ ${t.rate}/s: ${t.ratio.toFixed(2)}x ${t.ratio <= 1.05 ? 'ok' : 'OVER'}\n`);
  }
  process.stdout.write(`\nwritten: ${args.out}/${stem}.json, .md and the SVG charts\n`);
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`bench routing: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
