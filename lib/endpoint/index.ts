export { startEndpoint } from './server';
export type { EndpointHandle, EndpointOptions } from './server';
export { EndpointConfigError, EndpointError, httpStatusForCode } from './errors';
export { endpointFlags, endpointPaths } from './paths';
export type { EndpointFlags } from './paths';
