// Per-process figures from /proc (Linux): CPU time and resident memory of a child the bench started,
// read from outside so the measured process runs nothing extra.
import { readFileSync } from "node:fs";

const CLK_TCK = 100; // Linux USER_HZ: /proc/<pid>/stat times are in 1/100 s

/** CPU time (user + system) of `pid` in microseconds, cumulative. */
export function procCpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(f[11]) + Number(f[12])) * 1e6) / CLK_TCK; // utime, stime (fields 14, 15)
}

/** Resident set (VmRSS) or its peak so far (VmHWM) of `pid`, in bytes. */
export function procRss(pid: number, field: "VmRSS" | "VmHWM" = "VmRSS"): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : NaN;
}
