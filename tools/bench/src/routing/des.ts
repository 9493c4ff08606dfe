// The cluster-scale simulator: the scheduler's own plugins and shipped configurations (libs/scoring)
// deciding over pods that run vllm-sim's own engine model (libs/sim-engine), on a virtual clock.
// What the live stack does over the network happens here as events: the scheduler sees each pod's
// load as of its last scrape (every 50 ms), counts its own picks in flight, and the precise prefix
// index learns from the pods' KV events a little after they happen. Nothing waits on a wall clock, so
// hundreds of pods and 100,000 requests run in minutes. Flow control, in-flight accounting and
// cache-manager's tier-weighted score are the apps' own functions (libs/scoring, libs/kv-index).
// With `autoscaling`, the fleet changes over the run (./des-fleet): pods start up, join the endpoint
// list when ready, and drain when removed, as a scaler per pool decides every sync period.
import { buildPipeline, DEFAULT_FLOW_CONTROL_POLICY, Endpoint, EndpointRole, fleetRoom, FlowControlPolicy, inFlightSize, PluginRegistry, precisePrefixCacheScorerDescriptor, PrefixCacheLookup, registerBuiltinPlugins, Scheduler, SchedulingRequest, SHIPPED_CONFIGS } from '@llmd/scoring';
import { CostModel, costModelFor, EngineCore, kvCacheBlocks, loadGpuProfile, type StepOutput } from '@llmd/sim-engine';
import { DEFAULT_TIER_WEIGHTS, InMemoryKvBlockIndex, KvEventApplier, lookupWithSpeculation, SpeculativeEntries, tierWeightedScore, type IndexEvent } from '@llmd/kv-index';
import { tokenBlockKeys } from '@llmd/prefix-hash';
import { DesFlowControl } from './des-flow-control';
import { DesInFlight } from './des-in-flight';
import { EventQueue } from './event-queue';
import { TEXT_TOKENIZE_COST, tokenizeMs } from './tokenize-cost';
import { rng, type WorkloadRequest } from './workloads';
import { DesFleet, type FleetPod } from './des-fleet';
import { DES_MODEL, type DesConfig, type DesEngineTotals, type DesResult, type RequestOutcome } from './des-config';

export * from './des-config';

interface Event {
  at: number;
  kind: 'arrival' | 'pick' | 'submit' | 'flow-timeout' | 'step-end' | 'scrape' | 'kv-events' | 'transfer-done' | 'sync' | 'pod-ready';
  pod?: number;
  request?: WorkloadRequest;
  out?: StepOutput;
  events?: IndexEvent[];
  track?: Track;
  /** A submission to a pod once it has tokenized the prompt (text mode). */
  run?: () => void;
}

interface Track {
  req: WorkloadRequest;
  /** The prompt, read once (a workload may build it on each read). */
  ids: number[];
  pod: number;
  prefillPod?: number;
  pickedAt: number;
  firstTokenAt?: number;
  lastTokenAt?: number;
  tokens: number;
  /** The prefill pod's request id (P/D), whose held blocks the decode side takes. */
  prefillId?: string;
  /** Prompt tokens the prefill pod found cached (P/D). */
  prefillCachedTokens?: number;
}

interface Pod extends FleetPod {
  id: string;
  role: EndpointRole;
  core: EngineCore;
  stepping: boolean;
  scraped: { waiting: number; running: number; kvCacheUsage: number; at: number };
  requests: number;
}

/** A token source for the engine: output text does not matter here (one shared token, no allocation). */
const TOKEN = { id: 1000, text: ' x' };
const TOKENS = { next: () => TOKEN };

