import { AGE, ageOf, column, CONTAINERS, containerCells, IMAGES, NAME, nameOf, type Printer } from './columns.js';
import { formatLabelSelector, humanDuration, listAt, objectAt, since, text, type Json } from './format.js';

/**
 * `kubectl get jobs` / `kubectl get cronjobs` cells, as kube-apiserver's printers make them
 * (pkg/printers/internalversion printJob, printCronJob):
 *   Job:     NAME STATUS COMPLETIONS DURATION AGE [CONTAINERS IMAGES SELECTOR]
 *   CronJob: NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE [CONTAINERS IMAGES SELECTOR]
 */

const SELECTOR = column(
  'Selector',
  'string',
  'A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors',
  1,
);

function hasCondition(o: Json, type: string): boolean {
  return listAt(o, 'status', 'conditions').some((c) => c.type === type && c.status === 'True');
}

/** Complete, Failed, Terminating, Suspended, FailureTarget or Running, checked in that order. */
export function jobStatusCell(job: Json): string {
  if (hasCondition(job, 'Complete')) return 'Complete';
  if (hasCondition(job, 'Failed')) return 'Failed';
  if (objectAt(job, 'metadata').deletionTimestamp) return 'Terminating';
  if (hasCondition(job, 'Suspended')) return 'Suspended';
  if (hasCondition(job, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

/** `succeeded/completions`; a work-queue Job (no completions) reads `n/1`, or `n/1 of <parallelism>`. */
export function jobCompletionsCell(job: Json): string {
  const spec = objectAt(job, 'spec');
  const succeeded = typeof objectAt(job, 'status').succeeded === 'number' ? (objectAt(job, 'status').succeeded as number) : 0;
  if (typeof spec.completions === 'number') return `${succeeded}/${spec.completions}`;
  const parallelism = typeof spec.parallelism === 'number' ? spec.parallelism : 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

/** From start to completion, or to now while running; empty before the Job started. */
export function jobDurationCell(job: Json, now: Date): string {
  const status = objectAt(job, 'status');
  const start = Date.parse(text(status.startTime));
  if (Number.isNaN(start)) return '';
  const end = Date.parse(text(status.completionTime));
  return humanDuration((Number.isNaN(end) ? now.getTime() : end) - start);
}

/** Every cell of a Job's row but NAME and AGE: [status, completions, duration] and the wide [containers, images, selector]. */
export function jobCells(job: Json, now: Date): { beforeAge: unknown[]; wide: unknown[] } {
  const spec = objectAt(job, 'spec');
  return {
    beforeAge: [jobStatusCell(job), jobCompletionsCell(job), jobDurationCell(job, now)],
    wide: [...containerCells(objectAt(spec, 'template', 'spec')), formatLabelSelector(spec.selector)],
  };
}

export function cronJobCells(cj: Json, now: Date): { beforeAge: unknown[]; wide: unknown[] } {
  const spec = objectAt(cj, 'spec');
  const status = objectAt(cj, 'status');
  const suspend = typeof spec.suspend === 'boolean' ? (spec.suspend ? 'True' : 'False') : '<unset>';
  const lastSchedule = status.lastScheduleTime ? since(status.lastScheduleTime, now) : '<none>';
  const jobSpec = objectAt(spec, 'jobTemplate', 'spec');
  return {
    beforeAge: [text(spec.schedule), typeof spec.timeZone === 'string' ? spec.timeZone : '<none>', suspend, listAt(status, 'active').length, lastSchedule],
    wide: [...containerCells(objectAt(jobSpec, 'template', 'spec')), formatLabelSelector(jobSpec.selector)],
  };
}

export const jobPrinter: Printer = {
  columns: [
    NAME,
    column('Status', 'string', 'Status of the job.'),
    column('Completions', 'string', 'The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.'),
    column('Duration', 'string', 'Time required to complete the job.'),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR,
  ],
  cells: (o, now) => {
    const { beforeAge, wide } = jobCells(o, now);
    return { cells: [nameOf(o), ...beforeAge, ageOf(o, now), ...wide] };
  },
};

export const cronJobPrinter: Printer = {
  columns: [
    NAME,
    column('Schedule', 'string', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    column(
      'Timezone',
      'string',
      'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones',
    ),
    column('Suspend', 'boolean', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.'),
    column('Active', 'integer', 'A list of pointers to currently running jobs.'),
    column('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.'),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR,
  ],
  cells: (o, now) => {
    const { beforeAge, wide } = cronJobCells(o, now);
    return { cells: [nameOf(o), ...beforeAge, ageOf(o, now), ...wide] };
  },
};
