export interface RegistryConfigInput {
  port: number;
  storageDir: string;
  /** Turns on basic auth against this htpasswd file. */
  htpasswdPath?: string;
  /** Signs upload state; any value works for a single instance, set so the registry does not warn. */
  httpSecret: string;
}

/**
 * The registry's configuration (distribution v2.8, `docker-registry serve <file>`). Written as
 * JSON, which is YAML too, so no YAML writer is needed. Listens on 127.0.0.1 only: this registry
 * is for this machine's runtimes and tests, never for the network.
 */
export function registryConfig({ port, storageDir, htpasswdPath, httpSecret }: RegistryConfigInput): object {
  return {
    version: '0.1',
    log: { level: 'info', formatter: 'text' },
    storage: {
      filesystem: { rootdirectory: storageDir },
      // Lets callers remove test images (DELETE /v2/<name>/manifests/<digest>).
      delete: { enabled: true },
    },
    http: { addr: `127.0.0.1:${port}`, secret: httpSecret },
    ...(htpasswdPath === undefined ? {} : { auth: { htpasswd: { realm: 'skiff-registry', path: htpasswdPath } } }),
  };
}
