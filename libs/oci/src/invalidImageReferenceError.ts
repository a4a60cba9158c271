import { PATH_COMPONENT, TAG } from './imageReference.js';

/** A repository or tag the registry would refuse, caught before any request is sent. */
export class InvalidImageReferenceError extends Error {
  override readonly name = 'InvalidImageReferenceError';

  constructor(
    readonly field: 'repository' | 'tag',
    readonly value: string,
  ) {
    super(`invalid ${field} ${JSON.stringify(value)}: ${field === 'repository' ? REPOSITORY_RULE : TAG_RULE}`);
  }
}

const REPOSITORY_RULE = 'lower-case letters and digits separated by ".", "_", "__" or "-", in "/"-separated components';
const TAG_RULE = 'up to 128 letters, digits, "_", "." or "-", not starting with "." or "-"';

// A registry answers an invalid name with a bare 404 page that says nothing about why.

/** Throws InvalidImageReferenceError unless both would be accepted by a registry. */
export function checkImageReference(repository: string, tag: string): void {
  if (repository.length > 255 || !repository.split('/').every((component) => PATH_COMPONENT.test(component))) {
    throw new InvalidImageReferenceError('repository', repository);
  }
  if (!TAG.test(tag)) throw new InvalidImageReferenceError('tag', tag);
}
