import type { KubeObject } from '@skiff/apimachinery';
// The recorder alone: the package's index loads the work queues (BullMQ, Redis) `skiff up` has no use for.
import { EventRecorder } from '@skiff/controller-runtime/events';
import type { ApiClient } from '@skiff/kube-client';
import { pino } from 'pino';
import { waitFor } from './processes.js';

/** How long a crash-loop Event waits for the API server (which may be the one crash-looping). */
const WAIT_FOR_API_MS = 5 * 60_000;

/**
 * The object a component's Event is about: a node agent's Node, or the component as a v1
 * ComponentStatus (the kind Kubernetes names its control-plane components by).
 */
export function componentObject(name: string, isNode: boolean): KubeObject {
  return { apiVersion: 'v1', kind: isNode ? 'Node' : 'ComponentStatus', metadata: { name } };
}

/**
 * Records a crash-looping component as a Warning Event (reason BackOff), so the status page's
 * Events and `kubectl get events` show it next to `skiff up`'s output. The write waits for the
 * API server to answer; a loss is only logged: the output and DIR/run/components.json have it too.
 */
export function crashLoopRecorder(opts: { client: ApiClient; apiReady: () => Promise<boolean>; isNode: (name: string) => boolean }): (name: string, message: string) => void {
  const recorder = new EventRecorder(opts.client, 'skiff-up', pino({ level: 'warn', base: { component: 'skiff-up' } }));
  return (name, message) => {
    void waitFor('the API server', opts.apiReady, WAIT_FOR_API_MS)
      .then(() => recorder.record(componentObject(name, opts.isNode(name)), 'Warning', 'BackOff', message))
      .catch((err: Error) => console.error(`skiff: recording that ${name} is crash-looping: ${err.message}`));
  };
}
