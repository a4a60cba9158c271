import { readFileSync } from 'node:fs';

/** Reading /proc: how the agent recognises its processes across its own restarts. */

export interface ProcStat {
  pid: number;
  state: string;
  ppid: number;
  pgrp: number;
  /** Clock ticks after boot at which the process started. */
  startTime: number;
}

export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses; everything after the last ')' is fixed.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { pid, state: rest[0], ppid: Number(rest[1]), pgrp: Number(rest[2]), startTime: Number(rest[19]) };
}

/** The process `pid` exists, is not a zombie, and is the one that started at `startTime`. */
export function isSameProcessAlive(pid: number, startTime: number): boolean {
  const stat = readProcStat(pid);
  return !!stat && stat.state !== 'Z' && stat.state !== 'X' && stat.startTime === startTime;
}

export function signalQuietly(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}
