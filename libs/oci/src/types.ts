/**
 * One file-system object of a layer. Paths are absolute inside the image (`/bin/sh`); a leading
 * slash is optional. Owner defaults to root, so images built on any machine look the same.
 */
export interface LayerEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink';
  /** File bytes; a string is written as UTF-8. Only for `file`. */
  content?: Buffer | string;
  /** Permission bits including setuid/setgid/sticky (`0o1777`). Defaults: file 0644, dir 0755, symlink 0777. */
  mode?: number;
  /** Only for `symlink`; stored as given, so relative targets resolve against the link's directory. */
  linkTarget?: string;
  uid?: number;
  gid?: number;
}

/**
 * How a container of the image runs by default: the `config` object of the OCI image
 * configuration, with the spec's own field names so it reads like `docker inspect` output.
 */
export interface ContainerConfig {
  Entrypoint?: string[];
  Cmd?: string[];
  /** `NAME=value`, later entries win, as a runtime applies them. */
  Env?: string[];
  WorkingDir?: string;
  /** `user`, `uid`, `user:group` or `uid:gid`. */
  User?: string;
  /** Keys are `port/protocol` (`8080/tcp`); values are empty objects, as in the spec. */
  ExposedPorts?: Record<string, Record<string, never>>;
  StopSignal?: string;
  Labels?: Record<string, string>;
}

/** The platform recorded in the image configuration. */
export interface Platform {
  architecture: string;
  os: string;
}

export interface BuildImageInput {
  /** Bottom layer first, as a runtime stacks them. */
  layers: LayerEntry[][];
  config?: ContainerConfig;
  /** Defaults to linux/amd64. */
  platform?: Platform;
}

/** A gzipped layer tar as it is pushed, and the digest of its uncompressed tar for `rootfs.diff_ids`. */
export interface BuiltLayer {
  digest: string;
  diffId: string;
  /** Bytes of `data`, the compressed blob. */
  size: number;
  data: Buffer;
}

/** An OCI image held in memory: the exact bytes a registry stores, with their digests. */
export interface BuiltImage {
  manifest: Buffer;
  manifestDigest: string;
  config: Buffer;
  configDigest: string;
  layers: BuiltLayer[];
}
