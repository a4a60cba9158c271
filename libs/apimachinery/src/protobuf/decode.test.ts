import { ApiError, BadRequestError, UnsupportedMediaTypeError } from '../errors.js';
import { describe, expect, it } from 'vitest';
import { decodeProtobufObject } from './decode.js';
import { bytes, entry, envelope, int, key, msg, str, varint } from './testing.js';

/**
 * Request bodies captured from the real kubectl v1.32 (a logging HTTPS proxy in front of
 * `skiff up`), base64 of the raw `application/vnd.kubernetes.protobuf` bytes.
 */
const CAPTURED = {
  // kubectl create deployment web --image=nginx:1 --replicas=2 --port=8080
  deploymentWeb:
    'azhzAAoVCgdhcHBzL3YxEgpEZXBsb3ltZW50ErsBCh8KA3dlYhIAGgAiACoAMgA4AEIAWgoKA2FwcBIDd2ViEokBCAISDAoKCgNhcHASA3dlYhpvChwKABIAGgAiACoAMgA4AEIAWgoKA2FwcBIDd2ViEk8SMQoFbmdpbngSB25naW54OjEqADILCgAQABiQPyIAKgBCAGoAcgCAAQCIAQCQAQCiAQAaADIAQgBKAFIAWABgAGgAggEAigEAmgEAwgEAIgIKACgAOAAaDAgAEAAYACAAKAA4ABoAIgA=',
  // kubectl create deployment multi --image=a:1 --image=b:2 --replicas=0
  deploymentMulti:
    'azhzAAoVCgdhcHBzL3YxEgpEZXBsb3ltZW50EswBCiMKBW11bHRpEgAaACIAKgAyADgAQgBaDAoDYXBwEgVtdWx0aRKWAQgAEg4KDAoDYXBwEgVtdWx0aRp6Ch4KABIAGgAiACoAMgA4AEIAWgwKA2FwcBIFbXVsdGkSWBIcCgFhEgNhOjEqAEIAagByAIABAIgBAJABAKIBABIcCgFiEgNiOjIqAEIAagByAIABAIgBAJABAKIBABoAMgBCAEoAUgBYAGAAaACCAQCKAQCaAQDCAQAiAgoAKAA4ABoMCAAQABgAIAAoADgAGgAiAA==',
  // kubectl create deployment cmd --image=busybox -- sleep 100
  deploymentCommand:
    'azhzAAoVCgdhcHBzL3YxEgpEZXBsb3ltZW50ErwBCh8KA2NtZBIAGgAiACoAMgA4AEIAWgoKA2FwcBIDY21kEooBCAESDAoKCgNhcHASA2NtZBpwChwKABIAGgAiACoAMgA4AEIAWgoKA2FwcBIDY21kElASMgoHYnVzeWJveBIHYnVzeWJveBoFc2xlZXAaAzEwMCoAQgBqAHIAgAEAiAEAkAEAogEAGgAyAEIASgBSAFgAYABoAIIBAIoBAJoBAMIBACICCgAoADgAGgwIABAAGAAgACgAOAAaACIA',
  // kubectl create service nodeport np --tcp=80:8080
  serviceNodePort:
    'azhzAAoNCgJ2MRIHU2VydmljZRJlCh0KAm5wEgAaACIAKgAyADgAQgBaCQoDYXBwEgJucBJAChsKBzgwLTgwODASA1RDUBhQIgcIABCQPxoAKAASCQoDYXBwEgJucBoAIghOb2RlUG9ydDoAQgBSAFoAYABoABoCCgAaACIA',
  // kubectl create service clusterip headless --clusterip=None --tcp=5432:5432
  serviceHeadless:
    'azhzAAoNCgJ2MRIHU2VydmljZRJ/CikKCGhlYWRsZXNzEgAaACIAKgAyADgAQgBaDwoDYXBwEghoZWFkbGVzcxJOCh4KCTU0MzItNTQzMhIDVENQGLgqIgcIABC4KhoAKAASDwoDYXBwEghoZWFkbGVzcxoETm9uZSIJQ2x1c3RlcklQOgBCAFIAWgBgAGgAGgIKABoAIgA=',
  // kubectl create service externalname ext --external-name=example.com
  serviceExternalName:
    'azhzAAoNCgJ2MRIHU2VydmljZRJaCh8KA2V4dBIAGgAiACoAMgA4AEIAWgoKA2FwcBIDZXh0EjMSCgoDYXBwEgNleHQaACIMRXh0ZXJuYWxOYW1lOgBCAFILZXhhbXBsZS5jb21aAGAAaAAaAgoAGgAiAA==',
  // kubectl create service loadbalancer lb --tcp=443:https
  serviceLoadBalancer:
    'azhzAAoNCgJ2MRIHU2VydmljZRJwCh0KAmxiEgAaACIAKgAyADgAQgBaCQoDYXBwEgJsYhJLCiIKCTQ0My1odHRwcxIDVENQGLsDIgsIARAAGgVodHRwcygAEgkKA2FwcBICbGIaACIMTG9hZEJhbGFuY2VyOgBCAFIAWgBgAGgAGgIKABoAIgA=',
};

