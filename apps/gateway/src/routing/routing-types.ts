// The gateway's plain view of endpoints and picks (scheduler wire types are mapped to these at the edge).

export interface RouteEndpoint {
  id: string;
  address: string;
  models: string[];
  loraAdapters: string[];
}

export interface EndpointLoadView extends RouteEndpoint {
  waiting: number;
  running: number;
  inFlight: number;
  kvCacheUsage: number;
  healthy: boolean;
}

export interface RoutePick {
  target: RouteEndpoint;
  prefill?: RouteEndpoint;
  fallbacks: RouteEndpoint[];
  /** True when the gateway picked on its own because the scheduler did not answer in time. */
  failOpen: boolean;
}
