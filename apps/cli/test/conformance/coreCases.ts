import { field, found, ID, k, kFails, names, type ConformanceCase } from './runner.js';

const NO_SECRETS = names('secrets --namespace=test-secrets', '');
const SERVICES_ONLY_KUBERNETES = names('services', 'kubernetes:');
const SELECTOR = '{{range.spec.selector}}{{.}}:{{end}}';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
/** What the service cases may leave in `default` when they fail half-way. */
const SERVICE_CLEANUP = ['delete services redis-master redis-slave service-v1-test beep-boop exposemetadata testmetadata frontend --ignore-not-found', 'delete pod testmetadata --ignore-not-found --now'];

export const SECRET_CASES: ConformanceCase[] = [
  {
    name: 'secrets: create --dry-run=client needs no server',
    source: 'core.sh run_secrets_test',
    steps: [
      k('create secret generic test --from-literal=key1=value1 --dry-run=client -o yaml --server=example.com --v=6', {
        has: ['kind: Secret', 'apiVersion: v1', 'key1: dmFsdWUx'],
        lacks: ['example.com'],
      }),
    ],
  },
  {
    name: 'secrets: generic, docker-registry (flags and file), tls, stringData and output flags in a namespace',
    source: 'core.sh run_secrets_test',
    steps: [
      found('namespaces', 'test-secrets', false),
      k('create namespace test-secrets'),
      field('namespaces/test-secrets', `{{${ID}}}`, 'test-secrets'),
      NO_SECRETS,
      k('create secret generic test-secret --from-literal=key1=value1 --type=test-type --namespace=test-secrets'),
      field('secret/test-secret --namespace=test-secrets', `{{${ID}}}`, 'test-secret'),
      field('secret/test-secret --namespace=test-secrets', '{{.type}}', 'test-type'),
      k('get secret/test-secret --namespace=test-secrets -o yaml', { has: ['key1: dmFsdWUx'] }),
      k('describe secrets --namespace=test-secrets --chunk-size=10', { has: ['test-secret'] }),
      k('delete secret test-secret --namespace=test-secrets'),
      NO_SECRETS,
      k("create secret docker-registry test-secret --docker-username=test-user --docker-password=test-password --docker-email='test-user@test.com' --namespace=test-secrets"),
      field('secret/test-secret --namespace=test-secrets', '{{.type}}', 'kubernetes.io/dockerconfigjson'),
      k('get secret/test-secret --namespace=test-secrets -o yaml', {
        has: [
          '.dockerconfigjson: eyJhdXRocyI6eyJodHRwczovL2luZGV4LmRvY2tlci5pby92MS8iOnsidXNlcm5hbWUiOiJ0ZXN0LXVzZXIiLCJwYXNzd29yZCI6InRlc3QtcGFzc3dvcmQiLCJlbWFpbCI6InRlc3QtdXNlckB0ZXN0LmNvbSIsImF1dGgiOiJkR1Z6ZEMxMWMyVnlPblJsYzNRdGNHRnpjM2R2Y21RPSJ9fX0=',
        ],
      }),
      k('delete secret test-secret --namespace=test-secrets'),
      NO_SECRETS,
      k('create secret docker-registry test-secret --from-file=.dockerconfigjson=$FIX/dockerconfig.json --namespace=test-secrets'),
      field('secret/test-secret --namespace=test-secrets', '{{.type}}', 'kubernetes.io/dockerconfigjson'),
      k('get secret/test-secret --namespace=test-secrets -o yaml', {
        has: [
          '.dockerconfigjson: ewogICAgImF1dGhzIjp7CiAgICAgICAgImh0dHA6Ly9mb28uZXhhbXBsZS5jb20iOnsKICAgICAgICAgICAgInVzZXJuYW1lIjoiZm9vIiwKICAgICAgICAgICAgInBhc3N3b3JkIjoiYmFyIiwKICAgICAgICAgICAgImVtYWlsIjoiZm9vQGV4YW1wbGUuY29tIgogICAgICAgIH0sCiAgICAgICAgImh0dHA6Ly9iYXIuZXhhbXBsZS5jb20iOnsKICAgICAgICAgICAgInVzZXJuYW1lIjoiYmFyIiwKICAgICAgICAgICAgInBhc3N3b3JkIjoiYmF6IiwKICAgICAgICAgICAgImVtYWlsIjoiYmFyQGV4YW1wbGUuY29tIgogICAgICAgIH0KICAgIH0KfQo=',
        ],
      }),
      k('delete secret test-secret --namespace=test-secrets'),
      NO_SECRETS,
      k('create secret tls test-secret --namespace=test-secrets --key=$FIX/tls.key --cert=$FIX/tls.crt'),
      field('secret/test-secret --namespace=test-secrets', `{{${ID}}}`, 'test-secret'),
      field('secret/test-secret --namespace=test-secrets', '{{.type}}', 'kubernetes.io/tls'),
      k('delete secret test-secret --namespace=test-secrets'),
      {
        kubectl: 'create --namespace=test-secrets -f -',
        stdin: '{"kind": "Secret", "apiVersion": "v1", "metadata": {"name": "secret-string-data"}, "data": {"k1":"djE=", "k2":""}, "stringData": {"k2":"v2"}}',
      },
      field('secret/secret-string-data --namespace=test-secrets', '{{.data}}', '.*k1:djE=.*'),
      field('secret/secret-string-data --namespace=test-secrets', '{{.data}}', '.*k2:djI=.*'),
      field('secret/secret-string-data --namespace=test-secrets', '{{.stringData}}', '<no value>'),
      k('delete secret secret-string-data --namespace=test-secrets'),
      NO_SECRETS,
      k("create secret generic test-secret --namespace=test-secrets --from-literal=key1=value1 --output=go-template --template='{{.metadata.name}}:'", { has: ['test-secret:'] }),
      k('delete secret test-secret --namespace=test-secrets'),
      k('delete namespace test-secrets'),
    ],
    cleanup: ['delete namespace test-secrets --ignore-not-found --wait=false'],
  },
];

