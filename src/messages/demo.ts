/** User-facing messages for `neurolens demo` (see ./index.ts). */
export const demoMessages = {
  dataMissing: (pkg: string) =>
    `the demo image set (${pkg}) is not installed; run \`npm install\` in the neurolens folder (the demo data are development dependencies)`,
  modelMissing: (path: string) =>
    `demo model ${path} is missing; it ships with the neurolens repository (models/), re-clone or restore it with git`,
} as const;
