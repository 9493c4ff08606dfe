// A command's flags, declared once: the parser, the type of the parsed values and the help text are
// all derived from this one declaration, so a flag cannot be documented and not parsed, or the reverse.

export type FlagType = 'string' | 'boolean' | 'integer' | 'number' | 'string-list' | 'integer-list' | 'number-list';

export interface FlagSpec {
  type: FlagType;
  /** One line for the help text. */
  description: string;
  /** One-letter alias (`-n`). */
  short?: string;
  /** The value when the flag is absent, written as a user would type it (`'4'`, `'3,6,10'`). */
  default?: string;
  /** The only values accepted (each item of a list too), as typed. */
  choices?: readonly string[];
  /** Bounds for numbers (each item of a number list too). */
  min?: number;
  max?: number;
  /** Numbers strictly above `min` (a time scale of 0 is not a time scale). */
  exclusiveMin?: boolean;
  /** Flags that cannot be given together with this one. */
  conflicts?: readonly string[];
  /** What the value is, in the help text (`N`, `MS`, `DIR`). @default derived from the type */
  valueName?: string;
}

export interface PositionalSpec {
  name: string;
  description: string;
  /** @default true */
  required?: boolean;
}

export interface CommandSpec<F extends Record<string, FlagSpec> = Record<string, FlagSpec>> {
  /** The whole command line prefix, e.g. `llmd bench routing`. */
  name: string;
  /** One line: what the command does. */
  summary: string;
  /** More lines for `--help` (what it starts, what it writes). */
  details?: string;
  positionals?: readonly PositionalSpec[];
  flags: F;
  /**
   * The arguments after the positionals belong to another program that checks them itself (vllm-sim's
   * vLLM flags): they are passed on as they are. The text says whose they are, for the help.
   */
  passThrough?: string;
}

type Scalar<S extends FlagSpec> = S['type'] extends 'boolean'
  ? boolean
  : S['type'] extends 'integer' | 'number'
    ? number
    : S['type'] extends 'number-list' | 'integer-list'
      ? number[]
      : S['type'] extends 'string-list'
        ? (S extends { choices: readonly (infer C)[] } ? C : string)[]
        : S extends { choices: readonly (infer C)[] }
          ? C
          : string;

/** Parsed values: a flag with a default (and every boolean) always has a value; others may be absent. */
export type FlagValues<F extends Record<string, FlagSpec>> = {
  [K in keyof F]: F[K] extends { default: string } ? Scalar<F[K]> : F[K]['type'] extends 'boolean' ? boolean : Scalar<F[K]> | undefined;
};

export interface ParsedCommand<F extends Record<string, FlagSpec>> {
  values: FlagValues<F>;
  /** Positionals by name. */
  positionals: Record<string, string | undefined>;
  /** The pass-through arguments (see CommandSpec.passThrough). */
  rest: string[];
}

/** Declares a command; `const` keeps the flag names and choices as literal types. */
export function defineCommand<const F extends Record<string, FlagSpec>>(spec: CommandSpec<F>): CommandSpec<F> {
  return spec;
}