export const CONFIGMAP_CASES: ConformanceCase[] = [
  {
    name: 'configmaps: create from a file and delete',
    source: 'core.sh run_configmap_tests',
    steps: [k('create -f $FIX/configmap-user-guide.yaml'), field('configmap/test-configmap', `{{${ID}}}`, 'test-configmap'), k('delete configmap test-configmap')],
  },
  {
    name: 'configmaps: literal and binary config maps in a new namespace, with dry-runs',
    source: 'core.sh run_configmap_tests',
    steps: [
      found('namespaces', 'test-configmaps', false),
      k('create namespace test-configmaps'),
      field('namespaces/test-configmaps', `{{${ID}}}`, 'test-configmaps'),
      found('configmaps --namespace=test-configmaps', 'test-configmap', false),
      found('configmaps --namespace=test-configmaps', 'test-binary-configmap', false),
      k('create configmap test-configmap --dry-run=client --from-literal=key1=value1 --namespace=test-configmaps'),
      k('create configmap test-configmap --dry-run=server --from-literal=key1=value1 --namespace=test-configmaps'),
      found('configmaps --namespace=test-configmaps', 'test-configmap', false),
      k('create configmap test-configmap --from-literal=key1=value1 --namespace=test-configmaps'),
      k('create configmap test-binary-configmap --from-file=$FIX/random.bin --namespace=test-configmaps'),
      field('configmap/test-configmap --namespace=test-configmaps', `{{${ID}}}`, 'test-configmap'),
      field('configmap/test-binary-configmap --namespace=test-configmaps', `{{${ID}}}`, 'test-binary-configmap'),
      k('get configmap/test-configmap --namespace=test-configmaps -o yaml', { has: ['key1: value1'] }),
      k('get configmap/test-binary-configmap --namespace=test-configmaps -o yaml', { has: ['binaryData'] }),
      k('describe configmaps --namespace=test-configmaps --chunk-size=10', { has: ['test-configmap', 'test-binary-configmap'] }),
      k('delete configmap test-configmap --namespace=test-configmaps'),
      k('delete configmap test-binary-configmap --namespace=test-configmaps'),
      k('delete namespace test-configmaps'),
    ],
    cleanup: ['delete namespace test-configmaps --ignore-not-found --wait=false'],
  },
];

