// Help text, generated from a command's declaration (see command-spec.ts).
import type { CommandSpec, FlagSpec } from './command-spec';
import { valueName } from './parse-command';
import type { UsageError } from './usage.error';

/** A command with subcommands (`llmd`, `llmd bench`), for its help: each child's name and summary. */
export interface CommandGroupHelp {
  name: string;
  summary: string;
  /** What the children are called in the usage line (`command`, `benchmark`). */
  childNoun: string;
  children: readonly { name: string; usage?: string; summary: string }[];
}

export function formatHelp(spec: CommandSpec): string {
  const positionals = (spec.positionals ?? []).map((p) => (p.required === false ? `[${p.name}]` : `<${p.name}>`));
  const lines = [`usage: ${[spec.name, ...positionals, Object.keys(spec.flags).length > 0 ? '[flags]' : '', spec.passThrough !== undefined ? '[...]' : ''].filter(Boolean).join(' ')}`, '', spec.summary];
  if (spec.details) lines.push('', spec.details);
  if (positionals.length > 0) {
    lines.push('', 'arguments:');
    lines.push(...columns((spec.positionals ?? []).map((p) => [`<${p.name}>`, p.description])));
  }
  lines.push('', 'flags:');
  const rows = Object.entries(spec.flags).map(([name, f]) => [flagLabel(name, f), flagText(f)] as [string, string]);
  rows.push(['-h, --help', 'print this help and exit; nothing is started']);
  lines.push(...columns(rows));
  if (spec.passThrough !== undefined) lines.push('', spec.passThrough);
  return `${lines.join('\n')}\n`;
}

export function formatGroupHelp(group: CommandGroupHelp): string {
  const lines = [`usage: ${group.name} <${group.childNoun}> [flags]`, '', group.summary, '', `${group.childNoun}s:`];
  lines.push(...columns(group.children.map((c) => [c.usage ? `${c.name} ${c.usage}` : c.name, c.summary])));
  lines.push('', `"${group.name} <${group.childNoun}> --help" prints a ${group.childNoun}'s flags and starts nothing.`);
  return `${lines.join('\n')}\n`;
}

export function formatUsageError(err: UsageError): string {
  return `${err.command}: ${err.message}\n(run "${err.command} --help" for its usage)\n`;
}

function flagLabel(name: string, f: FlagSpec): string {
  const value = f.type === 'boolean' ? '' : ` ${valueName(f)}`;
  return `${f.short ? `-${f.short}, ` : ''}--${name}${value}`;
}

function flagText(f: FlagSpec): string {
  const notes: string[] = [];
  if (f.default !== undefined) notes.push(`default ${f.default}`);
  if (f.min !== undefined && f.max !== undefined) notes.push(`${f.min} to ${f.max}`);
  else if (f.min !== undefined) notes.push(f.exclusiveMin ? `above ${f.min}` : `at least ${f.min}`);
  return notes.length > 0 ? `${f.description} (${notes.join('; ')})` : f.description;
}

function columns(rows: [string, string][]): string[] {
  const width = Math.min(40, Math.max(...rows.map(([a]) => a.length)) + 2);
  return rows.map(([a, b]) => (a.length + 2 > width ? `  ${a}\n  ${' '.repeat(width)}${b}` : `  ${a.padEnd(width)}${b}`));
}
