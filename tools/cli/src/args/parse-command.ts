// Parses a command line against its declaration with node's own strict parser: unknown flags, missing
// values and malformed numbers are refused with a UsageError naming the flag, before anything starts.
import { parseArgs } from 'node:util';
import type { CommandSpec, FlagSpec, FlagValues, ParsedCommand } from './command-spec';
import { UsageError } from './usage.error';

export const HELP_FLAGS = ['--help', '-h'];

/** True when the user asked for help (anywhere before a `--`). */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => HELP_FLAGS.includes(a));
}

/** The parsed command, or 'help' when `--help`/`-h` was given (nothing else is checked then). */
export function parseCommand<F extends Record<string, FlagSpec>>(spec: CommandSpec<F>, argv: readonly string[]): ParsedCommand<F> | 'help' {
  if (wantsHelp(argv)) return 'help';
  const positionalSpecs = spec.positionals ?? [];
  let own = [...argv];
  let rest: string[] = [];
  if (spec.passThrough !== undefined) {
    // The leading positionals are ours; everything after them is the other program's.
    const lead = own.slice(0, positionalSpecs.length);
    const flag = lead.find((a) => a.startsWith('-'));
    if (flag !== undefined) throw new UsageError(spec.name, `${flag} must come after ${positionalSpecs.map((p) => `<${p.name}>`).join(' ')}`);
    rest = own.slice(lead.length);
    own = lead;
  }
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: own,
      options: Object.fromEntries(Object.entries(spec.flags).map(([name, f]) => [name, { type: f.type === 'boolean' ? 'boolean' : 'string', ...(f.short ? { short: f.short } : {}) }])),
      strict: true,
      allowPositionals: positionalSpecs.length > 0,
    }) as typeof parsed;
  } catch (err) {
    throw new UsageError(spec.name, describeParseError(spec, err as Error & { code?: string }));
  }
  if (parsed.positionals.length > positionalSpecs.length) throw new UsageError(spec.name, `unexpected argument "${parsed.positionals[positionalSpecs.length]}"`);
  const positionals: Record<string, string | undefined> = {};
  positionalSpecs.forEach((p, i) => {
    const value = parsed.positionals[i];
    if (value === undefined && p.required !== false) throw new UsageError(spec.name, `missing <${p.name}> (${p.description})`);
    positionals[p.name] = value;
  });
  for (const [name, f] of Object.entries(spec.flags)) {
    const other = f.conflicts?.find((c) => parsed.values[c] !== undefined);
    if (parsed.values[name] !== undefined && other !== undefined) throw new UsageError(spec.name, `--${name} and --${other} exclude each other`);
  }
  const values: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(spec.flags)) {
    const raw = parsed.values[name] ?? f.default;
    values[name] = f.type === 'boolean' ? raw === true : raw === undefined ? undefined : convert(spec.name, name, f, String(raw));
  }
  return { values: values as FlagValues<F>, positionals, rest };
}

function convert(command: string, name: string, f: FlagSpec, raw: string): unknown {
  const fail = (what: string) => new UsageError(command, `--${name} ${what}, got "${raw}"`);
  if (f.type === 'string' || f.type === 'string-list') {
    const items = f.type === 'string' ? [raw] : splitList(raw);
    if (items.length === 0 || items.some((s) => s === '')) throw fail('needs a value');
    const bad = f.choices ? items.find((s) => !f.choices?.includes(s)) : undefined;
    if (bad !== undefined) throw fail(`must be ${f.type === 'string-list' ? 'a comma-separated list of' : 'one of'} ${f.choices?.join(', ')}`);
    return f.type === 'string' ? raw : items;
  }
  const list = f.type === 'number-list' || f.type === 'integer-list';
  const integer = f.type === 'integer' || f.type === 'integer-list';
  const items = list ? splitList(raw) : [raw];
  const numbers = items.map((s) => (s === '' || !/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(s) ? NaN : Number(s)));
  const kind = integer ? 'integer' : 'number';
  const noun = `${list ? `a comma-separated list of ${kind}s` : `a${integer ? 'n' : ''} ${kind}`}${rangeText(f)}`;
  if (items.length === 0 || numbers.some((n) => !Number.isFinite(n) || (integer && !Number.isInteger(n)))) throw fail(`must be ${noun}`);
  if (numbers.some((n) => (f.min !== undefined && (f.exclusiveMin ? n <= f.min : n < f.min)) || (f.max !== undefined && n > f.max))) throw fail(`must be ${noun}`);
  if (f.choices && numbers.some((n) => !f.choices?.includes(String(n)))) throw fail(`must be ${list ? 'a comma-separated list of' : 'one of'} ${f.choices.join(', ')}`);
  return list ? numbers : numbers[0];
}

function rangeText(f: FlagSpec): string {
  if (f.min !== undefined && f.max !== undefined) return ` from ${f.min}${f.exclusiveMin ? ' (exclusive)' : ''} to ${f.max}`;
  if (f.min !== undefined) return f.exclusiveMin ? ` above ${f.min}` : ` of at least ${f.min}`;
  if (f.max !== undefined) return ` of at most ${f.max}`;
  return '';
}

function splitList(raw: string): string[] {
  return raw.split(',').map((s) => s.trim());
}

/** node's messages name the option but not the fix; this says both, in the CLI's words. */
function describeParseError(spec: CommandSpec, err: Error & { code?: string }): string {
  // node writes an option as '--name', '-n' or '-n, --name': the long name is the one users know.
  const flag = /'(?:-\w, )?(--?[\w-]+)/.exec(err.message)?.[1];
  const arg = /'([^']*)'/.exec(err.message)?.[1];
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const hint = closest(flag ?? '', Object.keys(spec.flags));
      return `unknown flag ${flag}${hint ? ` (did you mean --${hint}?)` : ''}`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const name = flag?.replace(/^-+/, '') ?? '';
      const f = spec.flags[name] ?? Object.entries(spec.flags).find(([, s]) => s.short === name)?.[1];
      if (f?.type === 'boolean') return `${flag} takes no value`;
      // node will not take "-1" after a flag for its value (it could be a flag): it must be glued on.
      const dash = /ambiguous/.test(err.message) ? `; a value starting with "-" is written ${flag}=VALUE` : '';
      return `${flag} needs a value (${flag} ${f ? valueName(f) : 'VALUE'})${dash}`;
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument "${arg}" (this command takes flags only)`;
    default:
      return err.message;
  }
}

export function valueName(f: FlagSpec): string {
  if (f.valueName) return f.valueName;
  if (f.choices) return f.type === 'string-list' ? `${f.choices.join('|')},...` : f.choices.join('|');
  return { string: 'VALUE', boolean: '', integer: 'N', number: 'X', 'string-list': 'A,B,...', 'integer-list': 'N,N,...', 'number-list': 'X,X,...' }[f.type];
}

/** The name nearest to a typo (edit distance at most 2), if any. */
export function closest(typed: string, names: string[]): string | undefined {
  const word = typed.replace(/^-+/, '').replace(/=.*$/, '');
  let best: { name: string; d: number } | undefined;
  for (const name of names) {
    const d = distance(word, name);
    if (d <= 2 && (!best || d < best.d)) best = { name, d };
  }
  return best?.name;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}
