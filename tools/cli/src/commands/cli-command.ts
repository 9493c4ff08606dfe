// The CLI's command tree: a command is a declaration (flags, help) and what runs it; a group names its
// children. dispatch() walks the tree, answers --help from the declarations, refuses a bad command line
// with a UsageError, and only then runs the command.
import { closest, CommandSpec, FlagSpec, formatGroupHelp, formatHelp, parseCommand, ParsedCommand, UsageError, wantsHelp } from '../args';

export interface CliCommand {
  kind: 'command';
  spec: CommandSpec;
  /** Runs it with its parsed command line (and the raw one, for a command that passes it on). */
  run(parsed: ParsedCommand<Record<string, FlagSpec>>, argv: readonly string[]): Promise<number>;
}

export interface CliGroup {
  kind: 'group';
  name: string;
  summary: string;
  /** What a child is called in the usage line (`command`, `benchmark`). */
  childNoun: string;
  /** Children by name, made on demand (a benchmark's declaration is loaded only when needed). */
  children: Record<string, () => CliNode>;
  /** Exit code when no child is named. @default 2 */
  bareExitCode?: number;
}

export type CliNode = CliCommand | CliGroup;

export function command<F extends Record<string, FlagSpec>>(spec: CommandSpec<F>, run: (parsed: ParsedCommand<F>, argv: readonly string[]) => Promise<number>): CliCommand {
  return { kind: 'command', spec: spec as CommandSpec, run: run as CliCommand['run'] };
}

export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

/**
 * Runs the command `argv` names under `node`. Help and a refused command line come back as exit codes
 * (0 and 2) without running anything; a command's own failures propagate.
 */
export async function dispatch(node: CliNode, argv: readonly string[], io: CliOutput): Promise<number> {
  if (node.kind === 'command') {
    const parsed = parseCommand(node.spec, argv);
    if (parsed === 'help') {
      io.out(formatHelp(node.spec));
      return 0;
    }
    return node.run(parsed, argv);
  }
  const [first, ...rest] = argv;
  if (first === undefined || wantsHelp([first])) {
    io.out(groupHelp(node));
    return first === undefined ? (node.bareExitCode ?? 2) : 0;
  }
  // `llmd help bench routing` is `llmd bench routing --help`.
  if (first === 'help') return dispatch(node, rest.length > 0 ? [...rest, '--help'] : ['--help'], io);
  const child = node.children[first];
  if (!child) {
    const hint = first.startsWith('-') ? undefined : closest(first, Object.keys(node.children));
    const what = first.startsWith('-') ? `unknown flag ${first} (flags come after the ${node.childNoun})` : `unknown ${node.childNoun} "${first}"${hint ? ` (did you mean ${hint}?)` : ''}`;
    throw new UsageError(node.name, `${what}; ${node.childNoun}s: ${Object.keys(node.children).join(', ')}`);
  }
  return dispatch(child(), rest, io);
}

function groupHelp(group: CliGroup): string {
  const children = Object.entries(group.children).map(([name, make]) => {
    const child = make();
    if (child.kind === 'group') return { name, usage: `<${child.childNoun}>`, summary: child.summary };
    const positionals = (child.spec.positionals ?? []).map((p) => (p.required === false ? `[${p.name}]` : `<${p.name}>`)).join(' ');
    return { name, usage: positionals || undefined, summary: child.spec.summary };
  });
  return formatGroupHelp({ name: group.name, summary: group.summary, childNoun: group.childNoun, children });
}
