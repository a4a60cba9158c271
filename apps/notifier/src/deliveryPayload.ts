import { createHmac } from 'node:crypto';
import type { KubeObject } from '@skiff/apimachinery';
import { applicationOf, EVENT_ANNOTATIONS, eventType } from './deliveryStream.js';

/** The body of a delivery, shaped like Flux notification-controller's event so its receivers work. */
export interface DeliveryPayload {
  involvedObject: { apiVersion?: string; kind?: string; name?: string; namespace?: string; uid?: string };
  severity: 'info' | 'error';
  timestamp: string;
  message: string;
  reason: string;
  metadata: { revision?: string; commitMessage?: string; commitAuthor?: string; application?: string; rolloutProgress?: string };
  reportingController: string;
  reportingInstance: string;
}

interface EventFields {
  involvedObject?: { apiVersion?: string; kind?: string; name?: string; namespace?: string; uid?: string };
  type?: string;
  message?: string;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  source?: { component?: string; host?: string };
  reportingComponent?: string;
  reportingInstance?: string;
}

export function deliveryPayload(event: KubeObject): DeliveryPayload {
  const e = event as KubeObject & EventFields;
  const ann = event.metadata.annotations ?? {};
  const app = applicationOf(event);
  const metadata: DeliveryPayload['metadata'] = {};
  if (ann[EVENT_ANNOTATIONS.revision]) metadata.revision = ann[EVENT_ANNOTATIONS.revision];
  if (ann[EVENT_ANNOTATIONS.commitMessage]) metadata.commitMessage = ann[EVENT_ANNOTATIONS.commitMessage];
  if (ann[EVENT_ANNOTATIONS.commitAuthor]) metadata.commitAuthor = ann[EVENT_ANNOTATIONS.commitAuthor];
  if (app) metadata.application = `${app.namespace}/${app.name}`;
  if (ann[EVENT_ANNOTATIONS.rolloutProgress]) metadata.rolloutProgress = ann[EVENT_ANNOTATIONS.rolloutProgress];
  const io = e.involvedObject ?? {};
  const component = e.reportingComponent || e.source?.component || '';
  return {
    involvedObject: {
      ...(io.apiVersion ? { apiVersion: io.apiVersion } : {}),
      ...(io.kind ? { kind: io.kind } : {}),
      ...(io.name ? { name: io.name } : {}),
      ...(io.namespace ? { namespace: io.namespace } : {}),
      ...(io.uid ? { uid: io.uid } : {}),
    },
    severity: e.type === 'Warning' ? 'error' : 'info',
    timestamp: e.lastTimestamp || e.firstTimestamp || e.eventTime || event.metadata.creationTimestamp || '',
    message: e.message ?? '',
    reason: eventType(event) ?? '',
    metadata,
    reportingController: component,
    reportingInstance: e.reportingInstance || e.source?.host || component,
  };
}

/** The `X-Signature` header value: HMAC-SHA256 of the exact body bytes, keyed by the secret. */
export function signature(body: Uint8Array, secret: Uint8Array): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
