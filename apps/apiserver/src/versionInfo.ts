import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** `/version`, shaped like Kubernetes' version.Info of a 1.32 server. */
export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

/** The Kubernetes release whose API Skiff serves: kubectl 1.31-1.33 sees no version skew. */
const KUBERNETES_VERSION = { major: '1', minor: '32', patch: '0' };

export interface BuildState {
  /** Skiff's own version (package.json). */
  version: string;
  /** The checkout's HEAD, when running from a git checkout. */
  commit?: string;
  dirty?: boolean;
  /** There is no build step (ADR 001): the code is built, by tsx, when the process starts. */
  builtAt: Date;
}

/**
 * The version a server reports, from what it was built from:
 *   { version: '0.1.0', commit: '41852e0e671d...', dirty: true }
 *   -> gitVersion 'v1.32.0-skiff.0.1.0+41852e0e671d-dirty', gitTreeState 'dirty'
 * as Kubernetes' hack/lib/version.sh names a build between tags (`v1.32.0-5+abcdef123456-dirty`).
 * Outside a git checkout, gitCommit and gitTreeState are empty, as in an unstamped Kubernetes build.
 */
export function versionInfo(build: BuildState, runtime: { node: string; platform: string; arch: string } = { node: process.versions.node, platform: process.platform, arch: process.arch }): VersionInfo {
  const { major, minor, patch } = KUBERNETES_VERSION;
  const metadata = build.commit ? `+${build.commit.slice(0, 12)}${build.dirty ? '-dirty' : ''}` : '';
  return {
    major,
    minor,
    gitVersion: `v${major}.${minor}.${patch}-skiff.${build.version}${metadata}`,
    gitCommit: build.commit ?? '',
    gitTreeState: build.commit ? (build.dirty ? 'dirty' : 'clean') : '',
    buildDate: build.builtAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    goVersion: `node${runtime.node}`,
    compiler: 'v8',
    platform: `${runtime.platform}/${GO_ARCH[runtime.arch] ?? runtime.arch}`,
  };
}

/** Node's process.arch in Go's GOARCH words, as Kubernetes' platform field uses them. */
const GO_ARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' };

/** HEAD and whether the work tree differs from it (`git status --porcelain`, untracked files too, like version.sh). */
export async function readGitState(dir: string): Promise<{ commit: string; dirty: boolean } | undefined> {
  const git = (...args: string[]) => promisify(execFile)('git', ['-C', dir, ...args], { encoding: 'utf8', timeout: 10_000 });
  try {
    const commit = (await git('rev-parse', 'HEAD')).stdout.trim();
    if (!/^[0-9a-f]{40}$/.test(commit)) return undefined;
    const status = (await git('status', '--porcelain')).stdout;
    return { commit, dirty: status.trim().length > 0 };
  } catch {
    // Not a checkout (an unpacked tarball), or no git on the machine.
    return undefined;
  }
}

let current: Promise<VersionInfo> | undefined;

/** This process's version, read once from the checkout it runs from. */
export function currentVersionInfo(): Promise<VersionInfo> {
  current ??= (async () => {
    const builtAt = new Date();
    const here = dirname(fileURLToPath(import.meta.url));
    const pkg = JSON.parse(readFileSync(`${here}/../package.json`, 'utf8')) as { version: string };
    const git = await readGitState(here);
    return versionInfo({ version: pkg.version, commit: git?.commit, dirty: git?.dirty, builtAt });
  })();
  return current;
}