const decode = (b64: string) => decodeProtobufObject(Buffer.from(b64, 'base64')) as Record<string, any>;

describe('decoding protobuf bodies captured from kubectl', () => {
  it('kubectl create deployment: replicas, selector, template, container image and port', () => {
    expect(decode(CAPTURED.deploymentWeb)).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'nginx', image: 'nginx:1', ports: [{ containerPort: 8080 }], resources: {} }] },
        },
        strategy: {},
      },
      status: {},
    });
  });

  it('keeps an explicit replicas: 0 and every container', () => {
    const d = decode(CAPTURED.deploymentMulti);
    expect(d.spec.replicas).toBe(0);
    expect(d.spec.template.spec.containers).toEqual([
      { name: 'a', image: 'a:1', resources: {} },
      { name: 'b', image: 'b:2', resources: {} },
    ]);
  });

  it('carries the command of `-- sleep 100`', () => {
    const [c] = decode(CAPTURED.deploymentCommand).spec.template.spec.containers;
    expect(c).toEqual({ name: 'busybox', image: 'busybox', command: ['sleep', '100'], resources: {} });
  });

  it('drops the zero scalars Go always marshals (no clusterIP: "", hostPort: 0, restartPolicy: "")', () => {
    const d = decode(CAPTURED.deploymentWeb);
    const pod = d.spec.template.spec;
    expect(pod).not.toHaveProperty('restartPolicy');
    expect(pod).not.toHaveProperty('hostNetwork');
    expect(pod.containers[0]).not.toHaveProperty('terminationMessagePath');
    expect(pod.containers[0].ports[0]).not.toHaveProperty('hostPort');
    expect(d.metadata).not.toHaveProperty('creationTimestamp');
    expect(d.spec).not.toHaveProperty('paused');
  });

  it('kubectl create service nodeport: ports with an integer targetPort', () => {
    expect(decode(CAPTURED.serviceNodePort)).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'np', labels: { app: 'np' } },
      spec: { ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }], selector: { app: 'np' }, type: 'NodePort' },
      status: { loadBalancer: {} },
    });
  });

  it('kubectl create service clusterip --clusterip=None, externalname and loadbalancer', () => {
    const headless = decode(CAPTURED.serviceHeadless);
    expect(headless.spec).toMatchObject({ clusterIP: 'None', type: 'ClusterIP', ports: [{ port: 5432, targetPort: 5432 }] });
    const ext = decode(CAPTURED.serviceExternalName);
    expect(ext.spec).toEqual({ selector: { app: 'ext' }, type: 'ExternalName', externalName: 'example.com' });
    const lb = decode(CAPTURED.serviceLoadBalancer);
    // A named target port is IntOrString{type: 1, strVal}.
    expect(lb.spec.ports).toEqual([{ name: '443-https', protocol: 'TCP', port: 443, targetPort: 'https' }]);
    expect(lb.spec.type).toBe('LoadBalancer');
  });
});

