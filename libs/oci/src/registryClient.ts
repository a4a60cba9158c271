import { parseAuthChallenge, type AuthChallenge } from './parseAuthChallenge.js';
import { registryErrorFrom, RegistryUnreachableError } from './registryError.js';

export interface RegistryCredentials {
  username: string;
  password: string;
}

/** A response with its body read, so every connection goes back to the pool whatever the caller does. */
export interface RegistryResponse {
  status: number;
  headers: Headers;
  body: Buffer;
}

export interface RegistryRequest {
  headers?: Record<string, string>;
  body?: Buffer;
  /** Statuses that count as success; any other throws a RegistryError. */
  expect: number[];
}

/**
 * Requests against one repository of a registry, answering its 401 challenges: `Basic` with the
 * credentials, `Bearer` through the token flow (GET realm?service=&scope=, with the credentials
 * as Basic auth when there are any). The authorization is kept for later requests, so a push
 * fetches one token, not one per blob.
 */
export class RegistryClient {
  private authorization: string | undefined;

  constructor(
    readonly baseUrl: string,
    readonly repository: string,
    private readonly credentials?: RegistryCredentials,
    private readonly signal?: AbortSignal,
    /** What the token is asked for: a read-only credential may be refused `push`. */
    private readonly actions: 'pull' | 'pull,push' = 'pull,push',
  ) {}

  async request(method: string, url: string, request: RegistryRequest): Promise<RegistryResponse> {
    let response = await this.send(method, url, request);
    if (response.status === 401) {
      const authorization = await this.authorize(parseAuthChallenge(response.headers.get('www-authenticate')));
      // Retry once, and only with something new: the same credentials would only be refused again.
      if (authorization !== undefined && authorization !== this.authorization) {
        await response.body?.cancel();
        this.authorization = authorization;
        response = await this.send(method, url, request);
      }
    }
    if (!request.expect.includes(response.status)) throw await registryErrorFrom(response, method, url);
    return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
  }

  private async send(method: string, url: string, request: RegistryRequest): Promise<Response> {
    const headers: Record<string, string> = { ...request.headers };
    if (this.authorization !== undefined) headers.authorization = this.authorization;
    try {
      return await fetch(url, { method, headers, body: request.body, signal: this.signal });
    } catch (err) {
      if (this.signal?.aborted) throw err;
      throw new RegistryUnreachableError(url, err);
    }
  }

  private async authorize(challenge: AuthChallenge | undefined): Promise<string | undefined> {
    if (challenge?.scheme === 'basic') return this.credentials && basicAuthorization(this.credentials);
    if (challenge?.scheme === 'bearer' && challenge.params.realm) return `Bearer ${await this.fetchToken(challenge.params)}`;
    return undefined;
  }

  /** The token flow of the Docker Registry v2 auth spec (`GET <realm>?service=<service>&scope=<scope>`). */
  private async fetchToken(params: Record<string, string>): Promise<string> {
    const url = new URL(params.realm, this.baseUrl);
    if (params.service) url.searchParams.set('service', params.service);
    // Ask for push up front: the first challenge (a HEAD) may only name pull, and a second token
    // round trip per push buys nothing.
    const scopes = new Set([`repository:${this.repository}:${this.actions}`, ...(params.scope ? [params.scope] : [])]);
    for (const scope of scopes) url.searchParams.append('scope', scope);

    const headers: Record<string, string> = {};
    if (this.credentials) headers.authorization = basicAuthorization(this.credentials);
    let response: Response;
    try {
      response = await fetch(url, { headers, signal: this.signal });
    } catch (err) {
      if (this.signal?.aborted) throw err;
      throw new RegistryUnreachableError(url.href, err);
    }
    if (response.status !== 200) throw await registryErrorFrom(response, 'GET', url.href);
    const body = (await response.json().catch(() => ({}))) as { token?: unknown; access_token?: unknown };
    // Docker's token servers send `token`; OAuth2-style ones send `access_token`.
    const token = typeof body.token === 'string' ? body.token : body.access_token;
    if (typeof token !== 'string' || token === '') throw new Error(`token endpoint ${url.origin}${url.pathname} answered 200 without a token`);
    return token;
  }
}

function basicAuthorization({ username, password }: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}
