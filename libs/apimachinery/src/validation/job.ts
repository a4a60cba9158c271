import type { KubeObject } from '../types.js';
import { isKnownTimeZone, parseCronSchedule } from '../cronSchedule.js';
import { deepEqual } from '../deepEqual.js';
import { isDns1123Label, qualifiedNameErrors } from '../names.js';
import { duplicate, FieldPath, IMMUTABLE, invalid, invalidEach, NEGATIVE, notSupported, required, type FieldErrors } from './fieldErrors.js';
import { labelSelectorMatches, validateLabelSelector, type LabelSelector } from './labelSelector.js';
import { validateAnnotations, validateLabels } from './objectMeta.js';
import { validatePodSpec } from './podSpec.js';
import { arr, bool, int, isObject, obj, str, stringMap, type Json } from './values.js';

/**
 * Kubernetes' batch/v1 validation for Jobs and CronJobs (pkg/apis/batch/validation): counts,
 * completion mode, pod failure policy, the generated selector, restart policy, schedules and time
 * zones, and what an update may change. Objects are defaulted (and a new Job's selector
 * generated) first, as kube-apiserver does.
 */

/** The labels the API server puts on a Job's pod template, and the one its selector matches. */
export const JOB_CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const LEGACY_JOB_CONTROLLER_UID_LABEL = 'controller-uid';
export const LEGACY_JOB_NAME_LABEL = 'job-name';

const MAX_PARALLELISM_INDEXED = 100_000;
const MAX_POD_FAILURE_POLICY_RULES = 20;
const MAX_ON_EXIT_CODES_VALUES = 255;
const MAX_ON_POD_CONDITIONS = 20;
const POD_FAILURE_POLICY_ACTIONS = ['Count', 'FailIndex', 'FailJob', 'Ignore'];
const EXIT_CODE_OPERATORS = ['In', 'NotIn'];
const CONDITION_STATUSES = ['False', 'True', 'Unknown'];
const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace'];
/** The cronjob controller appends `-<minutes since epoch>` (11 characters) to Job names, which are DNS labels of at most 63. */
const MAX_CRONJOB_NAME = 52;

function nonNegative(raw: unknown, path: FieldPath, errs: FieldErrors): number | undefined {
  const v = int(raw, path, errs);
  if (v !== undefined && v < 0) errs.push(invalid(path, v, NEGATIVE));
  return v;
}

function tooMany(path: FieldPath, actual: number, max: number): FieldErrors[number] {
  return { reason: 'FieldValueTooMany', field: path.toString(), message: `Too many: ${actual}: must have at most ${max} items` };
}

/** Kubernetes' Invalid with an omitted value: the message has no "Invalid value" part to show. */
function invalidOmitted(path: FieldPath, detail: string): FieldErrors[number] {
  return { reason: 'FieldValueInvalid', field: path.toString(), message: `Invalid value: "null": ${detail}` };
}

function validatePodFailurePolicy(spec: Json, path: FieldPath, errs: FieldErrors): void {
  const policy = obj(spec.podFailurePolicy, path, errs);
  const rulesPath = path.child('rules');
  const rules = arr(policy.rules, rulesPath, errs);
  if (rules.length > MAX_POD_FAILURE_POLICY_RULES) errs.push(tooMany(rulesPath, rules.length, MAX_POD_FAILURE_POLICY_RULES));
  const podSpec = isObject(spec.template) && isObject(spec.template.spec) ? spec.template.spec : {};
  const containerNames = new Set(
    [...(Array.isArray(podSpec.containers) ? podSpec.containers : []), ...(Array.isArray(podSpec.initContainers) ? podSpec.initContainers : [])]
      .filter(isObject)
      .map((c) => c.name),
  );
  rules.forEach((raw, i) => {
    const rulePath = rulesPath.index(i);
    const rule = obj(raw, rulePath, errs);
    const action = str(rule.action, rulePath.child('action'), errs);
    if (!action) errs.push(required(rulePath.child('action'), `valid values: ["${POD_FAILURE_POLICY_ACTIONS.join('" "')}"]`));
    else if (action === 'FailIndex') {
      if (spec.backoffLimitPerIndex === undefined || spec.backoffLimitPerIndex === null) errs.push(invalid(rulePath.child('action'), action, 'requires the backoffLimitPerIndex to be set'));
    } else if (!POD_FAILURE_POLICY_ACTIONS.includes(action)) errs.push(notSupported(rulePath.child('action'), action, POD_FAILURE_POLICY_ACTIONS));
    const hasExitCodes = rule.onExitCodes !== undefined && rule.onExitCodes !== null;
    const conditions = arr(rule.onPodConditions, rulePath.child('onPodConditions'), errs);
    if (hasExitCodes) validateOnExitCodes(rule.onExitCodes, rulePath.child('onExitCodes'), containerNames, errs);
    if (conditions.length) validateOnPodConditions(conditions, rulePath.child('onPodConditions'), errs);
    if (hasExitCodes && conditions.length) errs.push(invalidOmitted(rulePath, 'specifying both OnExitCodes and OnPodConditions is not supported'));
    if (!hasExitCodes && !conditions.length) errs.push(invalidOmitted(rulePath, 'specifying one of OnExitCodes and OnPodConditions is required'));
  });
}

