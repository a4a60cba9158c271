import { field, ID, k, kFails, LABELS, names, type ConformanceCase } from './runner.js';

const APPLY = 'apply.sh run_kubectl_apply_tests';
const GET = 'get.sh run_kubectl_get_tests';
const NO_PODS = names('pods', '');
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const NO_RESOURCES = 'No resources found';

export const APPLY_CASES: ConformanceCase[] = [
  {
    name: 'apply: creates a missing object with the last-applied annotation',
    source: APPLY,
    steps: [
      NO_PODS,
      k('apply -f $FIX/pod.yaml'),
      field('pods test-pod', `{{${LABELS}.name}}`, 'test-pod-label'),
      k('get pods test-pod -o yaml', { has: [LAST_APPLIED] }),
      k("get --show-managed-fields -f $FIX/pod.yaml -o=jsonpath='{.metadata.managedFields[*].manager}'", { has: ['kubectl-client-side-apply'] }),
      k('delete pods test-pod'),
    ],
  },
  {
    name: 'apply: set-last-applied (and dry-runs)',
    source: APPLY,
    steps: [
      k('create -f $FIX/pod.yaml'),
      k('get pods test-pod -o yaml', { lacks: [LAST_APPLIED] }),
      k('apply set-last-applied --dry-run=client -f $FIX/pod.yaml --create-annotation=true'),
      k('apply set-last-applied --dry-run=server -f $FIX/pod.yaml --create-annotation=true'),
      k('get pods test-pod -o yaml', { lacks: [LAST_APPLIED] }),
      k('apply set-last-applied -f $FIX/pod.yaml --create-annotation=true'),
      k('get pods test-pod -o yaml', { has: [LAST_APPLIED] }),
      k('delete pods test-pod'),
    ],
  },
  {
    name: 'apply: clears defaulted fields (retainKeys)',
    source: APPLY,
    steps: [
      names('deployments', ''),
      k('apply -f $FIX/retainKeys/deployment-before.yaml'),
      field('deployments', `{{range.items}}{{${ID}}}{{end}}`, 'test-deployment-retainkeys'),
      k('get deployments test-deployment-retainkeys -o yaml', { has: ['RollingUpdate', 'maxSurge', 'maxUnavailable', 'emptyDir'] }),
      k('apply -f $FIX/retainKeys/deployment-after.yaml'),
      k('get deployments test-deployment-retainkeys -o yaml', { has: ['Recreate', 'hostPath'], lacks: ['RollingUpdate', 'emptyDir'] }),
      k('delete deployments test-deployment-retainkeys'),
    ],
  },
  {
    name: 'apply: -l applies only matching objects',
    source: APPLY,
    steps: [
      NO_PODS,
      k('apply -l unique-label=bingbang -f $FIX/filter'),
      field('pods selector-test-pod', `{{${LABELS}.name}}`, 'selector-test-pod'),
      kFails('get pods selector-test-pod-dont-apply', 'pods "selector-test-pod-dont-apply" not found'),
      k('delete pods selector-test-pod'),
    ],
  },
  {
    name: 'apply: --dry-run client and server persist nothing',
    source: APPLY,
    steps: [
      NO_PODS,
      k('apply --dry-run=client -f $FIX/pod.yaml'),
      k('apply --dry-run=server -f $FIX/pod.yaml'),
      NO_PODS,
      k('apply -f $FIX/pod.yaml'),
      k("get -f $FIX/pod.yaml -o go-template='{{ .metadata.resourceVersion }}'", { capture: 'rv' }),
      k('apply --dry-run=client -f $FIX/pod-apply.yaml'),
      k('apply --dry-run=server -f $FIX/pod-apply.yaml'),
      field('pods test-pod', `{{${LABELS}.name}}`, 'test-pod-label'),
      field('-f $FIX/pod.yaml', '{{ .metadata.resourceVersion }}', '$rv'),
      k('delete -f $FIX/pod.yaml'),
    ],
  },
  {
    name: 'apply: --dry-run=server of a custom resource',
    source: APPLY,
    steps: [
      {
        kubectl: 'create -f -',
        stdin: '{"kind": "CustomResourceDefinition", "apiVersion": "apiextensions.k8s.io/v1", "metadata": {"name": "resources.mygroup.example.com"}, "spec": {"group": "mygroup.example.com", "scope": "Namespaced", "names": {"plural": "resources", "singular": "resource", "kind": "Kind", "listKind": "KindList"}, "versions": [{"name": "v1alpha1", "served": true, "storage": true, "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}}',
      },
      k('delete customresourcedefinition resources.mygroup.example.com'),
    ],
  },
  {
    name: 'apply: --prune with -l in a namespace',
    source: APPLY,
    cleanup: ['delete namespace nsb --ignore-not-found --wait=false'],
    steps: [
      k('create ns nsb'),
      k('apply --namespace nsb -l prune-group=true -f $FIX/prune/a.yaml'),
      field('pods a -n nsb', `{{${ID}}}`, 'a'),
      k('apply --namespace nsb --prune -l prune-group=true -f $FIX/prune/b.yaml'),
      names('pods -n nsb', 'b:', true),
      k('delete pods b -n nsb'),
      // The same without --prune: both stay.
      NO_PODS,
      k('apply -l prune-group=true -f $FIX/prune/a.yaml'),
      field('pods a', `{{${ID}}}`, 'a'),
      names('pods -n nsb', ''),
      k('apply -l prune-group=true -f $FIX/prune/b.yaml'),
      field('pods a', `{{${ID}}}`, 'a'),
      field('pods b -n nsb', `{{${ID}}}`, 'b'),
      k('delete pod/a'),
      k('delete pod/b -n nsb'),
      kFails('apply --prune -f $FIX/prune', 'all resources selected for prune without explicitly passing --all'),
      k('apply --all --prune -f $FIX/prune'),
      field('pods a', `{{${ID}}}`, 'a'),
      field('pods b -n nsb', `{{${ID}}}`, 'b'),
      k('delete pod/a'),
      k('delete pod/b -n nsb'),
      k('delete ns nsb'),
      // --prune --all prunes outside the default namespace.
      k('create ns nsb'),
      NO_PODS,
      k('apply --namespace nsb -f $FIX/prune/a.yaml'),
      field('pods a -n nsb', `{{${ID}}}`, 'a'),
      k('apply --namespace nsb -f $FIX/prune/b.yaml'),
      field('pods b -n nsb', `{{${ID}}}`, 'b'),
      k('apply --prune --all -f $FIX/prune/b.yaml'),
      names('pods -n nsb', 'b:', true),
      k('delete ns nsb'),
    ],
  },
  {
    name: 'apply: --prune-allowlist limits what is pruned',
    source: APPLY,
    steps: [
      NO_PODS,
      k('apply --prune -l prune-group=true -f $FIX/prune/a.yaml'),
      field('pods a', `{{${ID}}}`, 'a'),
      k('apply --prune -l prune-group=true -f $FIX/prune-svc/svc.yaml --prune-allowlist core/v1/Service'),
      field('service prune-svc', `{{${ID}}}`, 'prune-svc'),
      field('pods a', `{{${ID}}}`, 'a'),
      k('apply --prune -l prune-group=true -f $FIX/prune-svc/svc.yaml'),
      field('service prune-svc', `{{${ID}}}`, 'prune-svc'),
      names('pods', '', true),
      k('delete svc prune-svc'),
    ],
  },
  {
    name: 'apply: -n must match the namespace in the file',
    source: APPLY,
    steps: [kFails('apply -n foo -f $FIX/prune/b.yaml', 'the namespace from the provided object "nsb" does not match the namespace "foo".')],
  },
  {
    name: 'apply: --force recreates an object whose immutable field changed',
    source: APPLY,
    steps: [
      names('services', ''),
      k('apply -f $FIX/service-revision1.yaml'),
      field('services a', `{{${ID}}}`, 'a'),
      kFails('apply -f $FIX/service-revision2.yaml', 'may not change once set'),
      k('apply -f $FIX/service-revision2.yaml --force'),
      field('services a', '{{.spec.clusterIP}}', '$SVC_IP_R2'),
      k('delete -f $FIX/service-revision2.yaml'),
    ],
  },
  {
    name: 'apply: -k and --kustomize',
    source: APPLY,
    steps: [
      k('apply -k $FIX/kustomize'),
      field('configmap test-the-map', `{{${ID}}}`, 'test-the-map'),
      field('deployment test-the-deployment', `{{${ID}}}`, 'test-the-deployment'),
      field('service test-the-service', `{{${ID}}}`, 'test-the-service'),
      k('delete -k $FIX/kustomize'),
      k('apply --kustomize $FIX/kustomize'),
      field('configmap test-the-map', `{{${ID}}}`, 'test-the-map'),
      k('delete --kustomize $FIX/kustomize'),
    ],
  },
  {
    name: 'apply: a namespace and a pod in it, where the first pass fails for the pod',
    source: APPLY,
    cleanup: ['delete namespace multi-resource-ns --ignore-not-found --wait=false'],
    steps: [
      kFails('get namespace multi-resource-ns', 'namespaces "multi-resource-ns" not found'),
      kFails('apply -f $FIX/multi-resource-1.yaml', 'namespaces "multi-resource-ns" not found'),
      kFails('get pods test-pod -n multi-resource-ns', 'pods "test-pod" not found'),
      k('apply -f $FIX/multi-resource-1.yaml'),
      field('pods test-pod -n multi-resource-ns', `{{${ID}}}`, 'test-pod'),
      k('delete -f $FIX/multi-resource-1.yaml'),
    ],
  },
  {
    name: 'apply: one unknown kind does not stop the others',
    source: APPLY,
    steps: [
      names('configmaps --field-selector=metadata.name=foo', ''),
      kFails('apply -f $FIX/multi-resource-2.yaml', 'no matches for kind "Bogus" in version "example.com/v1"'),
      field('configmaps foo', `{{${ID}}}`, 'foo'),
      k('delete configmaps foo'),
    ],
  },
  {
    name: 'apply: one invalid pod does not stop the others',
    source: APPLY,
    steps: [
      NO_PODS,
      kFails('apply -f $FIX/multi-resource-3.yaml', 'The Pod "POD-B" is invalid'),
      field('pods pod-a', `{{${ID}}}`, 'pod-a'),
      field('pods pod-c', `{{${ID}}}`, 'pod-c'),
      k('delete pod pod-a pod-c'),
      NO_PODS,
    ],
  },
];

