// Public surface of the network module.
export { NetworkService } from './service.js';
export type { NetworkRecord, EndpointRequest, Endpoint, EndpointRecord, CreateNetworkOptions, NetworkServiceOptions } from './types.js';
export type { Upstream } from './dns/server.js';
export type { NetworkPolicy, PolicySource, LabelSelector } from './policy/types.js';
export { parsePolicy } from './policy/parse.js';
export { selectedAddresses, policyNetworksOf } from './policy/render.js';
export { checkCniRequest, checkCniPorts } from './cni/limits.js';
