// Starts a dedicated real Kafka broker for the end-to-end suite, on ephemeral ports in a temporary
// folder, so tests never touch a broker a developer has running on 9092.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from '../../tools/cli/src/kafka/kafka-broker';
import { DIST } from '../../tools/cli/src/paths';
import { freePorts } from '../../tools/cli/src/stack/free-port';

export default async function globalSetup(): Promise<void> {
  if (!existsSync(join(DIST, 'apps/gateway/src/main.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does) before the end-to-end suite');
  const [port, controllerPort] = await freePorts(2);
  const dir = mkdtempSync(join(tmpdir(), 'llmd-e2e-kafka-'));
  const broker = await startBroker({ port, controllerPort, dir, heap: '384m' }, (line) => process.stdout.write(`\n${line}`));
  // Global setup runs outside jest's module mapping, so the aliased topics module comes from the build.
  const { ensureTopics } = require(join(DIST, 'tools/cli/src/kafka/topics.js')) as typeof import('../../tools/cli/src/kafka/topics');
  await ensureTopics(broker.bootstrap);
  process.env.LLMD_E2E_KAFKA = broker.bootstrap;
  process.env.LLMD_E2E_KAFKA_DIR = dir;
}
