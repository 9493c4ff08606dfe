// Starts a dedicated real Kafka broker for the end-to-end suite, on ephemeral ports in a temporary
// folder, so tests never touch a broker a developer has running on 9092.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Cli from '@llmd/cli';

/** Global setup runs outside jest's module mapping, so the CLI comes from the build (`npm run build`). */
export function builtCli(): typeof Cli {
  const entry = join(__dirname, '..', '..', 'dist', 'tools', 'cli', 'src', 'index.js');
  if (!existsSync(entry)) throw new Error('dist/ is missing: run `npm run build` (npm test does) before the end-to-end suite');
  return require(entry);
}

export default async function globalSetup(): Promise<void> {
  const cli = builtCli();
  const [port, controllerPort] = await cli.freePorts(2);
  const dir = mkdtempSync(join(tmpdir(), 'llmd-e2e-kafka-'));
  const broker = await cli.startBroker({ port, controllerPort, dir, heap: '384m' }, (line) => process.stdout.write(`\n${line}`));
  await cli.ensureTopics(broker.bootstrap);
  // Services join consumer groups at once: wait until the broker coordinates groups and hands out producer ids (no start-up warnings).
  await cli.waitForBrokerServing(broker.bootstrap);
  process.env.LLMD_E2E_KAFKA = broker.bootstrap;
  process.env.LLMD_E2E_KAFKA_DIR = dir;
}
