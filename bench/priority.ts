import { readdir, writeFile } from "node:fs/promises";
import { setPriority } from "node:os";

/**
 * Linux: sets the nice value of every thread of these processes (a thread's nice value is its
 * own, so renicing the process id alone would leave workerd's other threads behind) and of their
 * autogroups: with the kernel's autogroup scheduling on, CPU is shared between sessions first,
 * so a thread's own nice value only counts against threads of the same session. False when the
 * bench may not (not root, no CAP_SYS_NICE) or a process is gone.
 */
export async function renice(pids: (number | undefined)[], nice: number): Promise<boolean> {
  try {
    for (const pid of pids) {
      if (pid === undefined) continue;
      for (const thread of await readdir(`/proc/${pid}/task`)) setPriority(Number(thread), nice);
      // Absent when the kernel has no autogroup scheduling; then the threads' own values are enough.
      await writeFile(`/proc/${pid}/autogroup`, String(nice)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "ENOENT") throw error;
      });
    }
    return true;
  } catch {
    return false;
  }
}
