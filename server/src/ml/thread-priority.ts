/**
 * Lowers the scheduling priority of the calling thread only, so a training
 * or evaluation worker thread yields the CPU to the thread serving requests.
 * Linux keeps a nice value per thread; `setpriority(PRIO_PROCESS, tid)`
 * changes one thread, and `/proc/thread-self` names the caller's tid.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Sets the calling thread's nice value (0 normal … 19 lowest).
 *
 * @returns false where the platform has no per-thread priority (not Linux), or it was refused
 */
export function lowerThreadPriority(niceness: number): boolean {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, Math.max(0, Math.min(19, Math.round(niceness))));
    return true;
  } catch {
    return false;
  }
}
