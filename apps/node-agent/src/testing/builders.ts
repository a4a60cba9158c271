import type { KubeObject } from '@skiff/apimachinery';
import type { ContainerRecord, TerminatedState } from '../pods/podRecord.js';
import type { Container, PodSpec, Volume } from '../pods/podSpec.js';

/** Small builders for unit tests: `makePod('web').container('web').init('setup').build()`. */
export class PodBuilder {
  private readonly obj: KubeObject;

  constructor(name: string) {
    this.obj = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: { app: name } },
      spec: { nodeName: 'node-a', restartPolicy: 'Always', containers: [] } satisfies PodSpec,
      status: { phase: 'Pending' },
    };
  }

  private get spec(): PodSpec {
    return this.obj.spec as PodSpec;
  }

  container(name: string, extra: Partial<Container> = {}): this {
    this.spec.containers.push({ name, image: 'busybox', command: ['sleep', '1000'], ...extra });
    return this;
  }

  init(name: string, extra: Partial<Container> = {}): this {
    (this.spec.initContainers ??= []).push({ name, image: 'busybox', command: ['true'], ...extra });
    return this;
  }

  volume(v: Volume): this {
    (this.spec.volumes ??= []).push(v);
    return this;
  }

  restartPolicy(p: 'Always' | 'OnFailure' | 'Never'): this {
    this.spec.restartPolicy = p;
    return this;
  }

  status(status: Record<string, unknown>): this {
    this.obj.status = status;
    return this;
  }

  build(): KubeObject {
    return structuredClone(this.obj);
  }
}

export function makePod(name = 'web'): PodBuilder {
  return new PodBuilder(name);
}

export function terminated(exitCode: number, reason = exitCode === 0 ? 'Completed' : 'Error'): TerminatedState {
  return { exitCode, reason, startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:05Z', containerID: 'process://old' };
}

/** A container record: running, or finished with `exitCode`. */
export function record(name: string, state: 'running' | number, restartCount = 0, lastTerminated?: TerminatedState): ContainerRecord {
  return {
    name,
    restartCount,
    current: {
      containerID: `process://${name}-${restartCount}`,
      startedAt: '2026-01-01T00:00:00Z',
      logFile: `/logs/${name}/${restartCount}.log`,
      ...(state === 'running' ? {} : { terminated: terminated(state) }),
    },
    ...(lastTerminated ? { lastTerminated } : {}),
  };
}
