import { APPLY_CASES, GET_CASES } from './applyGetCases.js';
import { DEPLOYMENT_CASES, REPLICASET_CASES } from './appsCases.js';
import { CONFIGMAP_CASES, CREATE_ERROR_CASES, NAMESPACE_CASES, SAVE_CONFIG_CASES, SECRET_CASES, SERVICE_CASES } from './coreCases.js';
import { POD_CASES } from './podCases.js';
import type { ConformanceCase } from './runner.js';

/** Every ported case, in test/cmd's order (core.sh, save-config.sh, create.sh, apps.sh, apply.sh, get.sh). */
export const CASES: readonly ConformanceCase[] = [
  ...POD_CASES,
  ...SECRET_CASES,
  ...CONFIGMAP_CASES,
  ...SERVICE_CASES,
  ...NAMESPACE_CASES,
  ...SAVE_CONFIG_CASES,
  ...CREATE_ERROR_CASES,
  ...DEPLOYMENT_CASES,
  ...REPLICASET_CASES,
  ...APPLY_CASES,
  ...GET_CASES,
];
