export { CriClient, CriError, type CriClientOptions } from './criClient.js';
export type * from './criTypes.js';
export { containerdConfigToml, containerdPaths, type ContainerdConfigOptions, type ContainerdPaths } from './containerdConfig.js';
export { bridgeConflist, type BridgeNetworkOptions } from './cniConfig.js';
export { checkContainerdTools, registryHostsToml, removeAllPodSandboxes, startContainerd, type ContainerdHandle, type ContainerdToolCheck, type StartContainerdOptions } from './startContainerd.js';
