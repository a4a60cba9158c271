/**
 * OpenAPI v3 schemas of the image.toolkit.fluxcd.io/v1beta2 kinds, for `kubectl explain`.
 * Validation lives in validation/image*.ts; these only describe the fields.
 */

type Schema = Record<string, unknown>;

const str = (description: string, extra: Schema = {}): Schema => ({ type: 'string', description, ...extra });
const int = (description: string): Schema => ({ type: 'integer', format: 'int64', description });
const bool = (description: string): Schema => ({ type: 'boolean', description });
const obj = (description: string, properties: Record<string, Schema>, required?: string[]): Schema => ({ type: 'object', description, properties, ...(required ? { required } : {}) });
const list = (description: string, items: Schema): Schema => ({ type: 'array', description, items });

const CONDITIONS = list(
  "Observations of the object's state (Ready).",
  obj('A condition.', { type: str('Type of condition.'), status: str('True, False or Unknown.'), reason: str('A machine-readable reason.'), message: str('A human-readable message.'), lastTransitionTime: str('When the condition last changed.', { format: 'date-time' }), observedGeneration: int('The generation the condition was set for.') }, ['type', 'status', 'reason']),
);
const ORDER = obj('Ordering of the tags.', { order: str('asc picks the last tag in order, desc the first.', { enum: ['asc', 'desc'] }) });
const DURATION = (what: string) => str(`${what}, as a Go duration (30s, 5m, 1h).`, { pattern: '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$' });

function kind(kind: string, description: string, spec: Schema, status: Schema): Schema {
  return {
    type: 'object',
    description,
    properties: { apiVersion: str('APIVersion of this representation: image.toolkit.fluxcd.io/v1beta2.'), kind: str(`Kind: ${kind}.`), metadata: { type: 'object', description: "Standard object's metadata." }, spec, status },
    'x-kubernetes-group-version-kind': [{ group: 'image.toolkit.fluxcd.io', version: 'v1beta2', kind }],
  };
}

export const IMAGE_SCHEMAS: Record<string, Schema> = {
  'io.fluxcd.toolkit.image.v1beta2.ImageRepository': kind(
    'ImageRepository',
    'An ImageRepository lists the tags of an image repository in a registry on an interval.',
    obj(
      'What to scan.',
      {
        image: str('The image repository without a tag: 127.0.0.1:5000/hello, ghcr.io/team/app.'),
        interval: DURATION('How often the tags are listed'),
        timeout: DURATION('How long one scan may take'),
        secretRef: obj('A kubernetes.io/dockerconfigjson Secret in this namespace with the registry credentials.', { name: str('Name of the Secret.') }, ['name']),
        insecure: bool('Speak plain HTTP to the registry.'),
        exclusionList: list('Regular expressions; matching tags are left out.', str('A pattern.')),
        suspend: bool('Stop scanning.'),
      },
      ['image', 'interval'],
    ),
    obj('The observed state.', {
      canonicalImageName: str('The image name with its registry.'),
      lastScanResult: obj('The last scan.', { tagCount: int('Tags found.'), scanTime: str('When.', { format: 'date-time' }), latestTags: list('The ten last tags in reverse alphabetical order.', str('A tag.')) }),
      tags: list('Every tag of the last scan (what the policies choose from).', str('A tag.')),
      observedGeneration: int('The generation last scanned.'),
      conditions: CONDITIONS,
    }),
  ),
  'io.fluxcd.toolkit.image.v1beta2.ImagePolicy': kind(
    'ImagePolicy',
    'An ImagePolicy chooses the latest tag of an ImageRepository by a semver range or an ordering.',
    obj(
      'How to choose.',
      {
        imageRepositoryRef: obj('The ImageRepository.', { name: str('Its name.'), namespace: str('Its namespace; defaults to this one.') }, ['name']),
        policy: obj('Exactly one ordering.', { semver: obj('Highest version within a range.', { range: str('A semver range: ~1.0, ^2.0.0, >=1.0.0 <2.0.0.') }, ['range']), alphabetical: ORDER, numerical: ORDER }),
        filterTags: obj('Only tags matching a pattern, compared by what extract takes from them.', { pattern: str('A regular expression.'), extract: str('The value to compare, from the pattern\'s groups: $1, $name.') }),
      },
      ['imageRepositoryRef', 'policy'],
    ),
    obj('The observed state.', {
      latestImage: str('The image with the chosen tag.'),
      latestRef: obj('The chosen image, split.', { name: str('The image name.'), tag: str('The tag.') }),
      observedPreviousImage: str('The image chosen before.'),
      observedGeneration: int('The generation last evaluated.'),
      conditions: CONDITIONS,
    }),
  ),
  'io.fluxcd.toolkit.image.v1beta2.ImageUpdateAutomation': kind(
    'ImageUpdateAutomation',
    'An ImageUpdateAutomation commits the images its policies chose into the manifests of a repository.',
    obj(
      'Where and how to commit.',
      {
        sourceRef: obj('The Application whose repository is updated.', { apiVersion: str('skiff.dev/v1alpha1.'), kind: str('Application.'), name: str('Its name.'), namespace: str('Its namespace; defaults to this one.') }, ['kind', 'name']),
        git: obj('The commits.', {
          checkout: obj('What to check out.', { ref: obj('The ref.', { branch: str("The branch; defaults to the Application's targetRevision.") }) }),
          commit: obj('Who commits, and the message.', { author: obj('The author.', { name: str('Name.'), email: str('Email.') }, ['email']), messageTemplate: str('A Go template for the message (.AutomationObject, .Updated, .Changed).') }, ['author']),
          push: obj('Where the commit goes.', { branch: str('The branch; defaults to the checkout branch.') }),
        }),
        interval: DURATION('How often the automation runs'),
        update: obj('What is updated.', { path: str('The directory whose YAML files are updated; defaults to the root.'), strategy: str('Setters: fields carrying an $imagepolicy marker.', { enum: ['Setters'] }) }),
        policySelector: obj('Only the ImagePolicies with these labels.', { matchLabels: { type: 'object', additionalProperties: { type: 'string' } } }),
        suspend: bool('Stop the automation.'),
      },
      ['sourceRef', 'interval'],
    ),
    obj('The observed state.', {
      lastAutomationRunTime: str('When it last ran.', { format: 'date-time' }),
      lastPushCommit: str('The last commit it made.'),
      lastPushTime: str('When.', { format: 'date-time' }),
      observedSourceRevision: str('The commit it last looked at.'),
      observedPolicies: { type: 'object', description: 'The images of the policies it applied.', additionalProperties: obj('An image.', { name: str('Name.'), tag: str('Tag.') }) },
      observedGeneration: int('The generation last run.'),
      conditions: CONDITIONS,
    }),
  ),
};
