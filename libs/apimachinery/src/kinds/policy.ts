import { builtinOpenApi } from './openapi/openApiSchemas.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { intOrString, LABEL_SELECTOR, m, OBJECT_META, s, type ProtobufMessage } from '../protobuf/message.js';
import { resourceType } from '../resources.js';
import { podDisruptionBudgetPrinter } from '../tables/podDisruptionBudget.js';
import { validatePodDisruptionBudget } from '../validation/podDisruptionBudget.js';
import { defineKind } from './kind.js';
import { CONDITIONS } from './podSpecLists.js';

// The policy/v1 kinds.

/** k8s.io/api/policy/v1 PodDisruptionBudget: `kubectl create pdb` sends it as protobuf. */
const PDB_MESSAGE: ProtobufMessage = {
  1: m('metadata', OBJECT_META),
  2: m('spec', { 1: intOrString('minAvailable'), 2: m('selector', LABEL_SELECTOR), 3: intOrString('maxUnavailable'), 4: s('unhealthyPodEvictionPolicy') }),
};

export const POD_DISRUPTION_BUDGET = defineKind<PodDisruptionBudget>({
  ...resourceType('policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget', true, { shortNames: ['pdb'], subresources: ['status'] }),
  openApi: builtinOpenApi('V1PodDisruptionBudget'),
  validate: validatePodDisruptionBudget,
  printer: podDisruptionBudgetPrinter,
  lists: { ...CONDITIONS },
  protobuf: PDB_MESSAGE,
});