function validateOnExitCodes(raw: unknown, path: FieldPath, containerNames: Set<unknown>, errs: FieldErrors): void {
  const req = obj(raw, path, errs);
  const operator = str(req.operator, path.child('operator'), errs);
  if (!operator) errs.push(required(path.child('operator'), `valid values: ["${EXIT_CODE_OPERATORS.join('" "')}"]`));
  else if (!EXIT_CODE_OPERATORS.includes(operator)) errs.push(notSupported(path.child('operator'), operator, EXIT_CODE_OPERATORS));
  const containerName = str(req.containerName, path.child('containerName'), errs);
  if (req.containerName !== undefined && req.containerName !== null && !containerNames.has(containerName)) {
    errs.push(invalid(path.child('containerName'), containerName, 'must be one of the container or initContainer names in the pod template'));
  }
  const valuesPath = path.child('values');
  const values = arr(req.values, valuesPath, errs);
  if (values.length === 0) errs.push(invalid(valuesPath, values, 'at least one value is required'));
  else if (values.length > MAX_ON_EXIT_CODES_VALUES) errs.push(tooMany(valuesPath, values.length, MAX_ON_EXIT_CODES_VALUES));
  const seen = new Set<number>();
  let ordered = true;
  values.forEach((v, j) => {
    const code = int(v, valuesPath.index(j), errs);
    if (code === undefined) return;
    if (operator === 'In' && code === 0) errs.push(invalid(valuesPath.index(j), code, 'must not be 0 for the In operator'));
    if (seen.has(code)) errs.push(duplicate(valuesPath.index(j), code));
    seen.add(code);
    if (j > 0 && typeof values[j - 1] === 'number' && (values[j - 1] as number) > code) ordered = false;
  });
  if (!ordered) errs.push(invalid(valuesPath, values, 'must be ordered'));
}

function validateOnPodConditions(patterns: unknown[], path: FieldPath, errs: FieldErrors): void {
  if (patterns.length > MAX_ON_POD_CONDITIONS) errs.push(tooMany(path, patterns.length, MAX_ON_POD_CONDITIONS));
  patterns.forEach((raw, j) => {
    const p = path.index(j);
    const pattern = obj(raw, p, errs);
    const type = str(pattern.type, p.child('type'), errs);
    errs.push(...invalidEach(p.child('type'), type, qualifiedNameErrors(type)));
    const status = str(pattern.status, p.child('status'), errs);
    if (!status) errs.push(required(p.child('status'), `valid values: ["${CONDITION_STATUSES.join('" "')}"]`));
    else if (!CONDITION_STATUSES.includes(status)) errs.push(notSupported(p.child('status'), status, CONDITION_STATUSES));
  });
}

