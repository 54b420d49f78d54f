export { startEndpoint } from './server';
export type { EndpointHandle, EndpointOptions } from './server';
export { EndpointConfigError, EndpointError, httpStatusForCode } from './errors';
export { endpointFlags, endpointPaths } from './paths';
export type { EndpointFlags } from './paths';
// The pure request parsers, for their unit tests and the kit's own tools.
export { prepareQuery, parseMultipart } from './body';
export type { RequestBody } from './body';
export { requestEncoding } from './compression';
export { parseQueryRequest } from './request';
export { findInsertData, isEmptyQuery, maskedExcerpt, statementProblem } from './sql-scan';
export { AccessLog } from './access-log';
export type { AccessLogEntry } from './access-log';
export { FileSandbox } from './file-sandbox';
