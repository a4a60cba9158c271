import type { CustomResourceDefinition } from 'kubernetes-types/apiextensions/v1.js';
import type { Kind } from '../kinds/kind.js';
import { API_GROUPS, CONVERTED_VERSIONS, RESOURCE_TYPES } from '../kinds/registry.js';
import { groupVersion } from '../resources.js';
import { customResourceKinds } from './customResourceKind.js';
import { isEstablished } from './customResourceDefinitionStatus.js';

export interface ServedGroup {
  group: string;
  /** In discovery order: the preferred version first. */
  versions: string[];
}

/**
 * The kinds an API server serves at this moment: the built-in ones (`RESOURCE_TYPES`) and those
 * of the Established CustomResourceDefinitions it was last given. Routing, discovery and the
 * OpenAPI documents read it, so installing a CRD serves its kind at once and deleting it stops
 * serving it. `generation` changes whenever the set of kinds does.
 */
export class KindRegistry {
  private custom: Kind[] = [];
  private customGroups: ServedGroup[] = [];
  private gen = 0;

  get generation(): number {
    return this.gen;
  }

  /** Serves what `crds` define (Established ones only); kinds of CRDs not listed stop being served. */
  setCustomResourceDefinitions(crds: readonly CustomResourceDefinition[]): void {
    const served = crds.filter(isEstablished).sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
    const kinds: Kind[] = [];
    const groups = new Map<string, Set<string>>();
    for (const crd of served) {
      // Built-in kinds win: a CRD cannot take over a group kube-apiserver serves itself.
      if (API_GROUPS.some((g) => g.group === crd.spec.group) || crd.spec.group === '') continue;
      for (const kind of customResourceKinds(crd)) {
        if (crd.metadata?.deletionTimestamp) kind.verbs = kind.verbs.filter((v) => v !== 'create');
        kinds.push(kind);
        if (!groups.has(kind.group)) groups.set(kind.group, new Set());
        groups.get(kind.group)!.add(kind.version);
      }
    }
    this.custom = kinds;
    this.customGroups = [...groups].map(([group, versions]) => ({ group, versions: [...versions].sort(compareKubeVersions) }));
    this.gen++;
  }

  all(): Kind[] {
    return [...RESOURCE_TYPES, ...CONVERTED_VERSIONS, ...this.custom];
  }

  /** API groups in discovery order (built-in first), with their versions. */
  groups(): ServedGroup[] {
    return [...API_GROUPS.map((g) => ({ group: g.group, versions: [...g.versions] })), ...this.customGroups];
  }

  servesGroupVersion(group: string, version: string): boolean {
    return group === '' ? version === 'v1' : this.groups().some((g) => g.group === group && g.versions.includes(version));
  }

  findResource(group: string, version: string, resource: string): Kind | undefined {
    return this.all().find((t) => t.group === group && t.version === version && t.resource === resource);
  }

  findByKind(apiVersion: string, kind: string): Kind | undefined {
    return this.all().find((t) => groupVersion(t) === apiVersion && t.kind === kind);
  }

  resourcesIn(group: string, version: string): Kind[] {
    return this.all().filter((t) => t.group === group && t.version === version);
  }
}

/**
 * Kubernetes' version priority: GA before beta before alpha, higher numbers first, then versions
 * that do not look like Kubernetes versions, alphabetically (`v2, v1, v1beta2, v1beta1, v1alpha1, foo`).
 */
export function compareKubeVersions(a: string, b: string): number {
  const rank = (v: string): [number, number, number, string] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [3, 0, 0, v];
    const stage = m[2] === 'alpha' ? 2 : m[2] === 'beta' ? 1 : 0;
    return [stage, -Number(m[1]), -Number(m[3] ?? 0), v];
  };
  const [x, y] = [rank(a), rank(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  return x[3].localeCompare(y[3]);
}
