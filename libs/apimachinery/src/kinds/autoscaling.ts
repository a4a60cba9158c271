import { builtinOpenApi } from './openapi/openApiSchemas.js';
import type { HorizontalPodAutoscaler } from 'kubernetes-types/autoscaling/v2.js';
import type { HorizontalPodAutoscaler as HorizontalPodAutoscalerV1 } from 'kubernetes-types/autoscaling/v1.js';
import { hpaV1ToV2, hpaV2ToV1 } from '../autoscaling/hpaConversion.js';
import type { KubeObject } from '../types.js';
import { i32, i64, m, OBJECT_META, s, type ProtobufMessage } from '../protobuf/message.js';
import { defaultHorizontalPodAutoscalerV2 } from '../autoscaling/hpaDefaults.js';
import { resourceType } from '../resources.js';
import { horizontalPodAutoscalerPrinter } from '../tables/horizontalPodAutoscaler.js';
import { validateHorizontalPodAutoscaler, validateHorizontalPodAutoscalerStatus } from '../validation/horizontalPodAutoscaler.js';
import { defineKind, type Kind } from './kind.js';
import { CONDITIONS } from './podSpecLists.js';

// The autoscaling/v2 kinds.

export const HORIZONTAL_POD_AUTOSCALER = defineKind<HorizontalPodAutoscaler>({
  ...resourceType('autoscaling', 'v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', true, { shortNames: ['hpa'], categories: ['all'], subresources: ['status'] }),
  openApi: builtinOpenApi('V2HorizontalPodAutoscaler'),
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

/**
 * autoscaling/v1: the same objects, seen with a single cpu target (targetCPUUtilizationPercentage)
 * and what v1 cannot hold in annotations. `kubectl autoscale` writes this version.
 */
/** k8s.io/api autoscaling/v1 generated.proto: what `kubectl autoscale` sends. */
const HORIZONTAL_POD_AUTOSCALER_V1_MESSAGE: ProtobufMessage = {
  1: m('metadata', OBJECT_META),
  2: m('spec', { 1: m('scaleTargetRef', { 1: s('kind'), 2: s('name'), 3: s('apiVersion') }), 2: i32('minReplicas'), 3: i32('maxReplicas'), 4: i32('targetCPUUtilizationPercentage') }),
  3: m('status', { 1: i64('observedGeneration'), 2: { name: 'lastScaleTime', type: 'time' }, 3: i32('currentReplicas', { keep: true }), 4: i32('desiredReplicas', { keep: true }), 5: i32('currentCPUUtilizationPercentage') }),
};

export const HORIZONTAL_POD_AUTOSCALER_V1: Kind = {
  ...HORIZONTAL_POD_AUTOSCALER,
  version: 'v1',
  openApi: builtinOpenApi('V1HorizontalPodAutoscaler'),
  defaults: undefined,
  validate: undefined,
  protobuf: HORIZONTAL_POD_AUTOSCALER_V1_MESSAGE,
  printer: {
    columns: horizontalPodAutoscalerPrinter.columns,
    cells: (o, now) => horizontalPodAutoscalerPrinter.cells(hpaV1ToV2(o as HorizontalPodAutoscalerV1) as never, now),
  },
  conversion: {
    storage: HORIZONTAL_POD_AUTOSCALER,
    toStorage: (obj) => hpaV1ToV2(obj as unknown as HorizontalPodAutoscalerV1) as unknown as KubeObject,
    fromStorage: (obj) => hpaV2ToV1(obj as unknown as HorizontalPodAutoscaler) as unknown as KubeObject,
  },
};
