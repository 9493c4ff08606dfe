import { forcedOutput, schemaInstance, StructuredOutputError } from './structured-output';

describe('schemaInstance', () => {
  it.each([
    ['a string', { type: 'string' }, 'sim'],
    ['a string with a minimum length', { type: 'string', minLength: 5 }, 'simsi'],
    ['an enum', { type: 'string', enum: ['b', 'a'] }, 'b'],
    ['a const', { const: 42 }, 42],
    ['an integer with a minimum', { type: 'integer', minimum: 3 }, 3],
    ['a number below a maximum', { type: 'number', maximum: -2 }, -2],
    ['a boolean', { type: 'boolean' }, true],
    ['a nullable type', { type: ['null', 'integer'] }, 0],
    ['an array with minItems', { type: 'array', items: { type: 'integer' }, minItems: 2 }, [0, 0]],
    ['the first of anyOf', { anyOf: [{ type: 'boolean' }, { type: 'string' }] }, true],
    ['an object with every property', { type: 'object', properties: { a: { type: 'string' }, b: { type: 'object', properties: { c: { type: 'null' } } } } }, { a: 'sim', b: { c: null } }],
    ['anything (no schema)', undefined, {}],
  ])('%s', (_name, schema, value) => {
    expect(schemaInstance(schema, 'sim')).toEqual(value);
  });

  it('stops at a depth bound on recursive-looking schemas', () => {
    let schema: Record<string, unknown> = { type: 'object', properties: {} };
    const root = schema;
    for (let i = 0; i < 20; i++) {
      const next = { type: 'object', properties: {} };
      (schema.properties as Record<string, unknown>).x = next;
      schema = next;
    }
    expect(JSON.stringify(schemaInstance(root, 'sim')).length).toBeLessThan(100);
  });
});

describe('forcedOutput', () => {
  const tool = (name: string) => ({ type: 'function', function: { name, parameters: { type: 'object', properties: { q: { type: 'string' } } } } });

  it('is free text without a tool choice or response format, and with tool_choice "none"', () => {
    expect(forcedOutput('chat', { messages: [] }, 0)).toBeUndefined();
    expect(forcedOutput('chat', { tools: [tool('a')], tool_choice: 'none' }, 0)).toBeUndefined();
    expect(forcedOutput('completion', { response_format: { type: 'text' } }, 0)).toBeUndefined();
  });

  it('calls the named tool, or one of the tools when a call is required', () => {
    expect(forcedOutput('chat', { tools: [tool('a'), tool('b')], tool_choice: { type: 'function', function: { name: 'b' } } }, 0)).toEqual({ kind: 'tool', name: 'b', text: '{"q":"sim"}' });
    expect(forcedOutput('chat', { tools: [tool('a'), tool('b')], tool_choice: 'required' }, 1)).toMatchObject({ kind: 'tool', name: 'b' });
  });

  it('answers JSON for json_object and json_schema, on completions too', () => {
    expect(JSON.parse(forcedOutput('completion', { response_format: { type: 'json_object' } }, 0)!.text)).toEqual({ answer: 'sim' });
    expect(forcedOutput('chat', { response_format: { type: 'json_schema', json_schema: { schema: { type: 'integer' } } } }, 0)).toEqual({ kind: 'json', text: '0' });
  });

  it.each([
    ['auto', { tools: [tool('a')] }, 'tool_choice'],
    ['a missing tool', { tools: [tool('a')], tool_choice: { type: 'function', function: { name: 'z' } } }, 'tool_choice'],
    ['no tools', { tool_choice: 'required' }, 'tool_choice'],
    ['an unknown format', { response_format: { type: 'yaml' } }, 'response_format'],
  ])('refuses %s, naming the field', (_name, body, param) => {
    let err: unknown;
    try {
      forcedOutput('chat', body, 0);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StructuredOutputError);
    expect((err as StructuredOutputError).param).toBe(param);
  });
});
