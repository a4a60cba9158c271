import type { StatusCause } from '@skiff/apimachinery';
import type { PodSecurityLevel } from './podSecurityChecks.js';

/**
 * A namespace's Pod Security policy from its `pod-security.kubernetes.io/<mode>` and
 * `<mode>-version` labels, as Kubernetes' PodSecurity admission reads them: a mode without a label
 * takes the cluster default (enforce: `--pod-security-default-enforce`; warn and audit:
 * privileged), a version without a label is `latest`.
 */

export const POD_SECURITY_MODES = ['enforce', 'warn', 'audit'] as const;
export type PodSecurityMode = (typeof POD_SECURITY_MODES)[number];

export const POD_SECURITY_LEVELS: readonly PodSecurityLevel[] = ['privileged', 'baseline', 'restricted'];

export interface LevelVersion {
  level: PodSecurityLevel;
  version: string;
}

export type PodSecurityPolicy = Record<PodSecurityMode, LevelVersion>;

export const POD_SECURITY_LABEL_PREFIX = 'pod-security.kubernetes.io/';
const VERSION = /^v1\.(0|[1-9][0-9]{0,3})$/;

export function isPodSecurityLevel(v: string): v is PodSecurityLevel {
  return (POD_SECURITY_LEVELS as readonly string[]).includes(v);
}

/** `restricted:latest`, as the messages name a policy. */
export function formatLevelVersion(lv: LevelVersion): string {
  return `${lv.level}:${lv.version}`;
}

/**
 * The policy `labels` ask for, and the label errors a namespace write is refused for. A bad level
 * is evaluated as restricted and a bad version as latest, so a namespace whose labels predate
 * validation fails closed.
 */
export function podSecurityPolicyOf(labels: Record<string, string> | undefined, defaultEnforce: PodSecurityLevel): { policy: PodSecurityPolicy; errors: StatusCause[] } {
  const errors: StatusCause[] = [];
  const policy = {} as PodSecurityPolicy;
  for (const mode of POD_SECURITY_MODES) {
    const levelKey = `${POD_SECURITY_LABEL_PREFIX}${mode}`;
    const versionKey = `${levelKey}-version`;
    const levelLabel = labels?.[levelKey];
    const versionLabel = labels?.[versionKey];
    let level: PodSecurityLevel = mode === 'enforce' ? defaultEnforce : 'privileged';
    if (levelLabel !== undefined) {
      if (isPodSecurityLevel(levelLabel)) level = levelLabel;
      else {
        level = 'restricted';
        errors.push(invalidLabel(levelKey, levelLabel, `must be one of ${POD_SECURITY_LEVELS.join(', ')}`));
      }
    }
    let version = 'latest';
    if (versionLabel !== undefined) {
      if (versionLabel === 'latest' || VERSION.test(versionLabel)) version = versionLabel;
      else errors.push(invalidLabel(versionKey, versionLabel, 'must be "latest" or "v1.x"'));
    }
    policy[mode] = { level, version };
  }
  return { policy, errors };
}

function invalidLabel(key: string, value: string, detail: string): StatusCause {
  return { field: `metadata.labels[${key}]`, reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(value)}: ${detail}` };
}
