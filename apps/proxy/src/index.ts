export { startProxy, SERVICES, ENDPOINTS, PODS, type ProxyOptions, type RunningProxy } from './startProxy.js';
export { planListeners, backendKey, DEFAULT_AFFINITY_TIMEOUT_SECONDS, DEFAULT_NODE_PORT_ADDRESS, type Backend, type ListenerPlan, type PlanOptions, type ProxyPlan, type ServicePortPlan } from './planListeners.js';
export { Proxier, DEFAULT_CONNECT_TIMEOUT_MS, type ProxierOptions } from './proxier.js';
export { ServicePortBalancer } from './servicePortBalancer.js';
export { buildDnsRecords, answerQuestion, hostNameserver, DNS_TTL_SECONDS, type DnsAnswer, type DnsRecords } from './dnsRecords.js';
export { startDnsServer, type DnsServerOptions, type RunningDnsServer, type Upstream } from './dnsServer.js';
export { terminatingPods, isTerminating, type TerminatingPods } from './terminatingPods.js';
export { ProxyMetrics, type ConnectionResult } from './metrics.js';
export * from './serviceTypes.js';
