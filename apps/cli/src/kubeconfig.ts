import { writeSecretFile } from './secretFiles.js';
import yaml from 'js-yaml';

/** Writes a kubeconfig that points kubectl at the local cluster with the admin token. */
export function writeKubeconfig(file: string, server: string, token: string, caPem?: string, clusterName = 'skiff'): void {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: clusterName, cluster: { server, ...(caPem ? { 'certificate-authority-data': Buffer.from(caPem).toString('base64') } : {}) } }],
    users: [{ name: `${clusterName}-admin`, user: { token } }],
    contexts: [{ name: clusterName, context: { cluster: clusterName, user: `${clusterName}-admin`, namespace: 'default' } }],
    'current-context': clusterName,
    preferences: {},
  };
  writeSecretFile(file, yaml.dump(config));
}
