/** A layer entry that cannot be written as given; `path` is the entry's path as the caller wrote it. */
export class InvalidLayerEntryError extends Error {
  override readonly name = 'InvalidLayerEntryError';

  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`layer entry ${JSON.stringify(path)}: ${reason}`);
  }
}
