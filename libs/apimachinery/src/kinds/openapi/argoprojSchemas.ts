import { HEALTH_STATUSES, OPERATION_PHASES, SYNC_STATUSES } from '../../gitops.js';
import { APPLICATION_SET_POLICIES } from '../../argoproj.js';

/**
 * OpenAPI v3 schemas of the argoproj.io kinds Skiff serves built in, for `kubectl explain`. Written
 * for Skiff (the fields Skiff reads, in Argo CD's names); the parts Skiff passes through untouched
 * (a source's helm/kustomize settings, generator bodies, the template) keep unknown fields.
 */

type Schema = Record<string, unknown>;

const str = (description: string, extra: Schema = {}): Schema => ({ type: 'string', description, ...extra });
const int = (description: string): Schema => ({ type: 'integer', format: 'int64', description });
const bool = (description: string): Schema => ({ type: 'boolean', description });
const obj = (description: string, properties: Record<string, Schema>, required?: string[]): Schema => ({ type: 'object', description, properties, ...(required ? { required } : {}) });
const list = (description: string, items: Schema): Schema => ({ type: 'array', description, items });
const open = (description: string): Schema => ({ type: 'object', description, 'x-kubernetes-preserve-unknown-fields': true });

const METADATA = { type: 'object', description: "Standard object's metadata." };
const CONDITION = obj('A condition.', { type: str('Type of condition.'), status: str('True, False or Unknown.'), reason: str('A machine-readable reason.'), message: str('A human-readable message.'), lastTransitionTime: str('When the condition last changed.', { format: 'date-time' }) }, ['type']);
const HEALTH = obj('Health of an object.', { status: str('Health status.', { enum: [...HEALTH_STATUSES] }), message: str('Why, in words.') });
const GROUP_KIND = obj('An API group and kind ("*" matches any).', { group: str('API group ("" for the core group).'), kind: str('Kind.') }, ['kind']);

const SOURCE = {
  ...obj('A git repository directory the desired state is read from.', {
    repoURL: str('The repository: a local path, a file:// URL or an http(s):// URL.'),
    targetRevision: str('The branch, tag or commit to follow; HEAD when empty.'),
    path: str('The directory in the repository holding the manifests.'),
    chart: str('A Helm repository chart (not supported by Skiff: use a chart directory in git).'),
    ref: str('Names this source so other sources can refer to its files (not supported by Skiff).'),
  }, ['repoURL']),
  'x-kubernetes-preserve-unknown-fields': true,
};

function kind(kind: string, description: string, spec: Schema, status?: Schema): Schema {
  return {
    type: 'object',
    description,
    properties: { apiVersion: str('APIVersion of this representation: argoproj.io/v1alpha1.'), kind: str(`Kind: ${kind}.`), metadata: METADATA, spec, ...(status ? { status } : {}) },
    'x-kubernetes-group-version-kind': [{ group: 'argoproj.io', version: 'v1alpha1', kind }],
  };
}

export const ARGOPROJ_SCHEMAS: Record<string, Schema> = {
  'io.argoproj.v1alpha1.Application': kind(
    'Application',
    "Argo CD's Application, served by Skiff: the manifests in a directory of a git repository, kept in sync with the cluster by the same controller as skiff.dev Applications.",
    obj(
      'What to deploy and where.',
      {
        project: str('The AppProject whose rules apply. Defaults to "default".'),
        source: SOURCE,
        sources: list('Several sources whose objects are deployed together (instead of source).', SOURCE),
        destination: obj('Where the manifests are applied.', {
          server: str('The cluster API URL; Skiff deploys only to https://kubernetes.default.svc.'),
          name: str('The cluster name; Skiff deploys only to in-cluster.'),
          namespace: str('The namespace for namespaced objects without one.'),
        }),
        syncPolicy: obj('When and how to sync.', {
          automated: obj('Sync on every change in git.', { prune: bool('Delete live objects no longer in git.'), selfHeal: bool('Undo changes made to live objects outside git.'), allowEmpty: bool('Allow a revision with no objects.') }),
          syncOptions: list('Key=Value options, e.g. CreateNamespace=true.', str('An option.')),
          retry: open('Retries of a failed sync.'),
        }),
        ignoreDifferences: list('Fields whose differences do not count as drift.', open('A rule.')),
        revisionHistoryLimit: int('How many history entries are kept.'),
      },
      ['destination'],
    ),
    obj('The observed state.', {
      sync: obj('Whether the live state matches git.', { status: str('Sync status.', { enum: [...SYNC_STATUSES] }), revision: str('The commit compared with.'), comparedTo: open('The source and destination compared.') }),
      health: HEALTH,
      operationState: obj('The last sync operation.', {
        syncResult: open('The revision and source the operation synced.'),
        phase: str('Phase.', { enum: [...OPERATION_PHASES] }),
        message: str('What happened.'),
        startedAt: str('Start time.', { format: 'date-time' }),
        finishedAt: str('End time.', { format: 'date-time' }),
        revision: str('The commit synced.'),
      }),
      conditions: list('Errors and warnings about the Application.', CONDITION),
      resources: list('The objects the Application manages.', obj('A managed object.', { group: str('API group.'), version: str('API version.'), kind: str('Kind.'), namespace: str('Namespace.'), name: str('Name.'), status: str('Synced or OutOfSync.'), health: HEALTH })),
      history: list('Past deployments, newest last.', obj('A deployment.', { id: int('Sequence number.'), revision: str('Commit.'), deployedAt: str('When.', { format: 'date-time' }), source: open('The source deployed.') })),
      reconciledAt: str('When the Application was last reconciled.', { format: 'date-time' }),
    }),
  ),
  'io.argoproj.v1alpha1.AppProject': kind(
    'AppProject',
    'A group of Applications with the repositories, destinations and kinds they may use.',
    obj('What the project allows.', {
      description: str('What the project is for.'),
      sourceRepos: list('Repository URL globs Applications may read ("*": any).', str('A glob.')),
      destinations: list('Where Applications may deploy.', obj('A destination glob.', { server: str('Cluster URL glob.'), name: str('Cluster name glob.'), namespace: str('Namespace glob.') })),
      clusterResourceWhitelist: list('Cluster-scoped kinds allowed (none when empty).', GROUP_KIND),
      clusterResourceBlacklist: list('Cluster-scoped kinds refused.', GROUP_KIND),
      namespaceResourceWhitelist: list('Namespaced kinds allowed (all when empty).', GROUP_KIND),
      namespaceResourceBlacklist: list('Namespaced kinds refused.', GROUP_KIND),
    }),
  ),
  'io.argoproj.v1alpha1.ApplicationSet': kind(
    'ApplicationSet',
    'Generates Applications from a template and parameter sets (a list, directories or files in git, and their combinations).',
    obj('Generators and the template.', {
      generators: list('Parameter set generators.', open('A generator: list, git, matrix or merge.')),
      template: open('The Application each parameter set renders.'),
      goTemplate: bool('Parameters as Go template fields ({{.path.basename}}) instead of {{path.basename}}.'),
      syncPolicy: obj('What the ApplicationSet may do to its Applications.', {
        applicationsSync: str('create-only, create-update, create-delete or sync (the default: all).', { enum: [...APPLICATION_SET_POLICIES] }),
        preserveResourcesOnDeletion: bool("Deleting a generated Application leaves its objects in place."),
      }),
    }, ['generators', 'template']),
    obj('The observed state.', {
      conditions: list('ErrorOccurred, ParametersGenerated, ResourcesUpToDate.', CONDITION),
      resources: list('The Applications generated.', open('An Application.')),
    }),
  ),
};
