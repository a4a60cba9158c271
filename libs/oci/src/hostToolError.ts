/**
 * A program this library runs or copies from the machine is missing or unusable. Images are built
 * from files on this machine (there is no base image to pull), so the fix is always a Debian
 * package; the message names it.
 */
export class HostToolError extends Error {
  override readonly name = 'HostToolError';

  constructor(
    readonly tool: string,
    readonly debianPackage: string,
    problem: string,
  ) {
    super(`${problem}; install the Debian package ${debianPackage} (apt-get install ${debianPackage})`);
  }
}