/** validateJobSpec: everything but the selector, shared by Jobs and CronJobs' job templates. */
function validateJobSpecFields(spec: Json, path: FieldPath, errs: FieldErrors): void {
  const parallelism = nonNegative(spec.parallelism, path.child('parallelism'), errs);
  const completions = nonNegative(spec.completions, path.child('completions'), errs);
  nonNegative(spec.activeDeadlineSeconds, path.child('activeDeadlineSeconds'), errs);
  nonNegative(spec.backoffLimit, path.child('backoffLimit'), errs);
  nonNegative(spec.ttlSecondsAfterFinished, path.child('ttlSecondsAfterFinished'), errs);
  const perIndex = nonNegative(spec.backoffLimitPerIndex, path.child('backoffLimitPerIndex'), errs);
  const maxFailed = nonNegative(spec.maxFailedIndexes, path.child('maxFailedIndexes'), errs);
  if (maxFailed !== undefined && perIndex === undefined) errs.push(required(path.child('backoffLimitPerIndex'), 'when maxFailedIndexes is specified'));
  bool(spec.suspend, path.child('suspend'), errs);
  bool(spec.manualSelector, path.child('manualSelector'), errs);

  const mode = str(spec.completionMode, path.child('completionMode'), errs);
  if (mode && mode !== 'NonIndexed' && mode !== 'Indexed') errs.push(notSupported(path.child('completionMode'), mode, ['NonIndexed', 'Indexed']));
  if (mode === 'Indexed') {
    if (completions === undefined) errs.push(required(path.child('completions'), 'when completion mode is Indexed'));
    if (parallelism !== undefined && parallelism > MAX_PARALLELISM_INDEXED) {
      errs.push(invalid(path.child('parallelism'), parallelism, `must be less than or equal to ${MAX_PARALLELISM_INDEXED} when completion mode is Indexed`));
    }
    if (completions !== undefined && maxFailed !== undefined && maxFailed > completions) errs.push(invalid(path.child('maxFailedIndexes'), maxFailed, 'must be less than or equal to completions'));
  } else {
    if (perIndex !== undefined) errs.push(invalid(path.child('backoffLimitPerIndex'), perIndex, 'requires indexed completion mode'));
    if (maxFailed !== undefined) errs.push(invalid(path.child('maxFailedIndexes'), maxFailed, 'requires indexed completion mode'));
  }
  const hasPolicy = spec.podFailurePolicy !== undefined && spec.podFailurePolicy !== null;
  if (hasPolicy) validatePodFailurePolicy(spec, path.child('podFailurePolicy'), errs);
  const replacement = str(spec.podReplacementPolicy, path.child('podReplacementPolicy'), errs);
  if (replacement) {
    if (hasPolicy && replacement !== 'Failed') errs.push(notSupported(path.child('podReplacementPolicy'), replacement, ['Failed']));
    else if (!['Failed', 'TerminatingOrFailed'].includes(replacement)) errs.push(notSupported(path.child('podReplacementPolicy'), replacement, ['Failed', 'TerminatingOrFailed']));
  }

  const templatePath = path.child('template');
  const template = obj(spec.template, templatePath, errs);
  const meta = obj(template.metadata, templatePath.child('metadata'), errs);
  validateLabels(meta.labels, templatePath.child('metadata', 'labels'), errs);
  validateAnnotations(meta.annotations, templatePath.child('metadata', 'annotations'), errs);
  validatePodSpec(template.spec, templatePath.child('spec'), errs, { isPod: false });
  // A Job's pods finish: restartPolicy Always (the pod default) would never let them.
  const podSpec = isObject(template.spec) ? template.spec : {};
  const restartPolicy = typeof podSpec.restartPolicy === 'string' ? podSpec.restartPolicy : '';
  const restartPath = templatePath.child('spec', 'restartPolicy');
  if (restartPolicy === 'Always' || restartPolicy === '') errs.push(required(restartPath, 'valid values: "OnFailure", "Never"'));
  else if (restartPolicy !== 'OnFailure' && restartPolicy !== 'Never') errs.push(notSupported(restartPath, restartPolicy, ['OnFailure', 'Never']));
  else if (hasPolicy && restartPolicy !== 'Never') errs.push(invalid(restartPath, restartPolicy, 'only "Never" is supported when podFailurePolicy is specified'));
}

function selectorOf(spec: Json, path: FieldPath, errs: FieldErrors): LabelSelector | undefined {
  if (spec.selector === undefined || spec.selector === null) {
    errs.push(required(path));
    return undefined;
  }
  const before = errs.length;
  validateLabelSelector(spec.selector, path, errs);
  return errs.length === before ? (spec.selector as LabelSelector) : undefined;
}

/** Without manualSelector the selector and template labels are the API server's: they must still be its. */
function validateGeneratedSelector(job: KubeObject, spec: Json, selector: LabelSelector | undefined, errs: FieldErrors): void {
  if (spec.manualSelector === true || !selector) return;
  const uid = job.metadata.uid ?? '';
  if (!uid) errs.push(required(FieldPath.root('metadata', 'uid')));
  const metaPath = FieldPath.root('spec', 'template', 'metadata');
  const labels = stringMap(isObject(spec.template) && isObject(spec.template.metadata) ? spec.template.metadata.labels : undefined, metaPath.child('labels'), []);
  const expected: Record<string, string> = {
    [LEGACY_JOB_CONTROLLER_UID_LABEL]: uid,
    [LEGACY_JOB_NAME_LABEL]: job.metadata.name ?? '',
    [JOB_CONTROLLER_UID_LABEL]: uid,
    [JOB_NAME_LABEL]: job.metadata.name ?? '',
  };
  for (const [key, value] of Object.entries(expected)) {
    if (labels[key] === undefined) errs.push(required(metaPath.child('labels').key(key), `must be '${value}'`));
    else if (labels[key] !== value) errs.push(invalid(metaPath.child('labels').key(key), labels, `must be '${value}'`));
  }
  if (!labelSelectorMatches(selector, expected)) errs.push(invalid(FieldPath.root('spec', 'selector'), spec.selector, '`selector` not auto-generated'));
}

