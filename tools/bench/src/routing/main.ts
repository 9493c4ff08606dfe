// tools/llmd bench routing: the routing study, in the cluster-scale simulator (--mode des, the default)
// for every profile and rate asked, with JSON, a markdown table and SVG charts under --out.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDes } from './des';
import { runLive } from './live';
import { markdownTable, RunSummary, summarize, svgChart } from './report';
import type { TextShape } from './text-prompts';
import { workload, WorkloadName } from './workloads';

interface Args {
  mode: 'des' | 'live';
  timeScale: number;
  workload: WorkloadName;
  pods: number[];
  profiles: string[];
  rates: number[];
  count?: number;
  scale: number;
  groups?: number;
  promptsPerGroup?: number;
  seed: number;
  out: string;
  /** Live: token ids (no tokenization) or chat text, as a real client sends it. */
  prompts: 'tokens' | 'text';
  textShape: TextShape;
  systemTokens?: number;
  questionTokens?: number;
  outputTokens?: number;
}

function parseArgs(argv: string[]): Args {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const list = (v: string | undefined, d: string) => (v ?? d).split(',').map((s) => s.trim()).filter(Boolean);
  const mode = get('mode') ?? 'des';
  if (mode !== 'des' && mode !== 'live') throw new Error(`--mode ${mode}: des (the simulator) or live (the real stack)`);
  const name = (get('workload') ?? 'shared-prefix') as WorkloadName;
  if (!['shared-prefix', 'multi-turn', 'long-doc', 'mixed'].includes(name)) throw new Error(`--workload ${name}: one of shared-prefix, multi-turn, long-doc, mixed`);
  const prompts = get('prompts') ?? 'tokens';
  if (prompts !== 'tokens' && prompts !== 'text') throw new Error(`--prompts ${prompts}: tokens (token ids) or text (chat messages)`);
  if (prompts === 'text' && mode !== 'live') throw new Error('--prompts text needs --mode live (the simulator takes token ids)');
  const textShape = get('text-shape') ?? 'system-user';
  if (textShape !== 'system-user' && textShape !== 'one-message') throw new Error(`--text-shape ${textShape}: system-user or one-message`);
  const count = (flag: string) => {
    const v = get(flag);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag} ${v}: a positive integer`);
    return n;
  };
  return {
    mode,
    // Live: wall seconds per simulated second (the pods must keep up on this machine).
    timeScale: Number(get('time-scale') ?? '10'),
    workload: name,
    pods: list(get('pods'), '8').map(Number),
    profiles: list(get('profiles'), 'random,round-robin,load-only,approx-prefix,precise-prefix'),
    rates: list(get('rates'), '3,6,10,15,20,30,40,60').map(Number),
    count: get('count') ? Number(get('count')) : undefined,
    scale: Number(get('scale') ?? '1'),
    groups: get('groups') ? Number(get('groups')) : undefined,
    promptsPerGroup: get('prompts-per-group') ? Number(get('prompts-per-group')) : undefined,
    seed: Number(get('seed') ?? '42'),
    out: get('out') ?? 'bench-results/routing',
    prompts,
    textShape,
    // shared-prefix (and long-doc's question) sizes, in tokens, before --scale.
    systemTokens: count('system-tokens'),
    questionTokens: count('question-tokens'),
    outputTokens: count('output-tokens'),
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const runs: RunSummary[] = [];
  for (const pods of args.pods) {
    for (const profile of args.profiles) {
      for (const rate of args.rates) {
        const requests = workload(args.workload, { seed: args.seed, rate, count: args.count, scale: args.scale, ...(args.groups ? { groups: args.groups } : {}), ...(args.promptsPerGroup ? { promptsPerGroup: args.promptsPerGroup } : {}), ...(args.systemTokens ? { systemTokens: args.systemTokens } : {}), ...(args.questionTokens ? { questionTokens: args.questionTokens } : {}), ...(args.outputTokens ? { outputTokens: args.outputTokens } : {}) });
        const roles = profile === 'pd' ? Array.from({ length: pods }, (_, i) => (i < Math.max(1, Math.round(pods / 4)) ? 'prefill' : 'decode') as 'prefill' | 'decode') : undefined;
        const r =
          args.mode === 'des'
            ? await runDes(requests, {
                pods,
                profile,
                seed: args.seed,
                roles,
                progress: (p) => process.stderr.write(`  ${pods} pods ${profile} @ ${rate}/s: ${p.finished}/${p.total} requests done, ${(p.simMs / 1000).toFixed(0)} simulated s, ${(p.wallMs / 1000).toFixed(0)} s wall, heap ${(process.memoryUsage().heapUsed / 1e9).toFixed(1)} GB\n`),
              })
            : await runLive(requests, { pods, profile, roles, timeScale: args.timeScale, prompts: args.prompts, textShape: args.textShape, log: (l) => process.stderr.write(`${l}\n`) });
        const summary = summarize(
          { mode: args.mode, workload: args.workload, profile, pods, rate, wallSec: r.wallMs / 1000 },
          r.outcomes.map((o) => ({ ttftMs: o.ttftMs, itlMs: o.itlMs, outputTokens: o.outputTokens, ok: 'ok' in o ? (o as { ok: boolean }).ok : true, arrivalMs: o.arrivalMs, endMs: o.endMs })),
          r.durationMs,
          { queries: r.prefixQueries, hits: r.prefixHits },
          r.requestsPerPod,
          'routing' in r ? r.routing : undefined,
        );
        runs.push(summary);
        process.stderr.write(`${pods} pods ${profile} @ ${rate}/s: TTFT p90 ${(summary.ttftP90Ms / 1000).toFixed(2)} s, ${summary.outputTokensPerSec.toFixed(0)} tok/s, sustained ${summary.sustainedTokensPerSec.toFixed(0)} tok/s (${summary.wallSec.toFixed(1)} s wall)\n`);
      }
    }
  }
  mkdirSync(args.out, { recursive: true });
  const stem = `${args.mode}-${args.workload}${args.prompts === 'text' ? '-text' : ''}`;
  writeFileSync(join(args.out, `${stem}.json`), JSON.stringify({ args, runs }, null, 2));
  const table = markdownTable(runs);
  writeFileSync(join(args.out, `${stem}.md`), `${table}\n`);
  for (const pods of args.pods) {
    const mine = runs.filter((r) => r.pods === pods);
    writeFileSync(join(args.out, `${stem}-${pods}pods-ttft-p90.svg`), svgChart(mine, (r) => r.ttftP90Ms / 1000, `${args.workload}, ${pods} pods (${args.mode}): TTFT p90`, 'TTFT p90 (s, log scale)', true));
    writeFileSync(join(args.out, `${stem}-${pods}pods-throughput.svg`), svgChart(mine, (r) => r.outputTokensPerSec, `${args.workload}, ${pods} pods (${args.mode}): output throughput`, 'output tokens/s'));
  }
  if (args.mode === 'live') process.stdout.write(`live: the pods ran at --time-scale ${args.timeScale} (${args.timeScale} wall seconds per simulated second); figures are in simulated time\n\n`);
  process.stdout.write(`${table}\n\nwritten: ${args.out}/${stem}.json, .md and the SVG charts\n`);
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`bench routing: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
