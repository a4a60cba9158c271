import type { KubeObject } from '@skiff/apimachinery';

/**
 * The API client takes the loose KubeObject; a controller builds a child with its kind's
 * kubernetes-types shape and crosses back here (the reverse of apimachinery's `shape`).
 */
export function asKubeObject<T extends { apiVersion?: string; kind?: string; metadata?: object }>(obj: T): KubeObject {
  return obj as unknown as KubeObject;
}
