import { builtinOpenApi } from './openapi/openApiSchemas.js';
import { defaultCronJob, defaultJob, prepareJobForCreate } from '../batchDefaults.js';
import { CRON_JOB_MESSAGE, JOB_MESSAGE } from '../protobuf/message.js';
import { resourceType } from '../resources.js';
import { cronJobPrinter, jobPrinter } from '../tables/batch.js';
import { validateCronJob, validateJob, validateJobUpdate } from '../validation/job.js';
import type { Kind } from './kind.js';
import { CONDITIONS, podSpecLists } from './podSpecLists.js';

// The batch/v1 kinds.

export const JOB: Kind = {
  ...resourceType('batch', 'v1', 'jobs', 'Job', true, { categories: ['all'], subresources: ['status'] }),
  openApi: builtinOpenApi('V1Job'),
  defaults: defaultJob,
  validate: validateJob,
  validateUpdate: validateJobUpdate,
  // The selector and the pod template's labels are generated from the uid, which is decided here.
  prepareForCreate: (obj) => void prepareJobForCreate(obj),
  printer: jobPrinter,
  lists: { ...podSpecLists('spec.template.spec'), ...CONDITIONS },
  protobuf: JOB_MESSAGE,
};

export const CRON_JOB: Kind = {
  ...resourceType('batch', 'v1', 'cronjobs', 'CronJob', true, { shortNames: ['cj'], categories: ['all'], subresources: ['status'] }),
  openApi: builtinOpenApi('V1CronJob'),
  defaults: defaultCronJob,
  validate: validateCronJob,
  printer: cronJobPrinter,
  lists: podSpecLists('spec.jobTemplate.spec.template.spec'),
  protobuf: CRON_JOB_MESSAGE,
};
