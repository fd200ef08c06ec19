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
  badInterventionTerm: (term: string, why: string) => `the intervention ${JSON.stringify(term)} in the iv= URL parameter is malformed: ${why}; write LAYER:C[,C…][*FACTOR] terms joined by ;`,
  tooManyInterventionChannels: (max: number) => `the iv= URL parameter names more than ${max} neurons; name fewer (use ranges A-B of one layer)`,
  unknownInterventionLayer: (layer: string, known: readonly string[]) =>
    `the iv= URL parameter names layer ${JSON.stringify(layer)}, which this run did not record; use one of ${known.slice(0, 8).join(', ')}${known.length > 8 ? ', …' : ''}`,
  interventionChannelRange: (layer: string, channel: number, channels: number) =>
    `the iv= URL parameter names neuron ${channel} of layer ${layer}, which has ${channels} (0–${channels - 1}); pick a channel in that range`,
  liveModelMissing: (path: string) =>
    `live interventions need the run's model, but ${path} (model.path in the run's manifest.json) is missing; put the model back at that path and reload`,
  liveModelChanged: (path: string) =>
    `live interventions need the run's model, but ${path} is not the model this run recorded (its sha256 differs); restore the recorded model at that path and reload`,
  liveExternalData: (path: string) =>
    `live interventions cannot load ${path} in the browser: its weights live in external data files; re-export it with the weights inside the .onnx`,
  liveStatic: () => 'live interventions need `neurolens serve` (the browser fetches the model and the image tensor from it); this static export omits them',
} as const;