export const SERVICE_CASES: ConformanceCase[] = [
  {
    name: 'services: create redis-master, describe it, set its selector',
    source: 'core.sh run_service_tests',
    namespace: 'default',
    steps: [
      SERVICES_ONLY_KUBERNETES,
      k('create -f $FIX/redis-master-service.yaml'),
      names('services', 'kubernetes:redis-master:'),
      k('describe services redis-master', { has: ['Name:', 'Labels:', 'Selector:', 'IP:', 'Port:', 'Endpoints:', 'Session Affinity:', 'Events:'] }),
      k('describe services redis-master --show-events=false', { lacks: ['Events:'] }),
      k('describe services', { has: ['Name:', 'Labels:', 'Selector:', 'IP:', 'Port:', 'Endpoints:', 'Session Affinity:'] }),
      field('services redis-master', SELECTOR, 'redis:master:backend:'),
      k('set selector -f $FIX/redis-master-service.yaml role=padawan --local -o yaml', { has: ['role: padawan'] }),
      k('set selector -f $FIX/redis-master-service.yaml role=padawan --dry-run=client -o yaml'),
      k('set selector -f $FIX/redis-master-service.yaml role=padawan'),
      field('services redis-master', SELECTOR, 'padawan:'),
      k('set selector -f $FIX/redis-master-service.yaml app=redis,role=master,tier=backend'),
      field('services redis-master', SELECTOR, 'redis:master:backend:'),
      k('set selector services redis-master role=padawan --dry-run=client -o yaml'),
      k('set selector services redis-master role=padawan --dry-run=server -o yaml'),
      k("get services redis-master --show-managed-fields -o=jsonpath='{.metadata.managedFields[*].manager}'", { has: ['kubectl-set'] }),
      k('set selector services redis-master role=padawan --local -o yaml', { fail: true }),
      field('services redis-master', SELECTOR, 'redis:master:backend:'),
      k("get services redis-master -o jsonpath='{.metadata.resourceVersion}'", { capture: 'rv' }),
      k('set selector services redis-master rvtest1=true --resource-version=$rv'),
      kFails('set selector services redis-master rvtest1=true --resource-version=1', 'Conflict'),
      k('delete service redis-master'),
      SERVICES_ONLY_KUBERNETES,
    ],
    cleanup: SERVICE_CLEANUP,
  },
  {
    name: 'services: recreate from a dumped JSON, create from stdin, replace with itself',
    source: 'core.sh run_service_tests',
    namespace: 'default',
    steps: [
      k('create -f $FIX/redis-master-service.yaml'),
      k('get service redis-master -o json', { capture: 'dump' }),
      k('delete service redis-master'),
      SERVICES_ONLY_KUBERNETES,
      { kubectl: 'create -f -', stdin: (v) => v.dump },
      names('services', 'kubernetes:redis-master:'),
      { kubectl: 'create -f -', stdin: '{"kind": "Service", "apiVersion": "v1", "metadata": {"name": "service-v1-test"}, "spec": {"ports": [{"protocol": "TCP", "port": 80, "targetPort": 80}]}}' },
      names('services', 'kubernetes:redis-master:service-.*-test:'),
      k('get service service-v1-test -o json', { capture: 'svc' }),
      { kubectl: 'replace -f -', stdin: (v) => v.svc },
      k('delete service redis-master'),
      k('delete service service-v1-test'),
      SERVICES_ONLY_KUBERNETES,
    ],
    cleanup: SERVICE_CLEANUP,
  },
  {
    name: 'services: two services, custom columns, delete both at once',
    source: 'core.sh run_service_tests',
    namespace: 'default',
    steps: [
      k('create -f $FIX/redis-master-service.yaml'),
      k('create -f $FIX/redis-slave-service.yaml'),
      names('services', 'kubernetes:redis-master:redis-slave:'),
      k('get services -o=custom-columns=NAME:.metadata.name,RSRC:.metadata.resourceVersion', { has: ['redis-master'] }),
      k('delete services redis-master redis-slave'),
      SERVICES_ONLY_KUBERNETES,
    ],
    cleanup: SERVICE_CLEANUP,
  },
  {
    name: 'services: ExternalName service',
    source: 'core.sh run_service_tests',
    namespace: 'default',
    steps: [
      k('create service externalname beep-boop --dry-run=client --external-name bar.com'),
      k('create service externalname beep-boop --dry-run=server --external-name bar.com'),
      SERVICES_ONLY_KUBERNETES,
      k('create service externalname beep-boop --external-name bar.com'),
      names('services', 'beep-boop:kubernetes:'),
      k('delete service beep-boop'),
      SERVICES_ONLY_KUBERNETES,
    ],
    cleanup: SERVICE_CLEANUP,
  },
  {
    name: 'services: run --expose, and expose a pod with overrides',
    source: 'core.sh run_service_tests',
    namespace: 'default',
    steps: [
      k('run testmetadata --image=nginx --port=80 --expose --dry-run=client'),
      k('run testmetadata --image=nginx --port=80 --expose --dry-run=server'),
      SERVICES_ONLY_KUBERNETES,
      k('run testmetadata --image=nginx --port=80 --expose'),
      names('pods', 'testmetadata:'),
      field('service testmetadata', '{{(index .spec.ports 0).port}}', '80'),
      k("get pod testmetadata -o=jsonpath='{.metadata.managedFields[*].manager}'", { has: ['kubectl-run'] }),
      k(`expose pod testmetadata --port=1000 --target-port=80 --type=NodePort --name=exposemetadata --overrides='{ "metadata": { "annotations": { "zone-context": "work" } } } '`),
      field('service exposemetadata', '{{.metadata.annotations}}', 'map\\[zone-context:work\\]'),
      k("get service exposemetadata -o=jsonpath='{.metadata.managedFields[*].manager}'", { has: ['kubectl-expose'] }),
      k('delete service exposemetadata testmetadata'),
      k('delete pod testmetadata'),
    ],
    cleanup: SERVICE_CLEANUP,
  },
];