describe('decoding a hand-built Pod', () => {
  // Field numbers as in k8s.io/api/core/v1/generated.proto.
  const container = msg(
    2, // PodSpec.containers
    str(1, 'app'),
    str(2, 'example/app:v1'),
    str(3, 'node'),
    str(4, 'server.js'),
    str(4, ''),
    msg(6, str(1, 'http'), int(2, 0), int(3, 8080), str(4, 'TCP'), str(5, '')), // ContainerPort
    msg(19, str(1, 'CFG_'), msg(2, msg(1, str(1, 'settings')), int(2, 1))), // EnvFromSource{configMapRef{LocalObjectReference, optional}}
    msg(7, str(1, 'MODE'), str(2, 'fast')), // EnvVar
    msg(7, str(1, 'EMPTY'), str(2, '')),
    msg(7, str(1, 'TOKEN'), str(2, ''), msg(3, msg(4, msg(1, str(1, 'creds')), str(2, 'token')))), // valueFrom.secretKeyRef
    msg(7, str(1, 'POD_IP'), msg(3, msg(1, str(1, 'v1'), str(2, 'status.podIP')))), // valueFrom.fieldRef
    msg(8, entry(1, 'cpu', msg(2, str(1, '500m'))), entry(2, 'memory', msg(2, str(1, '64Mi')))), // ResourceRequirements
    msg(9, str(1, 'cfg'), int(2, 1), str(3, '/etc/app'), str(4, '')), // VolumeMount
    msg(10, msg(1, msg(1, str(1, 'true'))), int(2, 0), int(4, 5)), // livenessProbe{handler{exec}}
    msg(11, msg(1, msg(2, str(1, '/healthz'), msg(2, int(1, 1), int(2, 0), str(3, 'http')), str(4, 'HTTP'))), int(6, 3)), // readinessProbe httpGet
    msg(22, msg(1, msg(3, msg(1, int(1, 0), int(2, 8080), str(3, ''))))), // startupProbe tcpSocket
    msg(12, msg(2, msg(1, str(1, 'sleep'), str(1, '5')))), // lifecycle.preStop.exec
    str(13, ''),
    str(20, ''),
    str(14, 'IfNotPresent'),
    msg(15, int(4, 0), int(5, 0), msg(1, str(2, 'ALL'))), // securityContext: runAsUser 0 and runAsNonRoot false are set
    int(16, 0),
    int(17, 0),
    int(18, 0),
  );
  const spec = msg(
    2, // Pod.spec
    msg(1, str(1, 'cfg'), msg(2, msg(19, msg(1, str(1, 'settings')), int(3, 420)))), // Volume{name, VolumeSource{configMap}}
    msg(1, str(1, 'scratch'), msg(2, msg(2, str(1, ''), msg(2, str(1, '1Gi'))))), // emptyDir with sizeLimit
    msg(1, str(1, 'data'), msg(2, msg(10, str(1, 'data-claim'), int(2, 0)))), // persistentVolumeClaim
    msg(20, str(1, 'init'), str(2, 'busybox'), msg(8)),
    container,
    str(3, 'Never'),
    int(4, 0), // terminationGracePeriodSeconds 0: a pointer, so kept
    str(6, ''),
    entry(7, 'disk', str(2, 'ssd')), // nodeSelector
    str(8, 'runner'),
    int(11, 0),
    msg(15, str(1, 'registry')), // imagePullSecrets
    msg(22, str(1, 'node-role'), str(2, 'Exists'), str(3, ''), str(4, 'NoSchedule')), // tolerations
    int(25, -5), // priority: a negative int32 is a 10-byte varint
    int(30, 0), // enableServiceLinks false: a pointer, kept
    msg(14, int(4, 1000), int(4, 2000), int(5, 3000)), // securityContext.supplementalGroups, fsGroup
  );
  const pod = envelope('v1', 'Pod', msg(1, str(1, 'app'), str(3, 'default'), msg(8), entry(11, 'tier', str(2, 'web')), entry(12, 'note', str(2, ''))), spec, msg(3));

  it('decodes containers, env sources, probes, volumes and pointer zeros', () => {
    const p = decodeProtobufObject(pod) as Record<string, any>;
    expect(p.metadata).toEqual({ name: 'app', namespace: 'default', labels: { tier: 'web' }, annotations: { note: '' } });
    expect(p.status).toEqual({});
    const s = p.spec;
    expect(s.volumes).toEqual([
      { name: 'cfg', configMap: { name: 'settings', defaultMode: 420 } },
      { name: 'scratch', emptyDir: { sizeLimit: '1Gi' } },
      { name: 'data', persistentVolumeClaim: { claimName: 'data-claim' } },
    ]);
    expect(s.initContainers).toEqual([{ name: 'init', image: 'busybox', resources: {} }]);
    expect(s).toMatchObject({
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 0,
      nodeSelector: { disk: 'ssd' },
      serviceAccountName: 'runner',
      imagePullSecrets: [{ name: 'registry' }],
      tolerations: [{ key: 'node-role', operator: 'Exists', effect: 'NoSchedule' }],
      priority: -5,
      enableServiceLinks: false,
      securityContext: { supplementalGroups: [1000, 2000], fsGroup: 3000 },
    });
    expect(s).not.toHaveProperty('dnsPolicy');
    expect(s).not.toHaveProperty('hostNetwork');
    expect(s.containers).toEqual([
      {
        name: 'app',
        image: 'example/app:v1',
        command: ['node'],
        args: ['server.js', ''],
        ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
        envFrom: [{ prefix: 'CFG_', configMapRef: { name: 'settings', optional: true } }],
        env: [
          { name: 'MODE', value: 'fast' },
          { name: 'EMPTY' },
          { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } },
          { name: 'POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
        ],
        resources: { limits: { cpu: '500m' }, requests: { memory: '64Mi' } },
        volumeMounts: [{ name: 'cfg', readOnly: true, mountPath: '/etc/app' }],
        livenessProbe: { exec: { command: ['true'] }, periodSeconds: 5 },
        readinessProbe: { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' }, failureThreshold: 3 },
        startupProbe: { tcpSocket: { port: 8080 } },
        lifecycle: { preStop: { exec: { command: ['sleep', '5'] } } },
        imagePullPolicy: 'IfNotPresent',
        securityContext: { runAsUser: 0, runAsNonRoot: false, capabilities: { drop: ['ALL'] } },
      },
    ]);
  });

  it('skips unknown fields of every wire type, at any depth', () => {
    const fixed64 = Buffer.concat([key(99, 1), Buffer.alloc(8, 0xff)]);
    const fixed32 = Buffer.concat([key(98, 5), Buffer.alloc(4, 0xff)]);
    const unknowns = Buffer.concat([int(97, 123456789), str(96, 'future'), msg(95, str(1, 'nested')), fixed64, fixed32]);
    const body = envelope(
      'apps/v1',
      'Deployment',
      unknowns,
      msg(1, str(1, 'web'), unknowns),
      msg(2, int(1, 3), unknowns, msg(3, unknowns, msg(2, unknowns, msg(2, str(1, 'c'), unknowns, str(2, 'img'))))),
    );
    expect(decodeProtobufObject(body)).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { replicas: 3, template: { spec: { containers: [{ name: 'c', image: 'img' }] } } },
    });
  });

  it('skips a known field sent with another wire type instead of misreading it', () => {
    const body = envelope('v1', 'Service', msg(1, str(1, 'svc')), msg(2, int(1, 7), str(4, 'NodePort'), str(3, 'x'.repeat(3)), key(12, 2), varint(1), Buffer.from([1])));
    // ports (1) as a varint and healthCheckNodePort (12) as bytes are skipped; the rest decodes.
    expect(decodeProtobufObject(body)).toMatchObject({ spec: { type: 'NodePort', clusterIP: 'xxx' } });
    expect((decodeProtobufObject(body) as Record<string, any>).spec).not.toHaveProperty('ports');
  });

  it('reads a packed repeated scalar', () => {
    const packed = Buffer.concat([key(4, 2), varint(3), varint(1), varint(2), varint(3)]);
    const body = envelope('v1', 'Pod', msg(1, str(1, 'p')), msg(2, msg(14, packed)));
    expect((decodeProtobufObject(body) as Record<string, any>).spec.securityContext).toEqual({ supplementalGroups: [1, 2, 3] });
  });
});

