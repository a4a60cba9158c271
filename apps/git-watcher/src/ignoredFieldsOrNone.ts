import type { KubeObject } from '@skiff/apimachinery';
import type { ReconcileContext } from '@skiff/controller-runtime';
import { checkJqExpression, ignoredFields, type IgnoreDifference, type IgnoredFields } from '@skiff/gitops';
import { objectKey } from './tracking.js';

/** Why a jq expression of ignoreDifferences cannot be evaluated, or undefined. */
export function jqError(expression: string): string | undefined {
  try {
    checkJqExpression(expression);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** The ignored fields of one object; a rule with a jq expression outside the subset (an InvalidSpecError condition says so) ignores nothing. */
export function ignoredFieldsOrNone(rules: readonly IgnoreDifference[], desired: KubeObject, live: KubeObject | undefined, ctx: ReconcileContext): IgnoredFields {
  try {
    return ignoredFields(rules, desired, live);
  } catch (err) {
    ctx.log.warn({ object: objectKey(desired) }, `ignoreDifferences: ${(err as Error).message}`);
    return { desired: [], live: [] };
  }
}
