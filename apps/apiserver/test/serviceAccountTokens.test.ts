import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { ADMIN_TOKEN, useKubectlServer } from './harness.js';
import { serviceAccountClaims, ServiceAccountTokenKeys } from '../src/serviceAccountTokens.js';

const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const NODE_TOKEN = 'node-a-token';

/**
 * Bound ServiceAccount tokens as kube-apiserver issues them (TokenRequest, `kubectl create token`)
 * and accepts them: signed by the API server's key, for its audience, unexpired, and only while the
 * ServiceAccount and the pod the token is bound to still exist. No authorizer grants a
 * ServiceAccount anything yet, so an accepted token shows as 403 Forbidden for its user (a
 * refused one as 401 Unauthorized).
 */
describe('ServiceAccount tokens', () => {
  const k = useKubectlServer('skiff-satoken-', {
    serviceAccount: { signingKey },
    tokens: {
      [ADMIN_TOKEN]: { name: 'admin', groups: ['system:masters'] },
      [NODE_TOKEN]: { name: 'system:node:node-a', groups: ['system:nodes', 'system:authenticated'] },
    },
  });

  const createToken = async (args: string[], as: string[] = []) => {
    const r = await k.run([...as, 'create', 'token', ...args]);
    expect(r.code, r.out).toBe(0);
    return r.stdout.trim();
  };
  /** What the API server says to `token` listing pods in `team`: Forbidden names the user it authenticated. */
  const listPodsWith = async (token: string) => (await k.run(['--token', token, 'get', 'pods', '-n', 'team'])).out;
  const pod = (name: string, serviceAccountName: string, nodeName?: string) =>
    JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'team' }, spec: { serviceAccountName, ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'busybox:1' }] } });
  const createPod = async (name: string, serviceAccountName: string, nodeName?: string) => {
    const file = join(k.dir, `${name}.json`);
    writeFileSync(file, pod(name, serviceAccountName, nodeName));
    const r = await k.run(['create', '-f', file]);
    expect(r.code, r.out).toBe(0);
    return JSON.parse((await k.run(['get', 'pod', name, '-n', 'team', '-o', 'json'])).stdout).metadata.uid as string;
  };

  beforeAll(async () => {
    for (const args of [['create', 'namespace', 'team'], ['create', 'serviceaccount', 'builder', '-n', 'team'], ['create', 'serviceaccount', 'other', '-n', 'team']]) {
      const r = await k.run(args);
      expect(r.code, r.out).toBe(0);
    }
  });

  it('lists serviceaccounts/token in discovery, creating a TokenRequest', async () => {
    const r = await k.run(['get', '--raw', '/api/v1']);
    const token = JSON.parse(r.stdout).resources.find((x: { name: string }) => x.name === 'serviceaccounts/token');
    expect(token).toMatchObject({ group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest', verbs: ['create'], namespaced: true });
  });

  it('kubectl create token returns a JWT with Kubernetes claims that authenticates as the ServiceAccount', async () => {
    const token = await createToken(['builder', '-n', 'team']);
    const sa = JSON.parse((await k.run(['get', 'sa', 'builder', '-n', 'team', '-o', 'json'])).stdout);
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      iss: ISSUER,
      sub: 'system:serviceaccount:team:builder',
      aud: [ISSUER],
      'kubernetes.io': { namespace: 'team', serviceaccount: { name: 'builder', uid: sa.metadata.uid } },
    });
    expect(claims.exp! - claims.iat!).toBe(3600);
    expect(claims.nbf).toBe(claims.iat);
    expect(await listPodsWith(token)).toContain('User "system:serviceaccount:team:builder" cannot list resource "pods" in API group "" in the namespace "team"');
  });

  it('honours --duration and --audience, and a token for another audience is refused', async () => {
    const token = await createToken(['builder', '-n', 'team', '--duration', '20m', '--audience', 'vault']);
    const claims = decodeJwt(token);
    expect(claims.aud).toEqual(['vault']);
    expect(claims.exp! - claims.iat!).toBe(1200);
    expect(await listPodsWith(token)).toContain('Unauthorized');
  });

  it('refuses a duration under ten minutes and an unknown ServiceAccount', async () => {
    const short = await k.run(['create', 'token', 'builder', '-n', 'team', '--duration', '5m']);
    expect(short.code).not.toBe(0);
    expect(short.stderr).toContain('TokenRequest.authentication.k8s.io "builder" is invalid: spec.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes');
    const missing = await k.run(['create', 'token', 'nobody', '-n', 'team']);
    expect(missing.stderr).toContain('serviceaccounts "nobody" not found');
  });

  it('a token bound to a pod names the pod, and stops working when the pod is deleted', async () => {
    const uid = await createPod('web', 'builder', 'node-a');
    const token = await createToken(['builder', '-n', 'team', '--bound-object-kind', 'Pod', '--bound-object-name', 'web']);
    expect(decodeJwt(token)['kubernetes.io']).toMatchObject({ pod: { name: 'web', uid } });
    expect(await listPodsWith(token)).toContain('User "system:serviceaccount:team:builder" cannot list');
    expect((await k.run(['delete', 'pod', 'web', '-n', 'team', '--grace-period=0', '--force'])).code).toBe(0);
    expect(await listPodsWith(token)).toContain('Unauthorized');
  });

  it('a token bound to a Secret names it, and stops working when the Secret is deleted', async () => {
    expect((await k.run(['create', 'secret', 'generic', 'holder', '-n', 'team', '--from-literal=a=b'])).code).toBe(0);
    const token = await createToken(['builder', '-n', 'team', '--bound-object-kind', 'Secret', '--bound-object-name', 'holder']);
    expect(decodeJwt(token)['kubernetes.io']).toMatchObject({ secret: { name: 'holder' } });
    expect(await listPodsWith(token)).toContain('User "system:serviceaccount:team:builder" cannot list');
    expect((await k.run(['delete', 'secret', 'holder', '-n', 'team'])).code).toBe(0);
    expect(await listPodsWith(token)).toContain('Unauthorized');
  });

  it('refuses to bind a token to a pod of another ServiceAccount or to a missing pod', async () => {
    await createPod('runs-as-other', 'other');
    const r = await k.run(['create', 'token', 'builder', '-n', 'team', '--bound-object-kind', 'Pod', '--bound-object-name', 'runs-as-other']);
    expect(r.stderr).toContain('cannot bind token for serviceaccount "builder" to pod running with different serviceaccount name.');
    const missing = await k.run(['create', 'token', 'builder', '-n', 'team', '--bound-object-kind', 'Pod', '--bound-object-name', 'ghost']);
    expect(missing.stderr).toContain('pods "ghost" not found');
  });

  it('a token stops working when its ServiceAccount is deleted, even if one of the same name is made again', async () => {
    expect((await k.run(['create', 'serviceaccount', 'shortlived', '-n', 'team'])).code).toBe(0);
    const token = await createToken(['shortlived', '-n', 'team']);
    expect(await listPodsWith(token)).toContain('User "system:serviceaccount:team:shortlived" cannot list');
    expect((await k.run(['delete', 'serviceaccount', 'shortlived', '-n', 'team'])).code).toBe(0);
    expect((await k.run(['create', 'serviceaccount', 'shortlived', '-n', 'team'])).code).toBe(0);
    expect(await listPodsWith(token)).toContain('Unauthorized');
  });

  it('a node may request tokens only bound to pods bound to it', async () => {
    await createPod('on-a', 'builder', 'node-a');
    await createPod('on-b', 'builder', 'node-b');
    const asNode = ['--token', NODE_TOKEN];
    const token = await createToken(['builder', '-n', 'team', '--bound-object-kind', 'Pod', '--bound-object-name', 'on-a'], asNode);
    expect(decodeJwt(token)['kubernetes.io']).toMatchObject({ pod: { name: 'on-a' } });
    const elsewhere = await k.run([...asNode, 'create', 'token', 'builder', '-n', 'team', '--bound-object-kind', 'Pod', '--bound-object-name', 'on-b']);
    expect(elsewhere.stderr).toContain('node requested token bound to a pod scheduled on a different node');
    const unbound = await k.run([...asNode, 'create', 'token', 'builder', '-n', 'team']);
    expect(unbound.stderr).toContain('node requested token not bound to a pod');
  });

  it('an expired token, or one signed by another key, is refused', async () => {
    const sa = JSON.parse((await k.run(['get', 'sa', 'builder', '-n', 'team', '-o', 'json'])).stdout);
    const bound = { namespace: 'team', serviceaccount: { name: 'builder', uid: sa.metadata.uid as string } };
    const ours = new ServiceAccountTokenKeys({ signingKey });
    const expired = await ours.sign(serviceAccountClaims(ISSUER, [ISSUER], new Date(Date.now() - 2 * 3600_000), 600, bound));
    expect(await listPodsWith(expired)).toContain('Unauthorized');
    const fresh = await ours.sign(serviceAccountClaims(ISSUER, [ISSUER], new Date(), 600, bound));
    expect(await listPodsWith(fresh)).toContain('User "system:serviceaccount:team:builder" cannot list');
    const forged = await new ServiceAccountTokenKeys().sign(serviceAccountClaims(ISSUER, [ISSUER], new Date(), 600, bound));
    expect(await listPodsWith(forged)).toContain('Unauthorized');
  });
});

