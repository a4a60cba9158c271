import type { KubeObject } from '@skiff/apimachinery';

/**
 * The API client speaks the loose KubeObject; controllers read a kind through its kubernetes-types
 * shape. These two are the one place that crosses between them (the API server validated the
 * object against its kind before storing it).
 */
export function asKind<T extends { kind?: string }>(obj: KubeObject): T {
  return obj as unknown as T;
}

export function asKubeObject<T extends { apiVersion?: string; kind?: string; metadata?: object }>(obj: T): KubeObject {
  return obj as unknown as KubeObject;
}