export function validateJob(job: KubeObject, errs: FieldErrors): void {
  const specPath = FieldPath.root('spec');
  const spec = obj(job.spec, specPath, errs);
  validateGeneratedSelector(job, spec, selectorOf(spec, specPath.child('selector'), []), errs);
  validateJobSpecFields(spec, specPath, errs);
  const selector = selectorOf(spec, specPath.child('selector'), errs);
  const labels = isObject(spec.template) && isObject(spec.template.metadata) ? stringMap(spec.template.metadata.labels, specPath, []) : {};
  if (selector && !labelSelectorMatches(selector, labels)) {
    errs.push(invalid(specPath.child('template', 'metadata', 'labels'), labels, '`selector` does not match template `labels`'));
  }
  // Indexed pods get the hostname `<job>-<index>`: the largest must be a DNS label.
  if (spec.completionMode === 'Indexed' && typeof spec.completions === 'number' && spec.completions > 0) {
    const hostname = `${job.metadata.name ?? ''}-${spec.completions - 1}`;
    if (!isDns1123Label(hostname)) {
      errs.push(invalid(FieldPath.root('metadata', 'name'), job.metadata.name ?? '', `will not able to create pod with invalid DNS label: ${hostname}`));
    }
  }
  validateJobStatus(job.status, errs);
}

function validateJobStatus(raw: unknown, errs: FieldErrors): void {
  if (raw === undefined || raw === null) return;
  const path = FieldPath.root('status');
  const status = obj(raw, path, errs);
  for (const f of ['active', 'succeeded', 'failed', 'ready', 'terminating']) nonNegative(status[f], path.child(f), errs);
  const uncounted = obj(status.uncountedTerminatedPods, path.child('uncountedTerminatedPods'), errs);
  const seen = new Set<string>();
  for (const list of ['succeeded', 'failed']) {
    arr(uncounted[list], path.child('uncountedTerminatedPods', list), errs).forEach((uid, i) => {
      const p = path.child('uncountedTerminatedPods', list).index(i);
      if (uid === '') errs.push(invalid(p, uid, 'must not be empty'));
      else if (seen.has(String(uid))) errs.push(duplicate(p, uid));
      else seen.add(String(uid));
    });
  }
}

/** What a Job update may not change (ValidateJobSpecUpdate): most of the spec is fixed once created. */
export function validateJobUpdate(next: KubeObject, prev: KubeObject, errs: FieldErrors): void {
  const n = isObject(next.spec) ? next.spec : {};
  const o = isObject(prev.spec) ? prev.spec : {};
  const path = FieldPath.root('spec');
  const indexed = n.completionMode === 'Indexed';
  if (!deepEqual(n.completions, o.completions)) {
    // Elastic Indexed Jobs: completions may change together with parallelism.
    if (!indexed) errs.push(invalid(path.child('completions'), n.completions ?? null, IMMUTABLE));
    else if (typeof n.completions === 'number' && n.completions !== n.parallelism) {
      errs.push(invalid(path.child('completions'), n.completions, 'can only be modified in tandem with spec.parallelism'));
    }
  }
  for (const f of ['selector', 'completionMode', 'podFailurePolicy', 'backoffLimitPerIndex', 'managedBy', 'successPolicy']) {
    if (!deepEqual(n[f], o[f])) errs.push(invalid(path.child(f), n[f] ?? null, IMMUTABLE));
  }
  let template = n.template;
  const oldTemplate = isObject(o.template) ? structuredClone(o.template) : o.template;
  // A suspended Job that never started may still be steered: scheduling directives, labels, annotations.
  const status = isObject(prev.status) ? prev.status : {};
  if (o.suspend === true && !status.startTime && isObject(oldTemplate) && isObject(template)) {
    const t = template;
    const ts = isObject(t.spec) ? t.spec : {};
    const os = isObject(oldTemplate.spec) ? oldTemplate.spec : (oldTemplate.spec = {});
    for (const f of ['nodeSelector', 'tolerations', 'schedulingGates', 'affinity']) (os as Json)[f] = ts[f];
    const om = isObject(oldTemplate.metadata) ? oldTemplate.metadata : (oldTemplate.metadata = {});
    const tm = isObject(t.metadata) ? t.metadata : {};
    (om as Json).labels = tm.labels;
    (om as Json).annotations = tm.annotations;
    template = t;
  }
  if (!deepEqual(stripUndefined(template), stripUndefined(oldTemplate))) errs.push(invalid(path.child('template'), template ?? null, IMMUTABLE));
}