/** ServiceAccount admission, as kube-apiserver runs it: pods get their account and the token volume. */
describe('ServiceAccount admission', () => {
  const k = useKubectlServer('skiff-saadmit-', { serviceAccountAdmission: true });
  const createPod = async (name: string, spec: object) => {
    const file = join(k.dir, `${name}.json`);
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox:1' }], ...spec } }));
    return k.run(['create', '-f', file]);
  };
  const getPod = async (name: string) => JSON.parse((await k.run(['get', 'pod', name, '-o', 'json'])).stdout);

  it('adds the kube-api-access volume and mount, and names the default account even before it exists', async () => {
    expect((await createPod('web', {})).code).toBe(0);
    const pod = await getPod('web');
    expect(pod.spec.serviceAccountName).toBe('default');
    const volume = pod.spec.volumes.find((v: { name: string }) => v.name.startsWith('kube-api-access-'));
    expect(volume.name).toMatch(/^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(volume.projected.sources.map((s: object) => Object.keys(s)[0])).toEqual(['serviceAccountToken', 'configMap', 'downwardAPI']);
    expect(pod.spec.containers[0].volumeMounts).toEqual([{ name: volume.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
  });

  it('refuses a pod whose account does not exist, and mounts nothing for an account that opts out', async () => {
    const r = await createPod('lost', { serviceAccountName: 'nobody' });
    expect(r.stderr).toContain('pods "lost" is forbidden: error looking up service account default/nobody: serviceaccount "nobody" not found');
    const sa = join(k.dir, 'quiet.json');
    writeFileSync(sa, JSON.stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'quiet' }, automountServiceAccountToken: false }));
    expect((await k.run(['create', '-f', sa])).code).toBe(0);
    expect((await createPod('quiet-pod', { serviceAccountName: 'quiet' })).code).toBe(0);
    expect((await getPod('quiet-pod')).spec.volumes ?? []).toEqual([]);
  });
});