export async function runDes(requests: readonly WorkloadRequest[], config: DesConfig): Promise<DesResult> {
  const wallStart = performance.now();
  const gpu = loadGpuProfile(config.gpuProfile ?? 'llama-3-8b');
  const blockSize = config.blockSize ?? 16;
  const numGpuBlocks = kvCacheBlocks(gpu.profile, config.gpuMemoryUtilization ?? 0.9, blockSize);
  const scrapeEvery = config.scrapeIntervalMs ?? 50;
  const kvDelay = config.kvEventDelayMs ?? 20;
  const linkGbps = config.linkGbps ?? 25;
  let now = 0;

  const makePod = (i: number, role: EndpointRole): Pod => ({
    id: `pod-${i}`,
    role,
    state: 'ready',
    active: 0,
    busyMs: 0,
    core: new EngineCore(new CostModel(gpu.profile, gpu.bandwidth), {
      maxNumSeqs: config.maxNumSeqs ?? 256,
      maxNumBatchedTokens: config.maxNumBatchedTokens ?? 8192,
      blockSize,
      numGpuBlocks,
      cpuBlocks: config.cpuBlocks ?? 0,
      enablePrefixCaching: true,
      maxLoras: 0,
      hashSeed: i,
      remoteHoldTimeoutMs: 120000,
      // Only first tokens and finishes matter here: no per-token outputs.
      tokenOutputs: false,
    }),
    stepping: false,
    scraped: { waiting: 0, running: 0, kvCacheUsage: 0, at: 0 },
    requests: 0,
  });
  const auto = config.autoscaling;
  const pods: Pod[] = auto ? [] : Array.from({ length: config.pods }, (_, i) => makePod(i, config.roles?.[i] ?? 'both'));
  const podIndex = new Map(pods.map((p, i) => [p.id, i]));

  // The precise index, fed by the pods' KV events (as cache-manager is), and its Score.
  const index = new InMemoryKvBlockIndex(50_000_000);
  // Engine-hash mappings bounded by what a pod can hold (cache-manager keeps millions, for offload tiers).
  const applier = new KvEventApplier(index, 0, (numGpuBlocks + (config.cpuBlocks ?? 0)) * 2);
  // Sized for a cluster-scale run (cache-manager's default bound is for one fleet's pick rate).
  const speculative = new SpeculativeEntries(50_000_000);
  const speculativeTtl = config.speculativeTtlMs ?? 2000;
  const keysOf = new Map<string, ReturnType<typeof tokenBlockKeys>>();
  const keys = (request: SchedulingRequest) => {
    let k = keysOf.get(request.requestId);
    if (!k) {
      k = tokenBlockKeys(request.promptTokenIds ?? [], blockSize, { seed: 0 });
      keysOf.set(request.requestId, k);
    }
    return k;
  };
  const tierWeights = config.tierWeights ?? DEFAULT_TIER_WEIGHTS;
  // Text mode: requests whose Score finished tokenizing past the Pick's precise-lookup deadline.
  const lateScores = new Set<string>();
  // cache-manager's Score and Speculate, over the same index and speculative entries it keeps.
  const prefixCache: PrefixCacheLookup = {
    score: async (request: SchedulingRequest, ids: readonly string[]) => {
      if (lateScores.has(request.requestId)) throw new Error('precise lookup past its deadline (tokenizing the prompt)');
      const k = keys(request);
      const hits = lookupWithSpeculation(index, speculative, k, ids, now);
      return new Map(ids.map((id) => [id, tierWeightedScore(hits.get(id) ?? NO_HIT, k.length, tierWeights)]));
    },
    recordPick: (request: SchedulingRequest, id: string) => speculative.record(id, keys(request), now + speculativeTtl),
  };
  const random = rng(config.seed ?? 1);
  let preciseFallbacks = 0;
  const pickerConfig = SHIPPED_CONFIGS[config.profile] ?? unknownProfile(config.profile);
  const scheduler = new Scheduler(
    buildPipeline(pickerConfig, registerBuiltinPlugins(new PluginRegistry()), { random, now: () => now, prefixCache, countFallback: () => preciseFallbacks++, costModels: costModelFor }),
  );
  const preciseTimeoutMs = preciseLookupTimeoutMs(pickerConfig);
  const textMode = (config.promptMode ?? 'token-ids') === 'text';
  const tokenizeCost = config.tokenizeCost ?? TEXT_TOKENIZE_COST;
  const podTokenizeMs = (tokens: number) => (textMode ? tokenizeMs(tokens, tokenizeCost) : 0);
  // When each of cache-manager's tokenizer workers is next free (text mode).
  const tokenizerFreeAt: number[] = Array.from({ length: Math.max(1, config.tokenizerWorkers ?? 1) }, () => 0);

  const inFlight = new DesInFlight();
  const flowPolicy: FlowControlPolicy = { ...DEFAULT_FLOW_CONTROL_POLICY, enabled: false, ...config.flowControl };
  const flow = new DesFlowControl<WorkloadRequest>(flowPolicy, () =>
    fleetRoom(
      readyIndex.map((i) => ({ healthy: true, waiting: pods[i].scraped.waiting, kvCacheUsage: pods[i].scraped.kvCacheUsage })),
      flowPolicy,
    ),
  );
  const refused: DesResult['refused'] = [];

  const queue = new EventQueue<Event>();
  for (const r of requests) queue.push({ at: r.arrivalMs, kind: 'arrival', request: r });
  queue.push({ at: 0, kind: 'scrape' });
  const tracks = new Map<string, Track>();
  const outcomes: RequestOutcome[] = [];
  let prefixQueries = 0;
  // The engines' work (busy time is each pod's own busyMs, summed at the end).
  const engine: Omit<DesEngineTotals, 'busyMs'> = { steps: 0, sequences: 0, decodes: 0, prefillTokens: 0, preemptions: 0 };
  let prefixHits = 0;
  let remaining = requests.length;

  const startStep = (p: number) => {
    const pod = pods[p];
    if (pod.stepping || !pod.core.hasWork()) return;
    const out = pod.core.step(now);
    pod.stepping = true;
    pod.busyMs += out.durationMs;
    if (out.durationMs > 0) return queue.push({ at: now + out.durationMs, kind: 'step-end', pod: p, out });
    // Nothing ran: everything waiting is blocked on a KV transfer. Deliver what there is, then wait.
    queue.push({ at: pod.core.nextReadyAt(now) ?? now + 1, kind: 'step-end', pod: p, out });
  };

  const submit = (p: number, id: string, req: WorkloadRequest, ids: number[], extra: { maxTokens?: number; holdForRemoteDecode?: boolean; remoteComputedTokens?: number; transferMs?: number } = {}) => {
    const add = () => {
      pods[p].core.add(
        { id, promptTokenIds: ids, maxTokens: extra.maxTokens ?? req.maxTokens, eosAfter: 1 << 30, ignoreEos: true, stop: [], tokens: TOKENS, holdForRemoteDecode: extra.holdForRemoteDecode, remoteComputedTokens: extra.remoteComputedTokens, transferMs: extra.transferMs },
        now,
      );
      startStep(p);
    };
    // A text prompt is tokenized by the pod before its engine sees it.
    if (textMode) queue.push({ at: now + podTokenizeMs(ids.length), kind: 'submit', run: add });
    else add();
  };

  // One endpoint object per pod, updated in place when its scrape or in-flight count changes (the
  // scheduler reads them only inside a cycle, and cycles do not overlap here).
  const view = (pod: Pod): Endpoint => ({
    id: pod.id,
    address: pod.id,
    models: [DES_MODEL],
    loraAdapters: [],
    role: pod.role,
    labels: {},
    metrics: { waiting: 0, running: 0, kvCacheUsage: 0, scrapedAtMs: 0 },
    inFlight: 0,
    inFlightTokens: 0,
    inFlightPrefillTokens: 0,
    healthy: true,
  });
  const views: Endpoint[] = pods.map(view);
  // An autoscaled fleet: the scheduler's endpoint list is its ready pods (`readyViews`, rebuilt when a
  // pod becomes ready or is removed); a fixed fleet's is every pod.
  let readyViews: Endpoint[] = views;
  let readyIndex: number[] = pods.map((_, i) => i);
  const fleetChanged = () => {
    readyIndex = pods.flatMap((p, i) => (p.state === 'ready' ? [i] : []));
    readyViews = readyIndex.map((i) => views[i]);
  };
  const endpoints = (): Endpoint[] => {
    for (const i of readyIndex) {
      const pod = pods[i];
      const v = views[i];
      v.metrics.waiting = pod.scraped.waiting;
      v.metrics.running = pod.scraped.running;
      v.metrics.kvCacheUsage = pod.scraped.kvCacheUsage;
      v.metrics.scrapedAtMs = pod.scraped.at;
      const load = inFlight.load(pod.id);
      v.inFlight = load.inFlight;
      v.inFlightTokens = load.inFlightTokens;
      v.inFlightPrefillTokens = load.inFlightPrefillTokens;
    }
    return readyViews;
  };
  const fleet = auto
    ? new DesFleet<Pod>(auto, {
        create: (role) => {
          const pod = makePod(pods.length, role);
          podIndex.set(pod.id, pods.length);
          pods.push(pod);
          views.push(view(pod));
          return pod;
        },
        readyAt: (pod, at) => queue.push({ at, kind: 'pod-ready', pod: podIndex.get(pod.id) }),
        changed: fleetChanged,
      })
    : undefined;
  if (fleet) queue.push({ at: fleet.syncMs, kind: 'sync' });
  /** A fixed fleet's periodic events stop with the last request; an autoscaled one's run to the horizon. */
  const goesOn = (next: number) => remaining > 0 || (fleet !== undefined && next <= fleet.horizonMs);

  const refuse = (req: WorkloadRequest, reason: string) => {
    refused.push({ id: req.id, reason });
    remaining--;
  };

  // The scheduling cycle (Pick): the decision, the in-flight charges, the prompt on its way to the pod(s).
  const pick = async (req: WorkloadRequest) => {
    const ids = req.promptTokenIds;
    const request = { requestId: req.id, model: DES_MODEL, prompt: '', promptTokenIds: ids, maxTokens: req.maxTokens, priority: 0, reportsFirstToken: true };
    const result = await scheduler.schedule(request, endpoints);
    keysOf.delete(req.id);
    lateScores.delete(req.id);
    const primary = result.profileResults[result.primaryProfile]?.targets[0];
    const prefillProfile = Object.keys(result.profileResults).find((n) => n !== result.primaryProfile);
    const prefill = prefillProfile ? result.profileResults[prefillProfile].targets[0] : undefined;
    if (!primary) throw new Error(`no endpoint for ${req.id} under ${config.profile}${fleet ? ` (${readyIndex.length} ready pods at ${now} ms: autoscaling must keep a ready pod while requests arrive)` : ''}`);
    const p = podIndex.get(primary.id) as number;
    const track: Track = { req, ids, pod: p, pickedAt: now, tokens: 0 };
    tracks.set(req.id, track);
    inFlight.start(req.id, inFlightSize(request), { target: primary.id, prefill: prefill?.id }, now);
    pods[p].requests++;
    pods[p].active++;
    if (prefill && prefill.id !== primary.id) {
      track.prefillPod = podIndex.get(prefill.id) as number;
      pods[track.prefillPod].active++;
      track.prefillId = `${req.id}#prefill`;
      tracks.set(track.prefillId, track);
      submit(track.prefillPod, track.prefillId, req, ids, { maxTokens: 1, holdForRemoteDecode: true });
    } else {
      submit(p, req.id, req, ids);
    }
  };

  // Past flow control. With text prompts cache-manager tokenizes inside the Score: the Pick waits for
  // it, or for the precise lookup's deadline and falls back to the approximate index.
  const admitted = async (req: WorkloadRequest) => {
    if (!textMode || preciseTimeoutMs === undefined) return pick(req);
    let w = 0;
    for (let i = 1; i < tokenizerFreeAt.length; i++) if (tokenizerFreeAt[i] < tokenizerFreeAt[w]) w = i;
    const done = Math.max(now, tokenizerFreeAt[w]) + tokenizeMs(req.promptTokenIds.length, tokenizeCost);
    tokenizerFreeAt[w] = done;
    const deadline = now + preciseTimeoutMs;
    if (done > deadline) lateScores.add(req.id);
    queue.push({ at: Math.min(done, deadline), kind: 'pick', request: req });
  };

  let nextReport = performance.now() + 10_000;
  let events = 0;
  for (let e = queue.pop(); e; e = queue.pop()) {
    if (config.progress && (++events & 0xffff) === 0 && performance.now() >= nextReport) {
      nextReport = performance.now() + 10_000;
      config.progress({ finished: requests.length - remaining, total: requests.length, simMs: e.at, wallMs: performance.now() - wallStart });
    }
    now = e.at;
    if (e.kind === 'scrape') {
      for (const pod of pods) pod.scraped = { waiting: pod.core.numWaiting, running: pod.core.numRunning, kvCacheUsage: pod.core.kvUsage, at: now };
      for (const r of flow.release()) await admitted(r);
      if (goesOn(now + scrapeEvery)) queue.push({ at: now + scrapeEvery, kind: 'scrape' });
      if (Math.floor(now / 1000) !== Math.floor((now - scrapeEvery) / 1000)) speculative.sweep(now);
    } else if (e.kind === 'sync' && fleet) {
      fleet.sync(now);
      for (const r of flow.release()) await admitted(r);
      if (goesOn(now + fleet.syncMs)) queue.push({ at: now + fleet.syncMs, kind: 'sync' });
    } else if (e.kind === 'pod-ready' && fleet && e.pod !== undefined) {
      fleet.ready(pods[e.pod], now);
      for (const r of flow.release()) await admitted(r);
    } else if (e.kind === 'arrival' && e.request) {
      const req = e.request;
      const decision = flow.arrive(req, 0, 'default');
      if (decision.kind === 'admit') await admitted(req);
      else if (decision.kind === 'hold') queue.push({ at: now + decision.waitMs, kind: 'flow-timeout', request: req });
      else refuse(req, decision.reason);
    } else if (e.kind === 'flow-timeout' && e.request) {
      if (flow.timeout(e.request)) refuse(e.request, 'queue-timeout');
    } else if (e.kind === 'pick' && e.request) {
      await pick(e.request);
    } else if (e.kind === 'submit' && e.run) {
      e.run();
    } else if (e.kind === 'transfer-done' && e.track) {
      // The decode pod pulled the prefill pod's blocks: they go back to the prefill pod's pool.
      const t = e.track;
      if (t.prefillPod !== undefined && t.prefillId) {
        const pod = pods[t.prefillPod];
        pod.core.releaseHeld(t.prefillId);
        pod.active--;
        fleet?.drained(pod, now);
      }
    } else if (e.kind === 'kv-events' && e.pod !== undefined && e.events) {
      applier.apply(pods[e.pod].id, e.events, now);
    } else if (e.kind === 'step-end' && e.pod !== undefined && e.out) {
      const pod = pods[e.pod];
      const out = e.out;
      pod.stepping = false;
      if (out.durationMs > 0) {
        engine.steps++;
        engine.sequences += out.sequences;
        engine.decodes += out.decodes;
        engine.prefillTokens += out.prefillTokens;
        engine.preemptions += out.preemptions;
      }
      prefixQueries += out.prefixQueries;
      prefixHits += out.prefixHits;
      // Only the precise prefix scorer reads the index the KV events feed.
      if (out.kvEvents.length > 0 && preciseTimeoutMs !== undefined) queue.push({ at: now + kvDelay, kind: 'kv-events', pod: e.pod, events: out.kvEvents.map(toIndexEvent) });
      for (const t of out.firstTokens) {
        const track = tracks.get(t.id);
        if (!track || t.id !== track.req.id) continue; // the prefill side's single token is not the client's
        if (track.firstTokenAt !== undefined) continue;
        track.firstTokenAt = now;
        // The gateway's first-token notice: the pick's prefill charges leave.
        inFlight.firstToken(track.req.id);
      }
      for (const f of out.finished) {
        const track = tracks.get(f.id);
        if (!track) continue;
        if (track.prefillId === f.id) {
          // Prefill done: the decode pod pulls the KV and decodes (vLLM's NixlConnector protocol).
          // The scheduler counts the prefill pod's charge until the request completes (its only signal).
          tracks.delete(f.id);
          track.prefillCachedTokens = f.cachedTokens;
          const remote = Math.max(0, track.ids.length - 1);
          const transferMs = (remote * gpu.profile.kv_bytes_per_token) / (linkGbps * 1e6);
          submit(track.pod, track.req.id, track.req, track.ids, { remoteComputedTokens: remote, transferMs });
          // The pull starts once the decode pod has the request (after tokenizing a text prompt).
          queue.push({ at: now + podTokenizeMs(track.ids.length) + transferMs, kind: 'transfer-done', track });
          continue;
        }
        tracks.delete(f.id);
        const p = pods[track.pod];
        // The gateway's Complete: every charge of the pick leaves, and held requests may go.
        inFlight.complete(track.req.id);
        remaining--;
        // Tokens come one per step: the last with the finish, `generated` in all.
        track.lastTokenAt = now;
        track.tokens = f.generated;
        const first = track.firstTokenAt ?? now;
        p.active--;
        const outcome: RequestOutcome = {
          id: track.req.id,
          pod: p.id,
          prefillPod: track.prefillPod !== undefined ? pods[track.prefillPod].id : undefined,
          arrivalMs: track.req.arrivalMs,
          ttftMs: first - track.req.arrivalMs,
          itlMs: track.tokens > 1 ? ((track.lastTokenAt ?? first) - first) / (track.tokens - 1) : 0,
          e2eMs: now - track.req.arrivalMs,
          pickMs: track.pickedAt - track.req.arrivalMs,
          endMs: now,
          promptTokens: f.promptTokens,
          cachedTokens: f.cachedTokens,
          outputTokens: f.generated,
          ...(track.prefillCachedTokens !== undefined ? { prefillCachedTokens: track.prefillCachedTokens } : {}),
        };
        outcomes.push(outcome);
        if (fleet) {
          fleet.finished(outcome, track.prefillPod !== undefined ? [p, pods[track.prefillPod]] : [p]);
          fleet.drained(p, now);
        }
      }
      startStep(e.pod);
      for (const r of flow.release()) await admitted(r);
    }
  }
  if (remaining > 0) throw new Error(`${remaining} requests never finished`);
  const firstArrival = requests.reduce((m, r) => Math.min(m, r.arrivalMs), Infinity);
  const lastEnd = outcomes.reduce((m, o) => Math.max(m, o.arrivalMs + o.e2eMs), 0);
  return {
    outcomes,
    durationMs: lastEnd - firstArrival,
    prefixQueries,
    prefixHits,
    requestsPerPod: Object.fromEntries(pods.map((p) => [p.id, p.requests])),
    refused,
    preciseFallbacks,
    wallMs: performance.now() - wallStart,
    engine: { ...engine, busyMs: pods.reduce((ms, p) => ms + p.busyMs, 0) },
    ...(fleet ? { fleet: fleet.result(Math.max(fleet.horizonMs, now)) } : {}),
  };
}