export const GET_CASES: ConformanceCase[] = [
  {
    name: 'get: a missing pod is not found, whatever the output format',
    source: GET,
    steps: [
      NO_PODS,
      kFails('get pods abc', 'pods "abc" not found'),
      kFails('get pods abc -o name', 'pods "abc" not found'),
      { kubectl: 'get pods abc -o json', fail: true, has: ['pods "abc" not found'], lacks: ['List'] },
    ],
  },
  {
    name: 'get: "No resources found" only for human-readable output',
    source: GET,
    steps: [
      NO_PODS,
      k('get pods -o json', { lacks: [NO_RESOURCES] }),
      k('get pods -o yaml', { lacks: [NO_RESOURCES] }),
      k('get pods -o name', { lacks: [NO_RESOURCES] }),
      k("get pods -o jsonpath='{.items}'", { lacks: [NO_RESOURCES] }),
      k("get pods -o go-template='{{.items}}'", { lacks: [NO_RESOURCES] }),
      k('get pods -o custom-columns=NAME:.metadata.name', { lacks: [NO_RESOURCES] }),
      { kubectl: 'get foobar', fail: true, lacks: [NO_RESOURCES] },
      k('get pods', { has: [NO_RESOURCES] }),
      k('get pods --ignore-not-found', { lacks: [NO_RESOURCES] }),
      k('get pods -o wide', { has: [NO_RESOURCES] }),
    ],
  },
  {
    name: 'get all: lists every served kind of the "all" category',
    source: GET,
    steps: [
      k('--v=6 --namespace default get all --chunk-size=0', {
        has: ['/api/v1/namespaces/default/pods 200 OK', '/api/v1/namespaces/default/services 200 OK', '/apis/apps/v1/namespaces/default/deployments 200 OK', '/apis/apps/v1/namespaces/default/replicasets 200 OK'],
        lacks: ['/apis/extensions/v1beta1/namespaces/default/deployments 200 OK', '/apis/extensions/v1beta1/namespaces/default/replicasets 200 OK'],
      }),
    ],
  },
  {
    name: 'get all: also lists the workload kinds Skiff does not serve',
    source: GET,
    steps: [
      k('--v=6 --namespace default get all --chunk-size=0', {
        has: [
          '/api/v1/namespaces/default/replicationcontrollers 200 OK',
          '/apis/apps/v1/namespaces/default/daemonsets 200 OK',
          '/apis/apps/v1/namespaces/default/statefulsets 200 OK',
          '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers 200',
          '/apis/batch/v1/namespaces/default/jobs 200 OK',
        ],
      }),
    ],
  },
  {
    // test/cmd pages through clusterroles; Skiff serves no RBAC, so namespaces (also cluster-scoped) stand in.
    name: 'get: --chunk-size pages with limit and continue, 500 by default',
    source: GET,
    alone: true,
    steps: [
      k('--v=6 get namespaces --chunk-size=1', { has: ['/namespaces?limit=1 200 OK', '/v1/namespaces?continue='] }),
      k('--v=6 get namespaces', { has: ['/namespaces?limit=500 200 OK'] }),
      k('get namespaces --chunk-size=1 --no-headers', { has: ['default', 'kube-public', 'kube-system'] }),
    ],
  },
  {
    name: 'get: --watch with --chunk-size over several pages',
    source: GET,
    steps: [
      k('create cm one'),
      k('create cm two'),
      k('create cm three'),
      k('get configmap --chunk-size=1 --watch --request-timeout=1s', { lacks: ['watch is only supported on individual resources'] }),
      k('get configmap --chunk-size=1 --watch-only --request-timeout=1s', { lacks: ['watch is only supported on individual resources'] }),
    ],
  },
  {
    name: 'get: --allow-missing-template-keys and --template',
    source: GET,
    steps: [
      k('create -f $FIX/valid-pod.yaml'),
      names('pods', 'valid-pod:'),
      k("get pod valid-pod -o jsonpath='{.missing}'"),
      k("get pod valid-pod -o go-template='{{.missing}}'"),
      k(`get pod valid-pod --template='{{${ID}}}:'`, { has: ['valid-pod:'] }),
      kFails("get pod valid-pod --allow-missing-template-keys=false -o jsonpath='{.missing}'", 'missing is not found'),
      kFails("get pod valid-pod --allow-missing-template-keys=false -o go-template='{{.missing}}'", 'map has no entry for key "missing"'),
    ],
  },
  {
    name: 'get: --subresource status works, scale is not found for pods',
    source: GET,
    steps: [
      k('create -f $FIX/valid-pod.yaml'),
      k('get pod valid-pod --subresource=status', { has: ['valid-pod'] }),
      kFails('get pod valid-pod --subresource=scale', 'the server could not find the requested resource'),
    ],
  },
  {
    name: 'get: --watch prints headers, names, YAML, and not-found',
    source: GET,
    steps: [
      k('create -f $FIX/valid-pod.yaml'),
      k('get pods -w --request-timeout=1', { has: ['STATUS', 'valid-pod'] }),
      k('get pods/valid-pod -o name -w --request-timeout=1', { has: ['pod/valid-pod'], lacks: ['STATUS'] }),
      k('get pods/valid-pod -o yaml -w --request-timeout=1', { has: ['name: valid-pod'], lacks: ['STATUS'] }),
      kFails('get pods/invalid-pod -w --request-timeout=1', '"invalid-pod" not found'),
      k('delete pods valid-pod'),
    ],
  },
  {
    name: 'get -f prints every item of the file',
    source: GET,
    steps: [
      NO_PODS,
      k('create -f $FIX/multi-pod.yaml'),
      k("get -f $FIX/multi-pod.yaml -o jsonpath='{..metadata.name}'", { has: ['redis-master valid-pod'] }),
      k('delete pods redis-master valid-pod'),
    ],
  },
  {
    name: 'get -k prints every object of the kustomization',
    source: GET,
    steps: [
      names('configmaps --field-selector=metadata.name=test-the-map', ''),
      names('deployment', ''),
      names('services', ''),
      k('apply -k $FIX/kustomize'),
      k("get -k $FIX/kustomize -o jsonpath='{..metadata.name}'", { has: ['test-the-map', 'test-the-deployment', 'test-the-service'] }),
      k('delete -k $FIX/kustomize'),
      names('configmaps --field-selector=metadata.name=test-the-map', ''),
      names('deployment', '', true),
      names('services', ''),
    ],
  },
];
