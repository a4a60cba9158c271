import { resourceType } from '@skiff/kube-client';

export const WEBHOOKS = resourceType('webhooks', 'skiff.dev');
export const EVENTS = resourceType('events');
export const SECRETS = resourceType('secrets');
