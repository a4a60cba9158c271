import { resourceType } from '@skiff/kube-client';

export const DAEMONSETS = resourceType('daemonsets', 'apps');
export const CONTROLLERREVISIONS = resourceType('controllerrevisions', 'apps');
export const REPLICATIONCONTROLLERS = resourceType('replicationcontrollers');
