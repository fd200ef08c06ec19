// Sessions must never keep a process alive: closed ones end their worker, and idle ones that were
// never closed do not hold the event loop either. Each case runs in a child process that must exit.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const session = pathToFileURL(`${root}src/runtime/session.ts`).href;
const instrumented = pathToFileURL(`${root}src/runtime/instrumented.ts`).href;
const fixtures = pathToFileURL(`${root}test/fixtures/tiny-models.ts`).href;
const codec = pathToFileURL(`${root}src/onnx/codec.ts`).href;

function runChild(body: string): { status: number | null; stdout: string; stderr: string; ms: number } {
  const script = `
    import { ModelSession } from ${JSON.stringify(session)};
    import { InstrumentedModel } from ${JSON.stringify(instrumented)};
    import { tinyResNet, randomImages } from ${JSON.stringify(fixtures)};
    import { encodeModel } from ${JSON.stringify(codec)};
    const feed = () => ({ input: { data: randomImages(1), dims: [1, 3, 16, 16] } });
    ${body}
  `;
  const started = Date.now();
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, ms: Date.now() - started };
}

test('a closed session lets the process exit', () => {
  const r = runChild(`
    const s = await ModelSession.create(encodeModel(tinyResNet()));
    const out = await s.run(feed());
    await s.close();
    console.log('ran', out.logits.dims.join('x'));
  `);
  assert.equal(r.status, 0, `exit ${r.status}: ${r.stderr}`);
  assert.match(r.stdout, /ran 1x5/);
});

test('an idle session that was never closed does not keep the process alive', () => {
  const r = runChild(`
    const s = await ModelSession.create(encodeModel(tinyResNet()));
    const m = await InstrumentedModel.create(tinyResNet(), { taps: ['/relu/Relu_output_0'] });
    await s.run(feed());
    await m.run(feed());
    console.log('done');
  `);
  assert.equal(r.status, 0, `exit ${r.status}: ${r.stderr}`);
  assert.match(r.stdout, /done/);
});

test('a pending run keeps the process alive until it finishes', () => {
  const r = runChild(`
    const s = await ModelSession.create(encodeModel(tinyResNet()));
    s.run(feed()).then((out) => console.log('finished', out.logits.dims.join('x')));
  `);
  assert.equal(r.status, 0, `exit ${r.status}: ${r.stderr}`);
  assert.match(r.stdout, /finished 1x5/);
});
