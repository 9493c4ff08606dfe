// Structured output as vLLM serves it without a tool parser: a named `tool_choice` or `"required"`
// makes the model emit a tool call's arguments under guided decoding (JSON that fits the tool's
// parameter schema), and `response_format` json_object / json_schema makes the content JSON. The
// simulated model emits the smallest instance of the schema, token by token; `"auto"` tool choice
// needs a tool parser, which vLLM refuses without --enable-auto-tool-choice, and so does the sim.

/** What guided decoding makes the model emit instead of free text. */
export type ForcedOutput = { kind: 'tool'; name: string; text: string } | { kind: 'json'; text: string };

export class StructuredOutputError extends Error {
  constructor(
    message: string,
    readonly param: string,
  ) {
    super(message);
  }
}

interface ToolDef {
  type?: string;
  function?: { name?: unknown; parameters?: unknown };
}

type Schema = Record<string, unknown>;

const MAX_DEPTH = 8;

/** The smallest JSON value that fits `schema` (deterministic; `word` fills strings). */
export function schemaInstance(schema: unknown, word: string, depth = 0): unknown {
  if (schema === true || schema === undefined || schema === null || typeof schema !== 'object' || depth > MAX_DEPTH) return {};
  const s = schema as Schema;
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const options = s[key];
    if (Array.isArray(options) && options.length > 0) return schemaInstance(options[0], word, depth + 1);
  }
  const type = Array.isArray(s.type) ? (s.type.find((t) => t !== 'null') ?? 'null') : s.type;
  switch (type) {
    case 'string': {
      const min = typeof s.minLength === 'number' ? s.minLength : 0;
      const max = typeof s.maxLength === 'number' ? s.maxLength : Infinity;
      return word.padEnd(min, word).slice(0, Math.max(min, Math.min(max, word.length)));
    }
    case 'integer':
    case 'number': {
      const min = typeof s.minimum === 'number' ? s.minimum : typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum + 1 : undefined;
      const max = typeof s.maximum === 'number' ? s.maximum : undefined;
      const v = min ?? (max !== undefined ? Math.min(0, max) : 0);
      return type === 'integer' ? Math.ceil(v) : v;
    }
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'array': {
      const n = typeof s.minItems === 'number' ? Math.max(1, s.minItems) : 1;
      return Array.from({ length: n }, () => schemaInstance(s.items, word, depth + 1));
    }
    default: {
      const props = s.properties && typeof s.properties === 'object' ? (s.properties as Record<string, unknown>) : {};
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(props)) out[k] = schemaInstance(v, word, depth + 1);
      return out;
    }
  }
}

function toolsOf(body: Record<string, unknown>): ToolDef[] {
  return Array.isArray(body.tools) ? (body.tools as ToolDef[]) : [];
}

/**
 * What the request's tool choice or response format makes the model emit, or undefined for free text.
 * Throws StructuredOutputError (a 400 in vLLM's words) for a choice vLLM refuses.
 */
export function forcedOutput(kind: 'chat' | 'completion', body: Record<string, unknown>, seed: number): ForcedOutput | undefined {
  const word = ['sim', 'value', 'token', 'cache', 'route'][seed % 5];
  if (kind === 'chat') {
    const tools = toolsOf(body);
    // vLLM's default: "auto" when tools are given, "none" otherwise.
    const choice = body.tool_choice ?? (tools.length > 0 ? 'auto' : 'none');
    if (choice !== 'none') {
      if (tools.length === 0) throw new StructuredOutputError('When using `tool_choice`, `tools` must be set.', 'tool_choice');
      if (choice === 'auto') throw new StructuredOutputError('"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set', 'tool_choice');
      let tool: ToolDef | undefined;
      if (choice === 'required') {
        tool = tools[seed % tools.length];
      } else if (typeof choice === 'object' && choice !== null) {
        const name = (choice as { function?: { name?: unknown } }).function?.name;
        tool = tools.find((t) => t.function?.name === name);
        if (!tool) throw new StructuredOutputError(`Tool '${String(name)}' has not been passed in \`tools\`.`, 'tool_choice');
      } else {
        throw new StructuredOutputError(`Invalid tool_choice: ${JSON.stringify(choice)}`, 'tool_choice');
      }
      const name = tool.function?.name;
      if (typeof name !== 'string' || name.length === 0) throw new StructuredOutputError('Every tool needs a function name.', 'tools');
      return { kind: 'tool', name, text: JSON.stringify(schemaInstance(tool.function?.parameters ?? { type: 'object' }, word)) };
    }
  }
  const format = body.response_format as { type?: unknown; json_schema?: { schema?: unknown } } | null | undefined;
  if (format == null || format.type === 'text') return undefined;
  if (format.type === 'json_object') return { kind: 'json', text: JSON.stringify({ answer: word }) };
  if (format.type === 'json_schema') return { kind: 'json', text: JSON.stringify(schemaInstance(format.json_schema?.schema ?? { type: 'object' }, word)) };
  throw new StructuredOutputError(`Unknown response_format type: ${JSON.stringify(format.type)}`, 'response_format');
}
