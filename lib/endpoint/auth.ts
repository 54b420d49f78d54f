/**
 * Who is asking, by the three ways clickhouse-server accepts (X-ClickHouse-User/Key headers,
 * HTTP Basic, `user`/`password` URL parameters; never two at once), checked against the one
 * user the kit configures. Passwords are compared in constant time and never echoed.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { EndpointError } from './errors';

export interface Credentials {
  user: string;
  password: string;
  via: 'headers' | 'basic' | 'params' | 'none';
}

function header(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? '';
}

function mixed(a: string, b: string): EndpointError {
  return new EndpointError(
    'AUTHENTICATION_FAILED',
    `Invalid authentication: it is not allowed to use ${a} and ${b} simultaneously`,
  );
}

/** The credentials of a request, or the 516 error clickhouse-server gives for a malformed attempt. */
export function readCredentials(headers: IncomingHttpHeaders, search: URLSearchParams): Credentials {
  const headerUser = header(headers, 'x-clickhouse-user');
  const headerKey = header(headers, 'x-clickhouse-key');
  const authorization = header(headers, 'authorization');
  const inParams = search.has('user') || search.has('password');

  if (headerUser || headerKey) {
    if (authorization) throw mixed('X-ClickHouse HTTP headers', 'Authorization HTTP header');
    if (inParams) throw mixed('X-ClickHouse HTTP headers', 'authentication via parameters');
    if (!headerUser)
      throw new EndpointError('AUTHENTICATION_FAILED', 'Got an empty user name from X-ClickHouse HTTP headers');
    return { user: headerUser, password: headerKey, via: 'headers' };
  }
  if (authorization) {
    if (inParams) throw mixed('Authorization HTTP header', 'authentication via parameters');
    const space = authorization.indexOf(' ');
    const scheme = space < 0 ? authorization : authorization.slice(0, space);
    if (scheme.toLowerCase() !== 'basic') {
      throw new EndpointError(
        'AUTHENTICATION_FAILED',
        `Invalid authentication: '${printable(scheme)}' HTTP Authorization scheme is not supported`,
      );
    }
    const decoded = Buffer.from(authorization.slice(space + 1).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = colon < 0 ? decoded : decoded.slice(0, colon);
    if (!user)
      throw new EndpointError('AUTHENTICATION_FAILED', 'Got an empty user name from Authorization HTTP header');
    return { user, password: colon < 0 ? '' : decoded.slice(colon + 1), via: 'basic' };
  }
  if (inParams) {
    const user = search.get('user') ?? 'default';
    if (!user)
      throw new EndpointError('AUTHENTICATION_FAILED', 'Got an empty user name from authentication via parameters');
    return { user, password: search.get('password') ?? '', via: 'params' };
  }
  // Like clickhouse-server: no credentials means user `default` with an empty password.
  return { user: 'default', password: '', via: 'none' };
}

/** The configured user and password; `verify` takes the same time whatever the input. */
export class UserCheck {
  private readonly userDigest: Buffer;
  private readonly passwordDigest: Buffer;

  constructor(
    readonly user: string,
    password: string,
  ) {
    this.userDigest = digest(user);
    this.passwordDigest = digest(password);
  }

  verify(credentials: Credentials): boolean {
    // Both comparisons always run, so timing tells nothing about which part was wrong.
    const userOk = timingSafeEqual(digest(credentials.user), this.userDigest);
    const passwordOk = timingSafeEqual(digest(credentials.password), this.passwordDigest);
    return userOk && passwordOk;
  }

  /** clickhouse-server's answer to wrong credentials (the password never appears). */
  static failure(credentials: Credentials): EndpointError {
    return new EndpointError(
      'AUTHENTICATION_FAILED',
      `${printable(credentials.user)}: Authentication failed: password is incorrect, or there is no user with such name. If you use the kit, CLICKHOUSE_USER and CLICKHOUSE_PASSWORD in .env are the credentials`,
    );
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- replacing control characters is the point
  return text.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, 64);
}
