export { startNodeAgent, DEFAULTS as NODE_AGENT_DEFAULTS, type NodeAgent, type NodeAgentOptions } from './nodeAgent.js';
export { startSimulatedNodes, defaultSimulatedPodCidr, type SimulatedNodes, type SimulatedNodesOptions } from './simulate/startSimulatedNodes.js';
export { simulatedPodStatus } from './simulate/simulatedPods.js';
export { computePodStatus, IMAGE_ID, type PodStatus, type ContainerStatus } from './pods/podStatus.js';
export { ISOLATION_ANNOTATION, SIMULATED_ANNOTATION, KUBELET_VERSION } from './node/nodeObject.js';
export { NODE_LEASE_NAMESPACE } from './node/nodeHeartbeat.js';
export type { IsolationMode } from './runtime/runtime.js';
export type { IsolationRequest } from './runtime/isolation.js';
export { removeCgroupTree } from './runtime/podCgroups.js';
