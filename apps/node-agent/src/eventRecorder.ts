import { randomBytes } from 'node:crypto';
import type { KubeObject } from '@skiff/apimachinery';
import { EventAggregator } from '@skiff/controller-runtime';
import type { ApiClient } from '@skiff/kube-client';
import type { Logger } from 'pino';
import { rfc3339, type Clock } from './time.js';

export type EventType = 'Normal' | 'Warning';

export interface EventSink {
  record(pod: KubeObject, type: EventType, reason: string, message: string, fieldPath?: string): void;
}

/**
 * Kubelet's events on pods (Started, Killing, BackOff, Unhealthy, ...). The same event for the
 * same pod is counted on one Event object rather than written again, as client-go's correlator
 * does, so a crash-looping pod does not flood the store. Recording never fails the caller.
 */
export class EventRecorder implements EventSink {
  private readonly aggregator: EventAggregator;

  constructor(
    client: ApiClient,
    private readonly nodeName: string,
    private readonly log: Logger,
    private readonly clock: Clock,
  ) {
    this.aggregator = new EventAggregator(client, clock);
  }

  record(pod: KubeObject, type: EventType, reason: string, message: string, fieldPath?: string): void {
    const log = this.log.child({ pod: `${pod.metadata.namespace}/${pod.metadata.name}` });
    (type === 'Warning' ? log.warn.bind(log) : log.info.bind(log))({ reason, fieldPath }, message);
    void this.write(pod, type, reason, message, fieldPath).catch((err: Error) => log.debug({ err: err.message, reason }, 'recording an event failed'));
  }

  private async write(pod: KubeObject, type: EventType, reason: string, message: string, fieldPath?: string): Promise<void> {
    const now = rfc3339(this.clock());
    const namespace = pod.metadata.namespace ?? 'default';
    const name = `${pod.metadata.name}.${randomBytes(8).toString('hex')}`;
    await this.aggregator.write({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: 'v1',
        kind: 'Pod',
        name: pod.metadata.name,
        namespace,
        uid: pod.metadata.uid,
        resourceVersion: pod.metadata.resourceVersion,
        ...(fieldPath ? { fieldPath } : {}),
      },
      reason,
      message,
      type,
      source: { component: 'kubelet', host: this.nodeName },
      reportingComponent: 'kubelet',
      reportingInstance: this.nodeName,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    });
  }

  /** Forgets a deleted pod's events. */
  forget(uid: string): void {
    this.aggregator.forget(uid);
  }
}
