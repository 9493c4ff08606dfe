// The one way a command-line program here reads its arguments: help printed and exit 0, a refused
// command line printed and exit 2, both before the program starts anything.
import type { CommandSpec, FlagSpec, ParsedCommand } from './command-spec';
import { formatHelp, formatUsageError } from './help-text';
import { parseCommand } from './parse-command';
import { UsageError } from './usage.error';

export function parseOrExit<F extends Record<string, FlagSpec>>(spec: CommandSpec<F>, argv: readonly string[] = process.argv.slice(2)): ParsedCommand<F> {
  let parsed: ParsedCommand<F> | 'help';
  try {
    parsed = parseCommand(spec, argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(formatUsageError(err));
    process.exit(2);
  }
  if (parsed === 'help') {
    process.stdout.write(formatHelp(spec));
    process.exit(0);
  }
  return parsed;
}
