// Public surface of the network module.
export { NetworkService } from './service.js';
export type { NetworkRecord, EndpointRequest, Endpoint, EndpointRecord, CreateNetworkOptions, NetworkServiceOptions } from './types.js';
export type { Upstream } from './dns/server.js';
