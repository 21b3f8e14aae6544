/**
 * Whether a process with this id exists: signal 0 probes without signalling; EPERM means it
 * exists but belongs to another user. The one copy for the runtime and the studio (locks, the
 * studio's server.json, the CLI's link to a running studio).
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