function stripUndefined(v: unknown): unknown {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
}

// ---- CronJob ---------------------------------------------------------------------------------

/** Characters IANA allows in a zone name's parts (digits and '+' for legacy names). */
const TIME_ZONE_PART = /^[A-Za-z.\-_0-9+]{1,14}$/;

function validateTimeZone(raw: unknown, path: FieldPath, errs: FieldErrors): void {
  if (raw === undefined || raw === null) return;
  const zone = str(raw, path, errs);
  if (!zone) {
    errs.push(invalid(path, zone, 'timeZone must be nil or non-empty string'));
    return;
  }
  if (zone.split('/').some((part) => part === '.' || part === '..' || part.startsWith('-') || !TIME_ZONE_PART.test(part))) {
    errs.push(invalid(path, zone, `unknown time zone ${zone}`));
    return;
  }
  if (zone.toLowerCase() === 'local') errs.push(invalid(path, zone, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
  else if (!isKnownTimeZone(zone)) errs.push(invalid(path, zone, `unknown time zone ${zone}`));
}

/** A CronJob's jobTemplate: a Job spec whose selector the API server generates for each Job. */
function validateJobTemplate(raw: unknown, path: FieldPath, errs: FieldErrors): void {
  const template = obj(raw, path, errs);
  const meta = obj(template.metadata, path.child('metadata'), errs);
  validateLabels(meta.labels, path.child('metadata', 'labels'), errs);
  validateAnnotations(meta.annotations, path.child('metadata', 'annotations'), errs);
  const spec = obj(template.spec, path.child('spec'), errs);
  validateJobSpecFields(spec, path.child('spec'), errs);
  if (spec.selector !== undefined && spec.selector !== null) errs.push(invalid(path.child('spec', 'selector'), spec.selector, '`selector` will be auto-generated'));
  if (spec.manualSelector === true) errs.push(notSupported(path.child('spec', 'manualSelector'), true, ['nil', 'false']));
}

function validateCronJobSpec(cj: KubeObject, old: KubeObject | undefined, errs: FieldErrors): void {
  const path = FieldPath.root('spec');
  const spec = obj(cj.spec, path, errs);
  const oldSpec = old && isObject(old.spec) ? old.spec : undefined;
  const schedule = str(spec.schedule, path.child('schedule'), errs);
  if (!schedule) errs.push(required(path.child('schedule')));
  else {
    const parsed = parseCronSchedule(schedule);
    if (!parsed.ok) errs.push(invalid(path.child('schedule'), schedule, parsed.error));
    // Objects stored before TZ was refused keep theirs; new ones say it in spec.timeZone.
    const allowTZ = typeof oldSpec?.schedule === 'string' && oldSpec.schedule.includes('TZ');
    if (allowTZ && schedule.includes('TZ') && spec.timeZone !== undefined && spec.timeZone !== null) {
      errs.push(invalid(path.child('schedule'), schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
    } else if (!allowTZ && schedule.includes('TZ')) {
      errs.push(invalid(path.child('schedule'), schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
    }
  }
  nonNegative(spec.startingDeadlineSeconds, path.child('startingDeadlineSeconds'), errs);
  if (!oldSpec || !deepEqual(oldSpec.timeZone, spec.timeZone)) validateTimeZone(spec.timeZone, path.child('timeZone'), errs);
  const policy = str(spec.concurrencyPolicy, path.child('concurrencyPolicy'), errs);
  if (!policy) errs.push(required(path.child('concurrencyPolicy')));
  else if (!CONCURRENCY_POLICIES.includes(policy)) errs.push(notSupported(path.child('concurrencyPolicy'), policy, CONCURRENCY_POLICIES));
  bool(spec.suspend, path.child('suspend'), errs);
  validateJobTemplate(spec.jobTemplate, path.child('jobTemplate'), errs);
  nonNegative(spec.successfulJobsHistoryLimit, path.child('successfulJobsHistoryLimit'), errs);
  nonNegative(spec.failedJobsHistoryLimit, path.child('failedJobsHistoryLimit'), errs);
}

export function validateCronJob(cj: KubeObject, errs: FieldErrors): void {
  validateCronJobSpec(cj, undefined, errs);
  const name = cj.metadata.name ?? '';
  if (name.length > MAX_CRONJOB_NAME) errs.push(invalid(FieldPath.root('metadata', 'name'), name, `must be no more than ${MAX_CRONJOB_NAME} characters`));
}
