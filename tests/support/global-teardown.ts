// Stops the end-to-end suite's Kafka broker and removes its data.
import { rmSync } from 'node:fs';
import { builtCli } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const dir = process.env.LLMD_E2E_KAFKA_DIR;
  if (!dir) return;
  await builtCli().stopBroker({ dir });
  rmSync(dir, { recursive: true, force: true });
}