export const NAMESPACE_CASES: ConformanceCase[] = [
  {
    name: 'namespaces: create (with dry-runs), delete --wait=false, wait --for=delete',
    source: 'core.sh run_namespace_tests',
    cleanup: ['delete namespace my-namespace --ignore-not-found --wait=false'],
    steps: [
      kFails('get ns/my-namespace', ' not found'),
      k('create namespace my-namespace --dry-run=client'),
      k('create namespace my-namespace --dry-run=server'),
      kFails('get ns/my-namespace', ' not found'),
      k('create namespace my-namespace'),
      field('namespaces/my-namespace', `{{${ID}}}`, 'my-namespace'),
      k('describe namespaces my-namespace --chunk-size=10', { has: ['my-namespace'] }),
      k('delete namespace my-namespace --wait=false'),
      k('wait --for=delete ns/my-namespace'),
      kFails('get ns/my-namespace', ' not found'),
    ],
  },
  {
    // `delete namespace -n X --all` deletes every namespace in the cluster (-n does not scope a
    // cluster-scoped kind), so it runs after all other cases; the protected ones must refuse.
    name: 'namespaces: delete --all with -n warns and deletes cluster-wide',
    source: 'core.sh run_namespace_tests',
    last: true,
    steps: [
      k('create namespace my-namespace-all'),
      field('namespaces/my-namespace-all', `{{${ID}}}`, 'my-namespace-all'),
      kFails('delete namespace -n my-namespace-all --all', 'warning: deleting cluster-scoped resources', 'namespace "my-namespace-all" deleted'),
    ],
  },
  {
    name: 'namespaces: resource quota in a namespace',
    source: 'core.sh run_namespace_tests',
    cleanup: ['delete namespace quotas --ignore-not-found --wait=false'],
    steps: [
      k('create namespace quotas'),
      field('namespaces/quotas', `{{${ID}}}`, 'quotas'),
      found('quota --namespace=quotas', 'test-quota', false),
      k('create quota test-quota --dry-run=client --namespace=quotas'),
      k('create quota test-quota --dry-run=server --namespace=quotas'),
      found('quota --namespace=quotas', 'test-quota', false),
      k('create quota test-quota --namespace=quotas'),
      found('quota --namespace=quotas', 'test-quota', true),
      k('describe resourcequotas --namespace=quotas --chunk-size=10', { has: ['test-quota'] }),
      k('delete quota test-quota --namespace=quotas'),
      k('delete namespace quotas'),
    ],
  },
  {
    name: 'namespaces: pods in a specific namespace',
    source: 'core.sh run_namespace_tests',
    cleanup: ['delete namespace other --ignore-not-found --wait=false'],
    steps: [
      found('namespaces', 'other', false),
      k('create namespace other'),
      field('namespaces/other', `{{${ID}}}`, 'other'),
      names('pods --namespace=other', ''),
      k('create --namespace=other -f $FIX/valid-pod.yaml'),
      names('pods --namespace=other', 'valid-pod:'),
      names('pods -n other', 'valid-pod:'),
      kFails('get pod valid-pod --all-namespaces', 'a resource cannot be retrieved by name across all namespaces'),
      k('delete pod --namespace=other valid-pod --grace-period=0 --force'),
      names('pods --namespace=other', ''),
      k('delete namespace other'),
    ],
  },
];

