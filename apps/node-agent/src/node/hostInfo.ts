import { readFileSync } from 'node:fs';
import { arch, cpus, release, totalmem } from 'node:os';

/** Facts about the machine the Node object reports. */
export interface HostInfo {
  cpus: number;
  memoryBytes: number;
  /** As Kubernetes names it (GOARCH): amd64, arm64, ... */
  architecture: string;
  kernelVersion: string;
  osImage: string;
  machineID: string;
  systemUUID: string;
  bootID: string;
}

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

export function kubeArch(nodeArch: string): string {
  return ARCH[nodeArch] ?? nodeArch;
}

function readTrimmed(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

function osImage(): string {
  const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readTrimmed('/etc/os-release'));
  return m?.[1] ?? 'Linux';
}

export function readHostInfo(): HostInfo {
  return {
    cpus: cpus().length,
    memoryBytes: totalmem(),
    architecture: kubeArch(arch()),
    kernelVersion: release(),
    osImage: osImage(),
    machineID: readTrimmed('/etc/machine-id'),
    systemUUID: readTrimmed('/sys/class/dmi/id/product_uuid'),
    bootID: readTrimmed('/proc/sys/kernel/random/boot_id'),
  };
}
