/** User-facing messages for the explorer (`neurolens serve`, `neurolens report`; see ./index.ts). */
export const serverMessages = {
  noWebApp: (dir: string) => `the explorer app is not built (${dir}/index.html is missing); run \`npm run build\` first`,
  badPort: (value: string) => `--port ${JSON.stringify(value)} is not a port; pass an integer from 0 to 65535`,
  portInUse: (host: string, port: number) => `port ${port} on ${host} is already in use; pass another one with --port`,
  listenFailed: (host: string, port: number, code: string) => `cannot listen on ${host}:${port} (${code}); check --host and --port`,
  exposedHost: (host: string) =>
    `warning: --host ${host} exposes the explorer (and the run's files) beyond this machine; there is no authentication`,
  foreignHost: (host: string) =>
    `Host ${JSON.stringify(host)} is not this explorer's address; open it as http://localhost:PORT/ (or the --host it was started with)`,
  openFailed: (url: string) => `warning: could not open a browser; open ${url} yourself`,
  listening: (url: string) => `neurolens explorer on ${url} (Ctrl-C to stop)`,
  reportOutIsRun: (out: string) => `--out ${out} is inside the run folder; choose a folder outside the run`,
  reportOutNotEmpty: (out: string) => `--out ${out} exists and is not an explorer export; choose an empty or new folder`,
  reportWritten: (out: string, files: number) => `wrote the explorer to ${out} (${files} files); open ${out}/index.html`,
  badShare: (name: string, value: string) => `${name}=${JSON.stringify(value)} is not a share; pass a number from 0 to 1 (e.g. ${name}=0.1)`,
} as const;