const NO_HIT = { gpu: 0, cpu: 0, disk: 0 };

/** The precise scorer's lookup deadline in a picker config (its own default when unset); undefined without one. */
function preciseLookupTimeoutMs(config: { plugins: { type: string; parameters?: Record<string, unknown> }[] }): number | undefined {
  const precise = config.plugins.find((p) => p.type === precisePrefixCacheScorerDescriptor.type);
  return precise ? precisePrefixCacheScorerDescriptor.params.parse(precise.parameters ?? {}).timeoutMs : undefined;
}

function unknownProfile(name: string): never {
  throw new Error(`unknown profile "${name}" (one of ${Object.keys(SHIPPED_CONFIGS).join(', ')})`);
}

function toIndexEvent(e: StepOutput['kvEvents'][number]): IndexEvent {
  if (e.type === 'AllBlocksCleared') return e;
  const medium = e.medium === 'GPU' ? 'gpu' : 'cpu';
  if (e.type === 'BlockRemoved') return { type: 'BlockRemoved', blockHashes: e.blockHashes, medium };
  return { type: 'BlockStored', blockHashes: e.blockHashes, parentBlockHash: e.parentBlockHash ?? undefined, tokenIds: e.tokenIds, blockSize: e.blockSize, loraName: e.loraName ?? undefined, medium };
}
