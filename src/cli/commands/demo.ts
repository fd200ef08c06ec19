/** `neurolens demo`: the whole product on the shipped emoji models, offline, one command. */
import type { Command } from 'commander';
import { isAbsolute, relative } from 'node:path';
import { DEFAULT_DEMO_OUT } from '../../demo/defaults.js';
import { attributionEvalMessages, circuitMessages, CLI, probeMessages, serverMessages } from '../../messages/index.js';
import { SERVE_DEFAULTS } from '../../server/defaults.js';
import { deviceOption, outOption, threadsOption, withDevice } from '../options.js';
import { createProgressRenderer } from '../progress.js';
import { runAction } from '../run-action.js';
import { openBrowser } from './serve.js';

/** `part` of `whole` as a whole percentage. */
const share = (part: number, whole: number) => (whole > 0 ? `${((100 * part) / whole).toFixed(0)} %` : '-');

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('record the two shipped emoji models (CNN and ViT) on the emoji image set and report where results are')
    .addOption(outOption('output folder', DEFAULT_DEMO_OUT))
    .option('--quick', `a few hundred images instead of ~3,800`)
    .addOption(threadsOption())
    .addOption(deviceOption())
    .option('--open', 'when done, serve the CNN run in the explorer and open it in the browser (Ctrl-C stops)')
    .action((flags: { out: string; quick?: boolean; threads?: number; device: 'cpu' | 'cuda'; open?: boolean }) =>
      runAction(async () => {
        const [{ runDemo }, { formatSeedTable }, { withInterval }, { startServer }] = await Promise.all([import('../../demo/demo.js'), import('../../demo/seed-table.js'), import('../../probes/headline.js'), import('../../server/server.js')]);
        const progress = createProgressRenderer();
        const result = await runDemo(withDevice(flags), {
          onStep: (message) => {
            progress.stop();
            process.stderr.write(`neurolens demo: ${message}\n`);
          },
          onProgress: (_model, p) => progress.update(p),
        });
        progress.stop();
        const show = (path: string) => {
          const rel = relative(process.cwd(), path);
          return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : rel;
        };
        const lines = [`neurolens demo (${result.mode}): ${result.images} emoji images, ${result.seconds.toFixed(1)} s`, `  labels (names, categories, subcategories): ${show(result.labels)}`];
        for (const run of result.runs) {
          const pct = run.top1.total > 0 ? ((100 * run.top1.correct) / run.top1.total).toFixed(1) : '-';
          lines.push(
            `  ${run.name}: ${run.status === 'unchanged' ? 'already recorded' : `recorded in ${run.seconds.toFixed(1)} s`}: ${run.images} images, layers ${run.layers.join(', ')}`,
            `    run folder: ${show(run.run)}  (manifest.json, activations/*.npy, images.parquet, stats/)`,
            `    prediction = subcategory on ${pct} % of ${run.top1.total} images (training images included; see models/${run.name}.json for held-out accuracy)`,
          );
          if (run.concepts) lines.push(`    concepts: ${show(run.concepts.report)} (+ ${run.concepts.files.length} layer JSON files)`);
          const c = run.circuits;
          if (c) {
            lines.push(`    circuits: ${c.files.filter((f) => f.endsWith('.html')).map(show).join(', ')}`);
            if (c.misclassified) {
              lines.push(`    misclassified image ${c.misclassified.index}: predicted ${c.misclassified.predicted}, truly ${c.misclassified.truth}; diagnosis ${show(c.misclassified.diagnosis)}`);
              lines.push(`      ${c.misclassified.verdict}`);
            }
            const d = c.eval.drop;
            const pc = c.eval.perCircuit;
            // A ratio over a random drop whose interval reaches 0 says nothing (it is null then); the paired difference does.
            const ratio = (r: { value: number; ci: [number, number] } | null) => (r ? `${r.value.toFixed(2)}×, 95 % CI ${r.ci[0].toFixed(2)}–${r.ci[1].toFixed(2)}` : 'ratio n/a: random drop not above 0');
            const diff = (i: [number, number]) => `difference 95 % CI ${i[0].toFixed(3)}–${i[1].toFixed(3)}`;
            lines.push(`    ablation check on ${c.eval.queries} queries (${c.eval.withCircuits} with circuits, ${c.eval.mode} ablation): predicted-class logit drop, all circuits ${d.circuit.toFixed(3)} vs random ${d.random.toFixed(3)} (${ratio(c.eval.ratio)}; ${diff(c.eval.difference)}; ${circuitMessages.verdict(c.eval.verdict)}) vs outside ${d.outside.toFixed(3)}; circuit > random on ${(100 * c.eval.circuitBeatsRandom).toFixed(0)} % (${show(c.eval.path)})`);
            lines.push(`    each circuit alone: drop ${pc.drop.toFixed(3)} vs random ${pc.random.toFixed(3)} (${ratio(pc.ratio)}; ${diff(pc.difference)}; ${circuitMessages.verdict(pc.verdict)}; circuit > random for ${(100 * pc.beatsRandom).toFixed(0)} %, ${(100 * pc.passes).toFixed(0)} % pass against their own draws); kept alone it restores ${(100 * pc.retained).toFixed(0)} % of the logit vs ${(100 * pc.retainedRandom).toFixed(0)} % for random sets`);
          }
          const p = run.probes;
          const n = run.neurons;
          if (n) {
            lines.push(`    neurons: ${n.rare} of ${n.neurons} rarely active (top-10 % of their layer on < 1 % of images) (${show(n.summary)})`);
            const labelled = n.labels.map((l) => `${l.layer} ${share(l.labelled, l.channels)}${l.top ? ` (most common "${l.top.label}" on ${share(l.top.count, l.channels)}${l.top.count > 0.2 * l.channels ? ' — over 20 % of the layer, a broad concept' : ''})` : ''}`);
            if (labelled.length > 0) lines.push(`    concept labels (enrichment among the top images, BH q < 0.05; share of neurons labelled): ${labelled.join('; ')}`);
            const dissected = n.dissection.map((d) => `${d.layer} ${d.labelled}/${d.channels}${d.top ? ` (mostly ${d.top.label} ×${d.top.count}, best IoU ${d.top.bestIou.toFixed(2)})` : ''}`);
            lines.push(`    dissection against colour masks (IoU > 0.04): ${dissected.join('; ')}`);
          }
          const a = run.attribution;
          if (a) {
            const rows = a.methods.map((m) => `${m.method} MoRF ${m.morf.toFixed(3)} / LeRF ${m.lerf.toFixed(3)} / ABPC ${m.abpc.toFixed(3)} (random MoRF ${m.randomMorf.toFixed(3)}${m.smoothRandomMorf === undefined || Number.isNaN(m.smoothRandomMorf) ? '' : `, smooth-matched random ${m.smoothRandomMorf.toFixed(3)}`})${m.lessFaithful ? ` ✗ ${attributionEvalMessages.lessFaithful}` : ''}`);
            lines.push(`    attribution on ${a.images} images (normalised AUCs; MoRF lower and LeRF higher is better): ${rows.join('; ')}`);
            if (a.sanity) lines.push(`    sanity check (${a.sanity.method}, cascading weight randomisation): Spearman vs original ${a.sanity.first.toFixed(3)} after the top layer → ${a.sanity.last.toFixed(3)} after ${a.sanity.steps} steps`);
            lines.push(`    attribution maps and eval: ${show(a.dir)}`);
          }
          if (p) {
            const layers = p.layers.map((l) => `${l.layer} ${l.multiAuc.toFixed(3)} vs shuffled ${l.shuffledAuc.toFixed(3)} (best single neuron ${l.singleAuc.toFixed(3)}${l.classAccuracy !== null ? `; softmax accuracy ${l.classAccuracy.toFixed(3)} vs majority ${(l.majority ?? 0).toFixed(3)}` : ''})`);
            lines.push(`    probes, ${p.concepts} subcategories, mean multi-neuron test AUC: ${layers.join('; ')}`);
            const unranked = p.tooFewTestPositives > 0 ? `; ${probeMessages.notRanked(p.tooFewTestPositives, p.minTestPositives)}` : '';
            const best = p.best ? `best read subcategory (≥ ${p.minTestPositives} test positives): ${p.best.concept} at ${p.best.layer} (test AUC ${withInterval(p.best.auc, p.best.aucCi)}, ${p.best.testPositives} test positives)` : probeMessages.noneRanked(p.minTestPositives);
            lines.push(`    ${best}${unranked}; report ${show(p.report)}`);
          }
        }
        lines.push(...formatSeedTable(result.runs).map((l) => `  ${l}`));
        for (const c of result.clustering) {
          lines.push(`  caption clusters, level ${c.level} (${c.clusters} clusters) vs emoji ${c.truth}: ARI ${c.ari.toFixed(3)}, purity ${c.purity.toFixed(3)}`);
        }
        const example = result.runs[0];
        if (example) {
          lines.push('next:', `  ${CLI} serve ${show(example.run)}   # the explorer, at http://${SERVE_DEFAULTS.host}:${SERVE_DEFAULTS.port}/`, `  ${CLI} inspect ${show(example.model)}`, `  python3 -c "import numpy; print(numpy.load('${show(example.run)}/activations/${example.layers.at(-1)}.mean.npy', mmap_mode='r').shape)"`);
        }
        process.stdout.write(`${lines.join('\n')}\n`);
        if (flags.open && example) {
          const server = await startServer({ run: example.run, onWarning: (w) => process.stderr.write(`neurolens: ${w}\n`) });
          process.stdout.write(`${serverMessages.listening(server.url)}\n`);
          openBrowser(server.url, () => process.stderr.write(`neurolens: ${serverMessages.openFailed(server.url)}\n`));
          await new Promise<void>((resolve) => {
            const stop = () => void server.close().finally(resolve);
            process.once('SIGINT', stop);
            process.once('SIGTERM', stop);
          });
        }
      }),
    );
}
