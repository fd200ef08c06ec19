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
} as const;
