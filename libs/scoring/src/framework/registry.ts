// Plugin descriptors (type string, parameter schema, factory) and the registry that holds them.
import { z } from 'zod';
import type { LatencyCostModels } from './latency-cost-model';
import type { AnyPlugin } from './plugin';
import type { SchedulingRequest } from './request';
import { SchedulingConfigError } from './scheduling-error';

/**
 * The precise prefix index, as the precise prefix scorer needs it (declared here, implemented by the
 * app over gRPC). Resolves each endpoint's cached-prefix score in [0,1]; rejects when unavailable.
 */
export interface PrefixCacheLookup {
  score(request: SchedulingRequest, endpointIds: readonly string[], deadlineMs: number): Promise<ReadonlyMap<string, number>>;
  /** Tells the index a prompt was just sent to `endpointId` (speculative entries); fire and forget. */
  recordPick?(request: SchedulingRequest, endpointId: string): void;
}

/** What a plugin factory may use besides its parameters. */
export interface PluginDeps {
  /** Random source in [0,1); seeded in tests and simulations. */
  random: () => number;
  /** Clock in ms. */
  now: () => number;
  /** The precise prefix index, where the app has one. */
  prefixCache?: PrefixCacheLookup;
  /** Counts a named fallback (e.g. precise -> approximate prefix scoring). */
  countFallback?: (reason: string) => void;
  /** Step costs by GPU profile, for latency prediction; plugins that predict refuse to build without it. */
  costModels?: LatencyCostModels;
}

export interface PluginDescriptor<P> {
  type: string;
  params: z.ZodType<P>;
  create(name: string, params: P, deps: PluginDeps): AnyPlugin;
}

export class PluginRegistry {
  private readonly descriptors = new Map<string, PluginDescriptor<unknown>>();

  register<P>(descriptor: PluginDescriptor<P>): this {
    if (this.descriptors.has(descriptor.type)) throw new Error(`plugin type ${descriptor.type} is already registered`);
    this.descriptors.set(descriptor.type, descriptor as PluginDescriptor<unknown>);
    return this;
  }

  types(): string[] {
    return [...this.descriptors.keys()].sort();
  }

  /** Validates `parameters` and builds the plugin; `field` names the config entry for errors. */
  create(field: string, type: string, name: string, parameters: unknown, deps: PluginDeps): AnyPlugin {
    const d = this.descriptors.get(type);
    if (!d) throw new SchedulingConfigError(`${field}.type`, `unknown plugin type "${type}" (known: ${this.types().join(', ')})`);
    const parsed = d.params.safeParse(parameters ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new SchedulingConfigError([`${field}.parameters`, ...issue.path.map(String)].join('.'), issue.message);
    }
    return d.create(name, parsed.data, deps);
  }
}
