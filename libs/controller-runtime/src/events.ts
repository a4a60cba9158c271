import { randomBytes } from 'node:crypto';
import { groupVersion, redactCredentials, type KubeObject, type ResourceType } from '@skiff/apimachinery';
import { resourceType, type ApiClient } from '@skiff/kube-client';
import type { Logger } from 'pino';

const EVENTS = resourceType('events');

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Records Kubernetes Events (`kubectl describe`, `kubectl get events`) for what a component did.
 * Recording never fails the caller: a lost event is logged, not thrown.
 */
export class EventRecorder {
  constructor(
    private readonly client: ApiClient,
    private readonly component: string,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** `annotations` carry machine-readable details (Flux's event metadata), e.g. the revision. */
  async record(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, text: string, annotations?: Record<string, string>): Promise<void> {
    // Messages may quote a repository URL; an Event (and the webhook it becomes) never holds its credentials.
    const message = redactCredentials(text);
    const at = rfc3339(this.now());
    const namespace = obj.metadata.namespace ?? 'default';
    const event: KubeObject = {
      apiVersion: 'v1',
      kind: 'Event',
      // The object's name is cut so that name + '.' + 16 hex digits fits a DNS subdomain (253).
      metadata: { name: `${(obj.metadata.name ?? '').slice(0, 236)}.${randomBytes(8).toString('hex')}`, namespace, ...(annotations ? { annotations } : {}) },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: obj.metadata.name,
        namespace: obj.metadata.namespace,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
      },
      reason,
      message,
      type,
      source: { component: this.component },
      reportingComponent: this.component,
      reportingInstance: this.component,
      firstTimestamp: at,
      lastTimestamp: at,
      count: 1,
    };
    this.log.info({ key: `${obj.kind}/${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`, reason, type }, message);
    try {
      await this.client.create(EVENTS, event);
    } catch (err) {
      this.log.warn({ err: (err as Error).message, reason }, 'recording an event failed');
    }
  }
}

export function typeOfObject(obj: KubeObject, types: readonly ResourceType[]): ResourceType | undefined {
  return types.find((t) => groupVersion(t) === obj.apiVersion && t.kind === obj.kind);
}
