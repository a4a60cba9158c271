import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '@skiff/apimachinery';
import { Informer, resourceType } from '@skiff/kube-client';
import { logFilePath } from '../logs/containerLogs.js';
import { allContainers, podKey, podSpec, type Container } from './podSpec.js';
import type { ExecRequest, RuntimeRecord } from '../runtime/runtime.js';
import { readPodRecord, type PodRecord } from './podRecord.js';
import { PodWorker, type PodWorkerDeps } from './podWorker.js';
import { unmountUnder } from '../runtime/tmpfs.js';
import type { MeasuredContainer } from '../stats/statsCollector.js';
import { removeTree } from './removeTree.js';

const PODS = resourceType('pods');

export type PodManagerOptions = Omit<PodWorkerDeps, 'onRemoved'>;

export type LogTarget =
  | { ok: true; file: string; /** Settles when the container stops writing to `file`. */ until: Promise<unknown>; format?: 'raw' | 'cri' }
  | { ok: false; status: number; message: string };

/** The running container (or the pod's sandbox) an exec, attach or port-forward session goes to. */
export type StreamTarget =
  | {
      ok: true;
      record?: RuntimeRecord;
      sandboxId?: string;
      podIP?: string;
      container?: Container;
      pod: KubeObject;
      /** For runtimes that run exec sessions themselves. */
      execRequest?: (argv: string[]) => Promise<Omit<ExecRequest, 'timeoutMs'> | undefined>;
    }
  | { ok: false; status: number; message: string };

/**
 * The pods bound to this node: watches them (fieldSelector spec.nodeName=NODE) and keeps one
 * PodWorker per pod uid. At start it reads the pod records a previous agent left in the data
 * directory; after the first list, records of pods that are no longer bound here are orphans:
 * their processes are killed and their directories removed.
 */
export class PodManager {
  private readonly workers = new Map<string, PodWorker>();
  private readonly byKey = new Map<string, string>();
  private readonly leftovers = new Map<string, { dir: string; record: PodRecord }>();
  private readonly informer: Informer;
  private synced = false;
  private closing = false;

  constructor(private readonly opts: PodManagerOptions) {
    this.informer = new Informer(
      opts.client,
      PODS,
      {
        onAdd: (pod) => this.upsert(pod),
        onUpdate: (pod, old) => {
          if (old.metadata.uid !== pod.metadata.uid) this.workers.get(old.metadata.uid!)?.remove();
          this.upsert(pod);
        },
        onDelete: (pod) => this.workers.get(pod.metadata.uid!)?.remove(),
        onSynced: (pods) => {
          if (!this.synced) {
            this.synced = true;
            void this.removeOrphans(pods);
          }
        },
      },
      { fieldSelector: `spec.nodeName=${opts.nodeName}`, log: opts.log },
    );
  }

  start(): void {
    this.loadRecords();
    this.informer.start();
  }

  waitForSync(): Promise<void> {
    return this.informer.waitForSync();
  }

  get size(): number {
    return this.workers.size;
  }

  pods(): KubeObject[] {
    return [...this.workers.values()].map((w) => w.podObject);
  }

  /** Every container running now, for the stats collector and log rotation. */
  runningContainers(): (MeasuredContainer & { logFile: string })[] {
    const out: (MeasuredContainer & { logFile: string })[] = [];
    for (const w of this.workers.values()) {
      const pod = w.podObject;
      const podStartTime = (pod.status as { startTime?: string } | undefined)?.startTime;
      for (const c of allContainers(podSpec(pod))) {
        const run = w.containerRecord(c.name)?.current;
        if (!run?.process || run.terminated) continue;
        out.push({ pod: { namespace: pod.metadata.namespace!, name: pod.metadata.name!, uid: pod.metadata.uid! }, podStartTime, name: c.name, containerID: run.containerID, startedAt: run.startedAt, record: run.process, logFile: run.logFile });
      }
    }
    return out;
  }

  worker(namespace: string, name: string): PodWorker | undefined {
    const uid = this.byKey.get(`${namespace}/${name}`);
    return uid ? this.workers.get(uid) : undefined;
  }

  /** Where `kubectl logs` for a container is read from. */
  /** For exec and attach: CONTAINER must be running; without a container, the pod (port-forward). */
  streamTarget(namespace: string, name: string, container?: string): StreamTarget {
    const worker = this.worker(namespace, name);
    if (!worker) return { ok: false, status: 404, message: `pod ${namespace}/${name} not found on this node` };
    const pod = worker.podObject;
    const base = { pod, sandboxId: worker.sandboxId, podIP: worker.podIP };
    if (container === undefined) return { ok: true, ...base };
    const spec = podSpec(pod);
    const c = allContainers(spec).find((x) => x.name === container);
    if (!c) return { ok: false, status: 400, message: `container ${container} is not valid for pod ${name}` };
    const run = worker.containerRecord(container)?.current;
    if (!run?.process || run.terminated) return { ok: false, status: 400, message: `container ${container} is not running in pod ${name}` };
    return { ok: true, ...base, record: run.process, container: c, execRequest: (argv) => worker.execRequest(container, argv) };
  }