describe('hostile protobuf bodies', () => {
  it('decodes a ConfigMap with 8,000 data entries in linear time (each entry used to copy the whole map)', () => {
    const entries = Array.from({ length: 8000 }, (_, i) => entry(2, `k${i}`, str(2, 'v')));
    const body = envelope('v1', 'ConfigMap', msg(1, str(1, 'big')), ...entries);
    const started = performance.now();
    const cm = decodeProtobufObject(body) as Record<string, any>;
    // Generous: the quadratic decoder took about 29 s for this body.
    expect(performance.now() - started).toBeLessThan(1000);
    expect(Object.keys(cm.data)).toHaveLength(8000);
    expect(cm.data.k7999).toBe('v');
  });

  it('keeps a map key named __proto__ as data, never as the prototype', () => {
    const cm = decodeProtobufObject(envelope('v1', 'ConfigMap', msg(1, str(1, 'p')), entry(2, '__proto__', str(2, 'x')), entry(2, 'a', str(2, 'b')))) as Record<string, any>;
    expect(Object.getPrototypeOf(cm.data)).toBe(Object.prototype);
    expect(Object.keys(cm.data)).toEqual(['__proto__', 'a']);
    expect(JSON.parse(JSON.stringify(cm.data))).toEqual(JSON.parse('{"__proto__":"x","a":"b"}'));
  });
});

