// Reads a model directory in Hugging Face layout (tokenizer.json, tokenizer_config.json, optional
// chat_template.jinja) into the few fields a server needs, refusing bad shapes with the field named.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TokenizerLoadError } from './tokenizer-load.error';

/** The parts of a model's tokenizer_config.json (and chat template) that rendering and encoding use. */
export interface TokenizerSettings {
  tokenizerFile: string;
  /** Jinja chat template; undefined when the model ships none. */
  chatTemplate?: string;
  bosToken?: string;
  eosToken?: string;
  /** tokenizer_config.json's add_bos_token; undefined leaves BOS to tokenizer.json's post-processor. */
  addBosToken?: boolean;
}

/** tokenizer_config.json names tokens as plain strings or as AddedToken objects ({content, ...}). */
function tokenText(value: unknown, field: string, file: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') return (value as { content: string }).content;
  throw new TokenizerLoadError(file, `field ${field} must be a string or an object with a string content`);
}

/** chat_template is a string, or (older configs) a list of named templates of which `default` is used. */
function templateText(value: unknown, file: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const named = value as { name?: unknown; template?: unknown }[];
    const chosen = named.find((t) => t?.name === 'default') ?? named[0];
    if (chosen && typeof chosen.template === 'string') return chosen.template;
  }
  throw new TokenizerLoadError(file, 'field chat_template must be a string or a list of {name, template}');
}

export function readTokenizerSettings(dir: string): TokenizerSettings {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new TokenizerLoadError(dir, 'not a directory');
  const tokenizerFile = join(dir, 'tokenizer.json');
  if (!existsSync(tokenizerFile)) throw new TokenizerLoadError(tokenizerFile, 'file missing (a model directory in Hugging Face layout has tokenizer.json)');
  const configFile = join(dir, 'tokenizer_config.json');
  let config: Record<string, unknown> = {};
  if (existsSync(configFile)) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(configFile, 'utf8'));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
      config = parsed as Record<string, unknown>;
    } catch (err) {
      throw new TokenizerLoadError(configFile, `invalid JSON: ${(err as Error).message}`);
    }
  }
  const templateFile = join(dir, 'chat_template.jinja');
  // A chat_template.jinja beside the config wins over the config's field, as transformers loads it.
  const chatTemplate = existsSync(templateFile) ? readFileSync(templateFile, 'utf8') : templateText(config.chat_template, configFile);
  const addBos = config.add_bos_token;
  if (addBos !== undefined && typeof addBos !== 'boolean') throw new TokenizerLoadError(configFile, 'field add_bos_token must be a boolean');
  return {
    tokenizerFile,
    chatTemplate,
    bosToken: tokenText(config.bos_token, 'bos_token', configFile),
    eosToken: tokenText(config.eos_token, 'eos_token', configFile),
    addBosToken: addBos,
  };
}
