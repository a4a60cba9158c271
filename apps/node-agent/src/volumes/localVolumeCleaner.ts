import { rmSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { ConflictError, LOCAL_PATH_CLEANUP_FINALIZER, NotFoundError, shape, volumeNodeName, type KubeObject } from '@skiff/apimachinery';
import { Informer, resourceType, type ApiClient } from '@skiff/kube-client';
import type { PersistentVolume } from 'kubernetes-types/core/v1.js';
import type { Logger } from 'pino';

const PERSISTENTVOLUMES = resourceType('persistentvolumes');

/**
 * The directory a deleted local-path volume leaves to remove, if this node has to: the volume is
 * being deleted, still held by the cleanup finalizer, lives on this node, and its path lies inside
 * this agent's volume directory (nothing else is ever removed). Undefined otherwise.
 */
export function directoryToClean(pv: PersistentVolume, nodeName: string, volumeDir: string): string | undefined {
  if (!pv.metadata?.deletionTimestamp || !pv.metadata.finalizers?.includes(LOCAL_PATH_CLEANUP_FINALIZER)) return undefined;
  if (volumeNodeName(pv) !== nodeName) return undefined;
  const path = pv.spec?.local?.path ?? pv.spec?.hostPath?.path;
  if (!path) return undefined;
  const root = resolve(volumeDir);
  const target = resolve(path);
  return target.startsWith(root + sep) ? target : undefined;
}

/**
 * The node's half of the local-path provisioner: when the PV controller deletes a volume whose
 * claim is gone (reclaim policy Delete), the agent of the volume's node removes the directory and
 * then the finalizer that kept the volume object, so the volume disappears only once its data has.
 * Level-based: every add or change of a volume (and the first list, after a restart) is checked.
 */
export class LocalVolumeCleaner {
  private readonly informer: Informer;
  private readonly busy = new Set<string>();

  constructor(private readonly opts: { client: ApiClient; nodeName: string; volumeDir: string; log: Logger }) {
    const check = (obj: KubeObject) => void this.clean(obj);
    this.informer = new Informer(opts.client, PERSISTENTVOLUMES, { onAdd: check, onUpdate: check }, { log: opts.log });
  }

  start(): void {
    this.informer.start();
  }

  stop(): void {
    this.informer.stop();
  }

  private async clean(obj: KubeObject): Promise<void> {
    const name = obj.metadata.name!;
    const dir = directoryToClean(shape<PersistentVolume>(obj), this.opts.nodeName, this.opts.volumeDir);
    if (!dir || this.busy.has(name)) return;
    this.busy.add(name);
    try {
      rmSync(dir, { recursive: true, force: true });
      const finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== LOCAL_PATH_CLEANUP_FINALIZER);
      // The resourceVersion makes the write conditional: a newer version comes back through the informer.
      await this.opts.client.patch(PERSISTENTVOLUMES, undefined, name, { metadata: { finalizers, resourceVersion: obj.metadata.resourceVersion } });
      this.opts.log.info({ volume: name, path: dir }, 'removed the directory of a deleted local volume');
    } catch (err) {
      if (!(err instanceof NotFoundError) && !(err instanceof ConflictError)) this.opts.log.warn({ volume: name, err: (err as Error).message }, 'cleaning up a local volume failed');
    } finally {
      this.busy.delete(name);
    }
  }
}
