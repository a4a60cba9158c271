import { formatEndpoints, formatLabels, formatLabelSelector, isObject, labelSelectorString, listAt, num, objectAt, since, text, type Json } from './format.js';
import { redactCredentials } from '../redactCredentials.js';
import { podStatusCells, podWideCells } from './pod.js';
import { createdAtCell, quotaUsageCells } from './quota.js';
import { AGE, AGE_DESCRIPTION, ageOf, column, CONTAINERS, containerCells, IMAGES, NAME, NAME_DESCRIPTION, nameOf, type Printer } from './columns.js';

// The printers of the kinds Skiff has served from the start (Kubernetes' pkg/printers/internalversion).

export const namespacePrinter: Printer = {
  columns: [NAME, column('Status', 'string', 'The status of the namespace'), AGE],
  cells: (o, now) => ({ cells: [nameOf(o), text(objectAt(o, 'status').phase), ageOf(o, now)] }),
};

export const nodePrinter: Printer = {
  columns: [
    NAME,
    column('Status', 'string', 'The status of the node'),
    column('Roles', 'string', 'The roles of the node'),
    AGE,
    column('Version', 'string', 'Kubelet Version reported by the node.'),
    column('Internal-IP', 'string', 'List of addresses reachable to the node.', 1),
    column('External-IP', 'string', 'List of addresses reachable to the node.', 1),
    column('OS-Image', 'string', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
    column('Kernel-Version', 'string', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
    column('Container-Runtime', 'string', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1),
  ],
  cells: (o, now) => {
    const status = objectAt(o, 'status');
    const ready = listAt(status, 'conditions').find((c) => c.type === 'Ready');
    const states = ready ? [ready.status === 'True' ? 'Ready' : 'NotReady'] : ['Unknown'];
    if (objectAt(o, 'spec').unschedulable === true) states.push('SchedulingDisabled');
    const roles = new Set<string>();
    for (const [k, v] of Object.entries(objectAt(o, 'metadata', 'labels'))) {
      if (k.startsWith('node-role.kubernetes.io/') && k.length > 'node-role.kubernetes.io/'.length) roles.add(k.slice('node-role.kubernetes.io/'.length));
      else if (k === 'kubernetes.io/role' && text(v)) roles.add(text(v));
    }
    const info = objectAt(status, 'nodeInfo');
    const address = (type: string) => text(listAt(status, 'addresses').find((a) => a.type === type)?.address) || '<none>';
    return {
      cells: [
        nameOf(o),
        states.join(','),
        [...roles].sort().join(',') || '<none>',
        ageOf(o, now),
        text(info.kubeletVersion),
        address('InternalIP'),
        address('ExternalIP'),
        text(info.osImage) || '<unknown>',
        text(info.kernelVersion) || '<unknown>',
        text(info.containerRuntimeVersion) || '<unknown>',
      ],
    };
  },
};

export const podPrinter: Printer = {
  columns: [
    NAME,
    column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'string', 'The aggregate status of the containers in this pod.'),
    column('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    AGE,
    column('IP', 'string', 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', 1),
    column('Node', 'string', 'NodeName indicates in which node this pod is scheduled.', 1),
    column('Nominated Node', 'string', 'nominatedNodeName is set only when this pod preempts other pods on the node.', 1),
    column('Readiness Gates', 'string', 'If specified, all readiness gates will be evaluated for pod readiness.', 1),
  ],
  cells: (o, now) => {
    const s = podStatusCells(o, now);
    return { cells: [nameOf(o), s.ready, s.status, s.restarts, ageOf(o, now), ...podWideCells(o)], conditions: s.conditions };
  },
};

export const servicePrinter: Printer = {
  columns: [
    NAME,
    column('Type', 'string', 'type determines how the Service is exposed.'),
    column('Cluster-IP', 'string', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
    column('External-IP', 'string', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    column('Port(s)', 'string', 'The list of ports that are exposed by this service.'),
    AGE,
    column('Selector', 'string', 'Route service traffic to pods with label keys and values matching this selector.', 1),
  ],
  cells: (o, now) => {
    const spec = objectAt(o, 'spec');
    const clusterIPs = Array.isArray(spec.clusterIPs) ? spec.clusterIPs.map(text) : [];
    const clusterIP = clusterIPs[0] || text(spec.clusterIP) || '<none>';
    const ports = listAt(spec, 'ports')
      .map((p) => (num(p.nodePort) > 0 ? `${num(p.port)}:${num(p.nodePort)}/${text(p.protocol)}` : `${num(p.port)}/${text(p.protocol)}`))
      .join(',');
    return { cells: [nameOf(o), text(spec.type), clusterIP, serviceExternalIP(o), ports || '<none>', ageOf(o, now), formatLabels(spec.selector)] };
  },
};

export const endpointsPrinter: Printer = {
  columns: [NAME, column('Endpoints', 'string', 'The set of all endpoints is the union of all subsets.'), AGE],
  cells: (o, now) => ({ cells: [nameOf(o), formatEndpoints(listAt(o, 'subsets')), ageOf(o, now)] }),
};

export const configMapPrinter: Printer = {
  columns: [NAME, column('Data', 'string', 'Data contains the configuration data.'), AGE],
  cells: (o, now) => ({ cells: [nameOf(o), Object.keys(objectAt(o, 'data')).length + Object.keys(objectAt(o, 'binaryData')).length, ageOf(o, now)] }),
};

export const secretPrinter: Printer = {
  columns: [NAME, column('Type', 'string', 'Used to facilitate programmatic handling of secret data.'), column('Data', 'string', 'Data contains the secret data.'), AGE],
  cells: (o, now) => ({ cells: [nameOf(o), text(o.type), Object.keys(objectAt(o, 'data')).length, ageOf(o, now)] }),
};

export const resourceQuotaPrinter: Printer = {
  columns: [
    NAME,
    AGE,
    column('Request', 'string', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    column('Limit', 'string', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
  ],
  cells: (o, now) => ({ cells: [nameOf(o), ageOf(o, now), ...quotaUsageCells(o)] }),
};

export const limitRangePrinter: Printer = {
  columns: [NAME, column('Created At', 'date', AGE_DESCRIPTION)],
  cells: (o) => ({ cells: [nameOf(o), createdAtCell(o)] }),
};

export const eventPrinter: Printer = {
  columns: [
    column('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.'),
    column('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future'),
    column('Reason', 'string', 'This should be a short, machine understandable string that gives the reason for the transition into the object\'s current status.'),
    column('Object', 'string', 'The object that this event is about.'),
    column('Subobject', 'string', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.', 1),
    column('Source', 'string', 'The component reporting this event. Should be a short machine understandable string.', 1),
    column('Message', 'string', 'A human-readable description of the status of this operation.'),
    column('First Seen', 'string', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', 1),
    column('Count', 'string', 'The number of times this event has occurred.', 1),
    column('Name', 'string', NAME_DESCRIPTION, 1, 'name'),
  ],
  cells: (o, now) => {
    const first = o.firstTimestamp ? since(o.firstTimestamp, now) : since(o.eventTime, now);
    let last = o.lastTimestamp ? since(o.lastTimestamp, now) : first;
    let count = num(o.count);
    if (isObject(o.series)) {
      last = since(o.series.lastObservedTime, now);
      count = num(o.series.count);
    } else if (count === 0) {
      count = 1; // singleton events of the events.k8s.io API carry no count
    }
    const involved = objectAt(o, 'involvedObject');
    const kind = text(involved.kind).toLowerCase();
    const target = text(involved.name) ? `${kind}/${text(involved.name)}` : kind;
    const source = objectAt(o, 'source');
    const component = text(source.component) || text(o.reportingComponent);
    const host = text(source.host) || text(o.reportingInstance);
    return {
      cells: [last, text(o.type), text(o.reason), target, text(involved.fieldPath), host ? `${component}, ${host}` : component, text(o.message).trim(), first, count, nameOf(o)],
    };
  },
};

export const leasePrinter: Printer = {
  columns: [NAME, column('Holder', 'string', 'holderIdentity contains the identity of the holder of a current lease.'), AGE],
  cells: (o, now) => ({ cells: [nameOf(o), text(objectAt(o, 'spec').holderIdentity), ageOf(o, now)] }),
};

export const deploymentPrinter: Printer = {
  columns: [
    NAME,
    column('Ready', 'string', 'Number of the pod with ready state'),
    column('Up-to-date', 'string', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
    column('Available', 'string', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
    AGE,
    CONTAINERS,
    IMAGES,
    column('Selector', 'string', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.', 1),
  ],
  cells: (o, now) => {
    const spec = objectAt(o, 'spec');
    const status = objectAt(o, 'status');
    const desired = typeof spec.replicas === 'number' ? spec.replicas : 1;
    const [names, images] = containerCells(objectAt(spec, 'template', 'spec'));
    return {
      cells: [nameOf(o), `${num(status.readyReplicas)}/${desired}`, num(status.updatedReplicas), num(status.availableReplicas), ageOf(o, now), names, images, labelSelectorString(spec.selector)],
    };
  },
};

export const replicaSetPrinter: Printer = {
  columns: [
    NAME,
    column('Desired', 'integer', 'Replicas is the number of desired replicas.'),
    column('Current', 'integer', 'Replicas is the most recently observed number of replicas.'),
    column('Ready', 'integer', 'The number of ready replicas for this replica set.'),
    AGE,
    CONTAINERS,
    IMAGES,
    column('Selector', 'string', 'Selector is a label query over pods that should match the replica count.', 1),
  ],
  cells: (o, now) => {
    const spec = objectAt(o, 'spec');
    const status = objectAt(o, 'status');
    const desired = typeof spec.replicas === 'number' ? spec.replicas : 1;
    const [names, images] = containerCells(objectAt(spec, 'template', 'spec'));
    return { cells: [nameOf(o), desired, num(status.replicas), num(status.readyReplicas), ageOf(o, now), names, images, formatLabelSelector(spec.selector)] };
  },
};

export const applicationPrinter: Printer = {
  columns: [
    NAME,
    column('Sync', 'string', 'Whether the live objects match the desired state in git: Synced, OutOfSync or Unknown.'),
    column('Health', 'string', 'The aggregate health of the objects the Application manages.'),
    column('Revision', 'string', 'The commit the live state was last compared with (abbreviated).'),
    AGE,
    column('Repo', 'string', 'The git repository the desired state comes from.', 1),
    column('Path', 'string', 'The directory in the repository that holds the manifests.', 1),
    column('Target', 'string', 'The branch, tag or commit followed.', 1),
  ],
  cells: (o, now) => {
    const status = objectAt(o, 'status');
    const source = objectAt(o, 'spec', 'source');
    // Seven characters, as `git log --oneline` abbreviates commits.
    const revision = text(objectAt(status, 'sync').revision).slice(0, 7);
    return {
      cells: [
        nameOf(o),
        text(objectAt(status, 'sync').status) || 'Unknown',
        text(objectAt(status, 'health').status) || 'Unknown',
        revision || '<none>',
        ageOf(o, now),
        redactCredentials(text(source.repoURL)),
        text(source.path),
        text(source.targetRevision),
      ],
    };
  },
};

export const webhookPrinter: Printer = {
  columns: [
    NAME,
    column('URL', 'string', 'Where notifications are posted.'),
    column('Events', 'string', 'How many event types are delivered, or "all".'),
    column('Last Delivery', 'string', 'The HTTP status code of the last delivery, or its error.'),
    AGE,
  ],
  cells: (o, now) => {
    const spec = objectAt(o, 'spec');
    const events = Array.isArray(spec.events) && spec.events.length > 0 ? spec.events.length : 'all';
    const last = objectAt(o, 'status', 'lastDelivery');
    const delivery = typeof last.statusCode === 'number' ? last.statusCode : text(last.error) || '<none>';
    return { cells: [nameOf(o), text(spec.url), events, delivery, ageOf(o, now)] };
  },
};

function serviceExternalIP(svc: Json): string {
  const spec = objectAt(svc, 'spec');
  const externalIPs = Array.isArray(spec.externalIPs) ? spec.externalIPs.map(text) : [];
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const ingress = [...new Set(listAt(svc, 'status', 'loadBalancer', 'ingress').map((i) => text(i.ip) || text(i.hostname)).filter(Boolean))].sort();
      if (externalIPs.length) return [...ingress, ...externalIPs].join(',');
      return ingress.length ? ingress.join(',') : '<pending>';
    }
    case 'ExternalName':
      return text(spec.externalName);
    default:
      return '<unknown>';
  }
}
