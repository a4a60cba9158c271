import { dns1123LabelErrors } from '../names.js';
import { forbidden, invalid, invalidEach, required, type FieldErrors, type FieldPath } from './fieldErrors.js';
import { arr, bool, isObject, obj, str, stringMap, strings } from './values.js';

const RENDERERS = ['helm', 'kustomize', 'directory'] as const;
/** Helm's own rule for release names (53 characters: it appends suffixes of its own). */
const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * `spec.source.helm`, `.kustomize` and `.directory`: how the folder is rendered, with Argo CD's
 * field names. At most one of them says something (as Argo CD, which reports "multiple
 * application sources defined"); an empty block says nothing.
 */
export function validateApplicationSource(source: Record<string, unknown>, sourcePath: FieldPath, errs: FieldErrors): void {
  const set = RENDERERS.filter((r) => isObject(source[r]) && Object.keys(source[r] as object).length > 0);
  for (const extra of set.slice(1)) errs.push(forbidden(sourcePath.child(extra), `may not be set together with ${set[0]}: a folder is rendered one way`));

  const helmPath = sourcePath.child('helm');
  const helm = obj(source.helm, helmPath, errs);
  for (const f of strings(helm.valueFiles, helmPath.child('valueFiles'), errs)) {
    if (f.value === '') errs.push(required(f.path));
    else if (f.value.startsWith('/')) errs.push(invalid(f.path, f.value, 'must be a path relative to the chart folder'));
  }
  bool(helm.ignoreMissingValueFiles, helmPath.child('ignoreMissingValueFiles'), errs);
  bool(helm.skipCrds, helmPath.child('skipCrds'), errs);
  str(helm.values, helmPath.child('values'), errs);
  obj(helm.valuesObject, helmPath.child('valuesObject'), errs);
  const release = str(helm.releaseName, helmPath.child('releaseName'), errs);
  if (release && (release.length > 53 || !RELEASE_NAME.test(release))) {
    errs.push(invalid(helmPath.child('releaseName'), release, "a Helm release name must be at most 53 characters of lower case alphanumerics, '-' and '.', starting and ending with an alphanumeric"));
  }
  arr(helm.parameters, helmPath.child('parameters'), errs).forEach((p, i) => {
    const at = helmPath.child('parameters').index(i);
    const param = obj(p, at, errs);
    if (!str(param.name, at.child('name'), errs)) errs.push(required(at.child('name')));
    str(param.value, at.child('value'), errs);
    bool(param.forceString, at.child('forceString'), errs);
  });

  const kPath = sourcePath.child('kustomize');
  const k = obj(source.kustomize, kPath, errs);
  for (const image of strings(k.images, kPath.child('images'), errs)) {
    if (!/^[^\s=]+(=[^\s=]+)?$/.test(image.value)) errs.push(invalid(image.path, image.value, 'must be name=newName:tag, name:tag or name@digest'));
  }
  str(k.namePrefix, kPath.child('namePrefix'), errs);
  str(k.nameSuffix, kPath.child('nameSuffix'), errs);
  const ns = str(k.namespace, kPath.child('namespace'), errs);
  if (ns) errs.push(...invalidEach(kPath.child('namespace'), ns, dns1123LabelErrors(ns)));
  stringMap(k.commonLabels, kPath.child('commonLabels'), errs);
  stringMap(k.commonAnnotations, kPath.child('commonAnnotations'), errs);
  bool(k.allowRemoteBases, kPath.child('allowRemoteBases'), errs);

  const dPath = sourcePath.child('directory');
  const d = obj(source.directory, dPath, errs);
  bool(d.recurse, dPath.child('recurse'), errs);
  str(d.include, dPath.child('include'), errs);
  str(d.exclude, dPath.child('exclude'), errs);
  const jPath = dPath.child('jsonnet');
  const j = obj(d.jsonnet, jPath, errs);
  for (const field of ['extVars', 'tlas'] as const) {
    arr(j[field], jPath.child(field), errs).forEach((v, i) => {
      const at = jPath.child(field).index(i);
      const jv = obj(v, at, errs);
      if (!str(jv.name, at.child('name'), errs)) errs.push(required(at.child('name')));
      str(jv.value, at.child('value'), errs);
      bool(jv.code, at.child('code'), errs);
    });
  }
  for (const lib of strings(j.libs, jPath.child('libs'), errs)) {
    if (lib.value.startsWith('/') || lib.value.split('/').includes('..')) errs.push(invalid(lib.path, lib.value, 'must be a folder inside the repository, relative to its root'));
  }
}