describe('malformed protobuf bodies', () => {
  it('refuses a kind without a table with 415 and a body without the magic with 400', () => {
    expect(() => decodeProtobufObject(envelope('example.com/v1', 'Widget', msg(1, str(1, 'j'))))).toThrow(UnsupportedMediaTypeError);
    expect(() => decodeProtobufObject(Buffer.from('{"kind":"Pod"}'))).toThrow(BadRequestError);
  });

  it('answers a truncated body or a group wire type with 400', () => {
    const full = Buffer.from(CAPTURED.deploymentWeb, 'base64');
    expect(() => decodeProtobufObject(full.subarray(0, full.length - 30))).toThrow(BadRequestError);
    expect(() => decodeProtobufObject(envelope('v1', 'Pod', key(50, 3)))).toThrow(BadRequestError);
    expect(() => decodeProtobufObject(envelope('v1', 'Pod', Buffer.from([0x80, 0x80])))).toThrow(BadRequestError);
  });

  it('never fails with anything but an API error on corrupted bytes', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (const b64 of Object.values(CAPTURED)) {
      const original = Buffer.from(b64, 'base64');
      for (let i = 0; i < 300; i++) {
        const body = Buffer.from(original);
        for (let j = 0; j < 1 + Math.floor(random() * 4); j++) body[4 + Math.floor(random() * (body.length - 4))] = Math.floor(random() * 256);
        try {
          decodeProtobufObject(body);
        } catch (err) {
          expect(err).toBeInstanceOf(ApiError);
        }
      }
    }
  });
});
