// `llmd soak`: the soak lives with the benchmarks (tools/bench/src/soak) and, like them, declares its
// own command line; the CLI reads that declaration from the build (the bench tool depends on this CLI,
// so a compile-time import back would be a cycle) and runs it in its own process.
import { join } from 'node:path';
import { CommandSpec } from '../args';
import { DIST } from '../paths';
import { CliNode, command } from './cli-command';
import { runNode } from './run-node';

export function soakNode(): CliNode {
  const entry = join(DIST, 'tools/bench/src/soak/main.js');
  const spec = (require(entry) as { command?: CommandSpec }).command;
  if (!spec) throw new Error(`${entry} declares no command line (an exported \`command\`): rebuild with node tools/build.mjs`);
  return command(spec, (_parsed, argv) => runNode(entry, argv));
}
