// The design's dependency arrows are enforced by lint: each forbidden import below is refused.
// (The Nx project graph must exist first: tools/test-all.sh runs `nx show projects` before the tests.)
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

interface LintMessage {
  ruleId: string | null;
  severity: number;
  message: string;
}

/** Lints `code` as if it were the file at `filePath`, with the workspace's own config, through the eslint CLI. */
function lint(filePath: string, code: string): LintMessage[] {
  const run = spawnSync(join(root, 'node_modules/.bin/eslint'), ['--stdin', '--stdin-filename', join(root, filePath), '--format', 'json'], { cwd: root, input: code, encoding: 'utf8' });
  const [result] = JSON.parse(run.stdout) as { messages: LintMessage[] }[];
  return result.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries');
}

describe('module boundaries', () => {
  beforeAll(() => {
    execFileSync(join(root, 'node_modules/.bin/nx'), ['show', 'projects'], { cwd: root, env: { ...process.env, NX_DAEMON: 'false' }, stdio: 'ignore' });
  });

  it.each([
    ['a domain lib importing platform', 'libs/scoring/src/x.ts', "import { createLogger } from '@llmd/platform';", /type:domain" can only depend on/],
    ['a pure lib importing generated wire types', 'libs/openai/src/x.ts', "import { schedulerv1 } from '@llmd/proto';", /purity:pure" can only depend on/],
    ['a pure lib doing I/O', 'libs/scoring/src/x.ts', "import { Kafka } from 'kafkajs';", /not allowed to import "kafkajs"/],
    ['generated code importing our libs', 'libs/proto/src/x.ts', "import { LruChunkIndex } from '@llmd/prefix-hash';", /type:generated" cannot depend/],
    ['platform importing an app', 'libs/platform/src/x.ts', "import { GatewayModule } from '../../../apps/gateway/src/gateway.module';", /relative or absolute path|Imports of apps are forbidden/],
    ['an app importing another app', 'apps/gateway/src/x.ts', "import { SchedulerModule } from '../../scheduler/src/scheduler.module';", /relative or absolute path|Imports of apps are forbidden/],
    // Scopes: the scheduler must not ship the simulator, and no service ships another's domain.
    ['the scheduler importing the simulated engine', 'apps/scheduler/src/x.ts', "import { EngineCore } from '@llmd/sim-engine';", /scope:scheduler" can only depend on/],
    ['the scoring lib importing the simulated engine', 'libs/scoring/src/x.ts', "import { EngineCore } from '@llmd/sim-engine';", /scope:scheduler" can only depend on/],
    ['cache-manager importing the scheduling framework', 'apps/cache-manager/src/x.ts', "import { Scheduler } from '@llmd/scoring';", /scope:cache-manager" can only depend on/],
    ['the gateway importing the KV index', 'apps/gateway/src/x.ts', "import { InMemoryKvBlockIndex } from '@llmd/kv-index';", /scope:gateway" can only depend on/],
    ['the KV index importing the scheduling framework', 'libs/kv-index/src/x.ts', "import { Scheduler } from '@llmd/scoring';", /scope:cache" can only depend on/],
    ['a shared lib importing the simulated engine', 'libs/openai/src/x.ts', "import { EngineCore } from '@llmd/sim-engine';", /scope:shared" can only depend on/],
  ])('refuses %s', (_name, filePath, code, message) => {
    const boundary = lint(filePath, `${code}\nexport const used = [${code.match(/import \{ (\w+) \}/)![1]}];\n`);
    expect(boundary.map((m) => m.message).join('\n')).toMatch(message);
    expect(boundary[0].severity).toBe(2);
  });

  it.each([
    ['an app importing platform, domain and generated libs', 'apps/gateway/src/x.ts', "import { createLogger } from '@llmd/platform';\nimport { TOPICS } from '@llmd/telemetry';\nimport { schedulerv1 } from '@llmd/proto';\nexport const used = [createLogger, TOPICS, schedulerv1];\n"],
    ['telemetry codecs using generated code', 'libs/telemetry/src/x.ts', "import { telemetryv1 } from '@llmd/proto';\nexport const used = [telemetryv1];\n"],
    ['the scheduler using the measured GPU cost tables', 'apps/scheduler/src/x.ts', "import { costModelFor } from '@llmd/gpu-cost';\nexport const used = [costModelFor];\n"],
    ['the simulated engine using the GPU cost tables', 'libs/sim-engine/src/x.ts', "import { CostModel } from '@llmd/gpu-cost';\nexport const used = [CostModel];\n"],
    ['the routing study running scheduler, cache-manager and engine policies together', 'tools/bench/src/x.ts', "import { Scheduler } from '@llmd/scoring';\nimport { InMemoryKvBlockIndex } from '@llmd/kv-index';\nimport { EngineCore } from '@llmd/sim-engine';\nexport const used = [Scheduler, InMemoryKvBlockIndex, EngineCore];\n"],
  ])('allows %s', (_name, filePath, code) => {
    expect(lint(filePath, code)).toEqual([]);
  });
});