export const SAVE_CONFIG_CASES: ConformanceCase[] = [
  {
    name: 'save-config: create --save-config writes the annotation',
    source: 'save-config.sh run_save_config_tests',
    steps: [names('pods', ''), k('create -f $FIX/pod.yaml --save-config'), k('get pods test-pod -o yaml', { has: [LAST_APPLIED] }), k('delete -f $FIX/pod.yaml')],
  },
  {
    name: 'save-config: edit --save-config writes the annotation',
    source: 'save-config.sh run_save_config_tests',
    steps: [
      k('create -f $FIX/pod.yaml'),
      k('get pods test-pod -o yaml', { lacks: [LAST_APPLIED] }),
      k('edit pod test-pod --save-config', { env: { EDITOR: 'sed -i "s/test-pod-label/test-pod-label-edited/g"' } }),
      k('get pods test-pod -o yaml', { has: [LAST_APPLIED, 'test-pod-label-edited'] }),
      k('delete -f $FIX/pod.yaml'),
    ],
  },
  {
    name: 'save-config: replace --save-config writes the annotation',
    source: 'save-config.sh run_save_config_tests',
    steps: [
      k('create -f $FIX/pod.yaml'),
      k('get pods test-pod -o yaml', { lacks: [LAST_APPLIED] }),
      k('replace -f $FIX/pod.yaml --save-config'),
      k('get pods test-pod -o yaml', { has: [LAST_APPLIED] }),
      k('delete -f $FIX/pod.yaml'),
    ],
  },
];

export const CREATE_ERROR_CASES: ConformanceCase[] = [
  {
    name: 'create errors: no arguments, a pod posted to namespaces, --raw with --edit',
    source: 'create.sh run_kubectl_create_error_tests',
    steps: [
      k('create', { fail: true }),
      k('create --raw /api/v1/namespaces -f $FIX/valid-pod.yaml --v=8', { anyExit: true, has: ['the object provided is unrecognized (must be of type Namespace)'] }),
      k('create --raw /api/v1/namespaces -f $FIX/valid-pod.yaml --edit', { anyExit: true, has: ['raw and --edit are mutually exclusive'] }),
    ],
  },
];
