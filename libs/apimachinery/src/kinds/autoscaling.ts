import type { HorizontalPodAutoscaler } from 'kubernetes-types/autoscaling/v2.js';
import { defaultHorizontalPodAutoscalerV2 } from '../autoscaling/hpaDefaults.js';
import { resourceType } from '../resources.js';
import { horizontalPodAutoscalerPrinter } from '../tables/horizontalPodAutoscaler.js';
import { validateHorizontalPodAutoscaler, validateHorizontalPodAutoscalerStatus } from '../validation/horizontalPodAutoscaler.js';
import { defineKind } from './kind.js';
import { CONDITIONS } from './podSpecLists.js';

// The autoscaling/v2 kinds.

export const HORIZONTAL_POD_AUTOSCALER = defineKind<HorizontalPodAutoscaler>({
  ...resourceType('autoscaling', 'v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', true, { shortNames: ['hpa'], categories: ['all'], subresources: ['status'] }),
  defaults: (hpa) => {
    Object.assign(hpa, defaultHorizontalPodAutoscalerV2(hpa));
  },
  validate: (hpa, errs) => {
    validateHorizontalPodAutoscaler(hpa, errs);
    validateHorizontalPodAutoscalerStatus(hpa, errs);
  },
  printer: horizontalPodAutoscalerPrinter,
  lists: CONDITIONS,
});
