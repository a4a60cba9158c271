import { defaultImagePolicy, defaultImageRepository, defaultImageUpdateAutomation } from '../image/imageDefaults.js';
import { IMAGE_GROUP, IMAGE_VERSION } from '../image/types.js';
import { resourceType } from '../resources.js';
import { imagePolicyPrinter, imageRepositoryPrinter, imageUpdateAutomationPrinter } from '../tables/image.js';
import { validateImagePolicy } from '../validation/imagePolicy.js';
import { validateImageRepository } from '../validation/imageRepository.js';
import { validateImageUpdateAutomation } from '../validation/imageUpdateAutomation.js';
import type { Kind } from './kind.js';
import { fixedOpenApi } from './openapi/openApiSchemas.js';
import { IMAGE_SCHEMAS } from './openapi/imageSchemas.js';
import { CONDITIONS } from './podSpecLists.js';

// Flux's image automation kinds (image.toolkit.fluxcd.io/v1beta2), built in: the git watcher runs
// their controllers, so they are served without installing CRDs.

function imageKind(resource: string, kind: string): Pick<Kind, 'openApi'> & ReturnType<typeof resourceType> {
  const root = `io.fluxcd.toolkit.image.v1beta2.${kind}`;
  return {
    ...resourceType(IMAGE_GROUP, IMAGE_VERSION, resource, kind, true, { subresources: ['status'] }),
    openApi: fixedOpenApi(root, { [root]: IMAGE_SCHEMAS[root] }),
  };
}

export const IMAGE_REPOSITORY: Kind = {
  ...imageKind('imagerepositories', 'ImageRepository'),
  defaults: defaultImageRepository,
  validate: validateImageRepository,
  printer: imageRepositoryPrinter,
  lists: { ...CONDITIONS },
};

export const IMAGE_POLICY: Kind = {
  ...imageKind('imagepolicies', 'ImagePolicy'),
  defaults: defaultImagePolicy,
  validate: validateImagePolicy,
  printer: imagePolicyPrinter,
  lists: { ...CONDITIONS },
};

export const IMAGE_UPDATE_AUTOMATION: Kind = {
  ...imageKind('imageupdateautomations', 'ImageUpdateAutomation'),
  defaults: defaultImageUpdateAutomation,
  validate: validateImageUpdateAutomation,
  printer: imageUpdateAutomationPrinter,
  lists: { ...CONDITIONS },
};
