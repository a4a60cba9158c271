import { fixedOpenApi } from './openapi/openApiSchemas.js';
import { SKIFF_SCHEMAS } from './openapi/skiffSchemas.js';
import { defaultApplication, defaultWebhook } from '../defaults.js';
import { resourceType } from '../resources.js';
import { applicationPrinter, webhookPrinter } from '../tables/builtinPrinters.js';
import { validateApplication } from '../validation/application.js';
import { validateWebhook } from '../validation/webhook.js';
import type { Kind } from './kind.js';
import { CONDITIONS } from './podSpecLists.js';

// Skiff's own kinds (skiff.dev/v1alpha1).

export const APPLICATION: Kind = {
  // Argo CD's short name, so `kubectl get app` reads the same on both.
  ...resourceType('skiff.dev', 'v1alpha1', 'applications', 'Application', true, { shortNames: ['app'], subresources: ['status'] }),
  openApi: fixedOpenApi('dev.skiff.v1alpha1.Application', { 'dev.skiff.v1alpha1.Application': SKIFF_SCHEMAS['dev.skiff.v1alpha1.Application'] }),
  defaults: defaultApplication,
  validate: validateApplication,
  printer: applicationPrinter,
  // syncOptions and history stay atomic: a writer sends the whole list it wants (trimmed history included).
  lists: { ...CONDITIONS },
};

export const WEBHOOK: Kind = {
  ...resourceType('skiff.dev', 'v1alpha1', 'webhooks', 'Webhook', true, { subresources: ['status'] }),
  openApi: fixedOpenApi('dev.skiff.v1alpha1.Webhook', { 'dev.skiff.v1alpha1.Webhook': SKIFF_SCHEMAS['dev.skiff.v1alpha1.Webhook'] }),
  defaults: defaultWebhook,
  validate: validateWebhook,
  printer: webhookPrinter,
  lists: { ...CONDITIONS },
};
