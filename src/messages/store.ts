/** User-facing messages for the store area (see ./index.ts). */
export const storeMessages = {
  diskFull: (path: string) =>
    `Cannot write ${path}: no space left on device. Free disk space and re-run the same command to resume.`,
  permissionDenied: (path: string) =>
    `Cannot write ${path}: permission denied. Make the folder writable (or remove the file) and re-run the same command to resume.`,
  readOnlyFs: (path: string) =>
    `Cannot write ${path}: the file system is read-only. Remount it writable and re-run the same command to resume, or choose a different output folder.`,
  npyNotNpy: (path: string) =>
    `${path} is not a NumPy .npy file (bad magic bytes). Delete it and re-run the same command to rebuild it.`,
  npyBadHeader: (path: string, detail: string) =>
    `${path} has a malformed .npy header (${detail}). Delete it and re-run the same command to rebuild it.`,
  npyUnsupportedDtype: (path: string, descr: string) =>
    `${path} holds dtype '${descr}', which neurolens cannot read (supported: <f4, <f8, <i4, <i8, |u1). Convert it with numpy or re-run the command that made it.`,
  npyTruncated: (path: string, expected: number, actual: number) =>
    `${path} is truncated (expected ${expected} bytes, found ${actual}). Delete it and re-run the same command to rebuild it.`,
  npyConcatMismatch: (path: string, detail: string) =>
    `Cannot join ${path} into one matrix: ${detail}. Delete the output folder and re-run the command.`,
  journalCorrupt: (path: string, line: number) =>
    `${path} is corrupt at line ${line} (not the last line, so not an interrupted write). Restore it from a backup or delete the output folder and start the run again.`,
  notAFolder: (dir: string) => `${dir} is a file (or inside one), not a folder; choose a folder path (it is created when missing)`,
  runLocked: (dir: string, owner: { pid: number; hostname: string; command: string; since: string }, lock: string) =>
    `${dir} is being written by \`${owner.command}\` (pid ${owner.pid} on ${owner.hostname}, since ${owner.since}); wait for it to finish (or stop it) and run this again; if that process no longer exists, delete ${lock}`,
  lockDamaged: (lock: string) => `${lock} is damaged and another writer is taking it over; wait a moment and run this again`,
  staleLockTaken: (dir: string, owner: { pid: number; hostname: string; command: string; since: string }) =>
    `took over the lock of ${dir} left by \`${owner.command}\` (pid ${owner.pid}, since ${owner.since}), which is no longer running`,
  lockDamagedTaken: (lock: string) => `replaced the damaged lock file ${lock}`,
} as const;