  logTarget(namespace: string, name: string, container: string, previous: boolean): LogTarget {
    const worker = this.worker(namespace, name);
    if (!worker) return { ok: false, status: 404, message: `pods "${name}" not found` };
    const spec = podSpec(worker.podObject);
    const known = allContainers(spec).some((c) => c.name === container);
    if (!known) return { ok: false, status: 400, message: `container ${container} is not valid for pod ${name}` };
    const rec = worker.containerRecord(container);
    if (previous) {
      const file = rec ? logFilePath(worker.dir, container, rec.restartCount - 1) : '';
      if (!rec || rec.restartCount === 0 || !existsSync(file)) {
        return { ok: false, status: 400, message: `previous terminated container "${container}" in pod "${name}" not found` };
      }
      return { ok: true, file, until: Promise.resolve(), format: this.opts.runtime.logFormat };
    }
    if (!rec?.current) return { ok: false, status: 400, message: `container "${container}" in pod "${name}" is waiting to start: ContainerCreating` };
    return { ok: true, file: rec.current.logFile, until: rec.current.terminated ? Promise.resolve() : worker.containerExited(container), format: this.opts.runtime.logFormat };
  }

  /** Stops watching; with `stopPods` the containers are stopped too, otherwise left for the next agent. */
  async close(stopPods: boolean, graceMs: number): Promise<void> {
    this.closing = true;
    this.informer.stop();
    await Promise.all([...this.workers.values()].map((w) => w.shutdown(stopPods, graceMs)));
    this.opts.runtime.close();
  }

  private upsert(pod: KubeObject): void {
    if (this.closing || !pod.metadata.uid) return;
    if (podSpec(pod).nodeName !== this.opts.nodeName) return;
    const uid = pod.metadata.uid;
    let worker = this.workers.get(uid);
    if (worker) {
      worker.update(pod);
      return;
    }
    const leftover = this.leftovers.get(uid);
    this.leftovers.delete(uid);
    worker = new PodWorker(pod, leftover?.record, { ...this.opts, onRemoved: (id) => this.forget(id) });
    this.workers.set(uid, worker);
    this.byKey.set(podKey(pod), uid);
    worker.trigger();
  }

  private forget(uid: string): void {
    const worker = this.workers.get(uid);
    this.workers.delete(uid);
    if (worker && this.byKey.get(worker.key) === uid) this.byKey.delete(worker.key);
  }

  private loadRecords(): void {
    const dir = this.opts.podsDir;
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const podDir = join(dir, name);
      const record = readPodRecord(podDir);
      if (record) this.leftovers.set(record.uid, { dir: podDir, record });
      else removeTree(podDir, this.opts.log);
    }
  }

  /** Kills what is left of pods that are no longer bound here and frees their addresses. */
  private async removeOrphans(pods: KubeObject[]): Promise<void> {
    const live = new Set(pods.map((p) => p.metadata.uid));
    const runtime = this.opts.runtime;
    for (const [uid, { dir, record }] of this.leftovers) {
      if (live.has(uid)) continue;
      this.leftovers.delete(uid);
      const log = this.opts.log.child({ pod: `${record.namespace}/${record.name}` });
      for (const rec of Object.values(record.containers)) {
        const proc = rec.current && !rec.current.terminated ? rec.current.process : undefined;
        if (!proc) continue;
        const adopted = await runtime.adopt(proc);
        if ('signal' in adopted) {
          log.info({ container: rec.name, containerID: rec.current?.containerID }, 'killing a container of a pod no longer bound to this node');
          adopted.signal('SIGKILL');
          await adopted.exited;
        }
        runtime.release(proc);
      }
      this.opts.ipam.release(uid);
      unmountUnder(dir);
      removeTree(dir, log);
    }
    for (const uid of this.opts.ipam.allocatedUids()) {
      if (!live.has(uid) && !this.workers.has(uid)) this.opts.ipam.release(uid);
    }
    // Sandboxes the runtime holds for pods that are gone (an agent that died before recording them).
    if (runtime.sandboxes) {
      try {
        for (const uid of await runtime.sandboxes.podUids()) {
          if (live.has(uid) || this.workers.has(uid)) continue;
          this.opts.log.info({ podUid: uid }, 'removing the sandbox of a pod no longer bound to this node');
          await runtime.sandboxes.removePodSandboxes(uid);
        }
      } catch (err) {
        this.opts.log.warn({ err: (err as Error).message }, 'sweeping orphaned pod sandboxes failed');
      }
    }
  }
}
