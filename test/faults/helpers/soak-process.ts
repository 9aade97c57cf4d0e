import { readFile } from 'node:fs/promises';

export const MIB = 1024 * 1024;

/** Resident memory of a process, as the kernel counts it (Linux). */
export async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

/** CPU time a process has used, user and system (Linux: clock ticks of 1/100 s). */
export async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are 12 and 13.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** A sample taken at `at` (milliseconds since the run started). */
export interface Sample {
  at: number;
  value: number;
}

/**
 * Growth over the measured period (samples from `from` on) along the least-squares line through every
 * sample: garbage collection moves single samples by tens of MiB, a leak moves the line.
 */
export function growth(samples: Sample[], from: number): { start: number; end: number; ratio: number } {
  const measured = samples.filter((s) => s.at >= from);
  const n = measured.length;
  const meanAt = measured.reduce((sum, s) => sum + s.at, 0) / n;
  const meanValue = measured.reduce((sum, s) => sum + s.value, 0) / n;
  const covariance = measured.reduce((sum, s) => sum + (s.at - meanAt) * (s.value - meanValue), 0);
  const variance = measured.reduce((sum, s) => sum + (s.at - meanAt) ** 2, 0);
  const slope = covariance / variance;
  const at = (t: number) => meanValue + slope * (t - meanAt);
  const start = at(measured[0]!.at);
  const end = at(measured[n - 1]!.at);
  return { start, end, ratio: (end - start) / start };
}
