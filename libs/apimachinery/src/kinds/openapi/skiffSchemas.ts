import { HEALTH_STATUSES, OPERATION_PHASES, SYNC_STATUSES, WEBHOOK_EVENTS } from '../../gitops.js';

/**
 * OpenAPI v3 schemas of the skiff.dev kinds, for `kubectl explain`. Validation itself lives in
 * @skiff/apimachinery; these only describe the fields.
 */

type Schema = Record<string, unknown>;

const str = (description: string, extra: Schema = {}): Schema => ({ type: 'string', description, ...extra });
const int = (description: string): Schema => ({ type: 'integer', format: 'int32', description });
const bool = (description: string): Schema => ({ type: 'boolean', description });
const obj = (description: string, properties: Record<string, Schema>, required?: string[]): Schema => ({ type: 'object', description, properties, ...(required ? { required } : {}) });
const list = (description: string, items: Schema, extra: Schema = {}): Schema => ({ type: 'array', description, items, ...extra });

const METADATA = { type: 'object', description: "Standard object's metadata." };
const CONDITIONS = list(
  'Observations of the object\'s state.',
  obj('A condition.', { type: str('Type of condition.'), status: str('True, False or Unknown.'), reason: str('A machine-readable reason.'), message: str('A human-readable message.'), lastTransitionTime: str('When the condition last changed.', { format: 'date-time' }) }, ['type']),
  { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
);
const HEALTH = obj('Health of an object.', { status: str('Health status.', { enum: [...HEALTH_STATUSES] }), message: str('Why, in words.') });

const stringMap = (description: string): Schema => ({ type: 'object', description, additionalProperties: { type: 'string' } });
const JSONNET_VAR = obj('A Jsonnet variable.', { name: str('Name.'), value: str('Value.'), code: bool('The value is Jsonnet code, not a string.') }, ['name', 'value']);

/** How the folder is rendered: Argo CD's ApplicationSource fields, same names. */
const RENDERING: Record<string, Schema> = {
  helm: obj('Render the folder as a Helm chart (`helm template`); chosen without this block when the folder has a Chart.yaml.', {
    valueFiles: list('Values files, relative to the chart folder, applied in order.', str('A values file.')),
    ignoreMissingValueFiles: bool('Skip values files that do not exist instead of failing.'),
    values: str('Values as a YAML string; wins over valueFiles.'),
    valuesObject: { type: 'object', description: 'Values as an object; replaces values when both are set.', 'x-kubernetes-preserve-unknown-fields': true },
    parameters: list('--set (or --set-string with forceString) parameters; win over all values.', obj('A parameter.', { name: str('Name, e.g. image.tag.'), value: str('Value.'), forceString: bool('Pass with --set-string.') }, ['name'])),
    releaseName: str("The release name. Defaults to the Application's name."),
    skipCrds: bool("Leave the chart's crds/ out."),
  }),
  kustomize: obj('Render the folder with kustomize (`kubectl kustomize`, or a kustomize binary when installed); chosen without this block when the folder has a kustomization.yaml.', {
    images: list('Image overrides: name=newName:tag, name:tag or name@digest.', str('An image override.')),
    namePrefix: str('Prefix for every object name.'),
    nameSuffix: str('Suffix for every object name.'),
    commonLabels: stringMap('Labels added to every object.'),
    commonAnnotations: stringMap('Annotations added to every object.'),
    namespace: str('Namespace set on every namespaced object.'),
    allowRemoteBases: bool('Allow resources and bases from outside the repository (URLs, git@..., github.com/...). Refused by default.'),
  }),
  directory: obj('Read the folder as plain manifests and *.jsonnet files (the default).', {
    recurse: bool('Read subfolders too. Defaults to true in Skiff (Argo CD: false).'),
    include: str('Only files matching this glob ({a,b} for several).'),
    exclude: str('No files matching this glob; wins over include.'),
    jsonnet: obj('Options for *.jsonnet files.', {
      extVars: list('External variables (std.extVar).', JSONNET_VAR),
      tlas: list('Top-level arguments.', JSONNET_VAR),
      libs: list('Library folders (-J), relative to the repository root.', str('A folder.')),
    }),
  }),
};

function kind(kind: string, description: string, spec: Schema, status: Schema): Schema {
  return {
    type: 'object',
    description,
    properties: { apiVersion: str('APIVersion of this representation: skiff.dev/v1alpha1.'), kind: str(`Kind: ${kind}.`), metadata: METADATA, spec, status },
    'x-kubernetes-group-version-kind': [{ group: 'skiff.dev', version: 'v1alpha1', kind }],
  };
}

export const SKIFF_SCHEMAS: Record<string, Schema> = {
  'dev.skiff.v1alpha1.Application': kind(
    'Application',
    'An Application deploys the manifests in a directory of a git repository into a namespace and keeps them in sync.',
    obj(
      'What to deploy and where.',
      {
        source: obj(
          'Where the desired state comes from.',
          { repoURL: str('The repository: a local path, a file:// URL or an http(s):// URL.'), targetRevision: str('The branch, tag or commit to follow. Defaults to HEAD.'), path: str('The directory in the repository holding the manifests. Defaults to ".".'), ...RENDERING },
          ['repoURL'],
        ),
        destination: obj('Where the manifests are applied.', { namespace: str('The namespace for namespaced objects without one.') }, ['namespace']),
        syncPolicy: obj('When and how to sync.', {
          automated: obj('Sync on every change in git.', { prune: bool('Delete live objects no longer in git.'), selfHeal: bool('Undo changes made to live objects outside git.') }),
          syncOptions: list('Key=Value options, e.g. CreateNamespace=true.', str('An option.')),
          autoRollback: bool('Roll back to the last healthy revision when a sync leaves the Application Degraded.'),
          retry: obj('Retry a failed sync operation with backoff (Argo CD\'s field).', {
            limit: int('Retries after the first attempt; negative for no limit.'),
            backoff: obj('Wait between attempts: duration x factor^retries, at most maxDuration.', { duration: str('First wait, e.g. 5s.'), factor: int('Multiplier per retry. Defaults to 2.'), maxDuration: str('Longest wait, e.g. 3m.') }),
          }),
        }),
        ignoreDifferences: list(
          'Fields whose differences do not make an object OutOfSync and that self-heal leaves alone (Argo CD\'s field).',
          obj('Which objects and which of their fields.', {
            group: str('API group ("" for the core group).'),
            kind: str('Kind.'),
            name: str('Only this object.'),
            namespace: str('Only in this namespace.'),
            jsonPointers: list('RFC 6901 pointers, e.g. /spec/replicas.', str('A pointer.')),
            jqPathExpressions: list('jq path expressions (paths, pipes and select(PATH == LITERAL)).', str('An expression.')),
            managedFieldsManagers: list('Fields these managers own in managedFields.', str('A field manager.')),
          }, ['kind']),
        ),
        refreshIntervalSeconds: int('How often a remote repository is fetched. Defaults to 60.'),
        project: str("An argoproj.io AppProject in the Application's namespace whose rules apply; none when unset."),
        serviceAccountName: str("A ServiceAccount of the Application's namespace its objects are applied as (RBAC decides what a sync may write). Defaults to skiff-gitops in the destination namespace, bound to admin there."),
      },
      ['source', 'destination'],
    ),
    obj('The observed state.', {
      sync: obj('Whether the live state matches git.', { status: str('Sync status.', { enum: [...SYNC_STATUSES] }), revision: str('The commit compared with.') }),
      health: HEALTH,
      operationState: obj('The last sync operation.', {
        phase: str('Phase.', { enum: [...OPERATION_PHASES] }),
        message: str('What happened.'),
        startedAt: str('Start time.', { format: 'date-time' }),
        finishedAt: str('End time.', { format: 'date-time' }),
        revision: str('The commit synced.'),
        retryCount: int('Retries so far (syncPolicy.retry).'),
        syncResult: obj('What the operation did, object by object.', {
          revision: str('The commit synced.'),
          resources: list(
            'Objects applied, pruned or run as hooks.',
            obj('One object.', {
              group: str('API group.'), version: str('API version.'), kind: str('Kind.'), namespace: str('Namespace.'), name: str('Name.'),
              status: str('Synced, SyncFailed, Pruned or PruneSkipped.'), message: str('What happened.'),
              hookType: str('PreSync, Sync, PostSync or SyncFail, for a hook.'), hookPhase: str('Running, Succeeded, Failed, Error or Terminating.'),
              syncPhase: str('The phase it ran in.'), syncWave: int('Its wave.'), uid: str('The live object\'s uid.'),
            }),
          ),
        }),
      }),
      conditions: CONDITIONS,
      resources: list(
        'The objects the Application manages.',
        obj('A managed object.', { group: str('API group.'), version: str('API version.'), kind: str('Kind.'), namespace: str('Namespace.'), name: str('Name.'), status: str('Synced or OutOfSync.'), health: HEALTH, requiresPruning: bool('Live, tracked, and no longer in git.') }),
      ),
      history: list('Past deployments, newest last.', obj('A deployment.', { id: int('Sequence number.'), revision: str('Commit.'), message: str('Commit message.'), author: str('Commit author.'), deployedAt: str('When.', { format: 'date-time' }) })),
      observedAt: str('When the live state was last compared.', { format: 'date-time' }),
      reconciledAt: str('When the Application was last reconciled.', { format: 'date-time' }),
    }),
  ),
  'dev.skiff.v1alpha1.Webhook': kind(
    'Webhook',
    'A Webhook posts notifications of Application events to a URL.',
    obj(
      'Where to post and what.',
      {
        url: str('The http(s) URL notifications are posted to.'),
        events: list('The events to deliver; all when unset.', str('An event.', { enum: [...WEBHOOK_EVENTS] })),
        applications: list('The Applications (in this namespace) to report on; all when unset.', str('An Application name.')),
        secretRef: obj('A Secret key whose value signs each delivery.', { name: str('Secret name.'), key: str('Key in the Secret.') }, ['name', 'key']),
        timeoutSeconds: int('How long a delivery may take. Defaults to 10.'),
      },
      ['url'],
    ),
    obj('Delivery state.', {
      lastDelivery: { type: 'object', description: 'The last delivery: time, event, statusCode or error.', 'x-kubernetes-preserve-unknown-fields': true },
      failures: int('Consecutive failed deliveries.'),
      conditions: CONDITIONS,
    }),
  ),
};
