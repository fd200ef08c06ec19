/** The `circuits eval` summary as the fixed-width table the CLI prints. */
import { circuitMessages } from '../messages/circuits.js';
import type { CheckVerdict, CircuitsEvalFile, ClassSummary, Interval, MeanSd, RatioCi, PerCircuitSummary } from './formats.js';

const f = (s: MeanSd) => `${s.mean.toFixed(3)} ± ${s.sd.toFixed(3)}`;
const ci = (i: Interval) => `[${i[0].toFixed(3)}, ${i[1].toFixed(3)}]`;
// A ratio over a random drop indistinguishable from 0 says nothing: eval.json withholds it (null)
// and the verdict names what it rests on instead.
const ratio = (r: RatioCi, v: CheckVerdict) => (r ? `${r.value.toFixed(2)}× (95 % CI ${r.ci[0].toFixed(2)}–${r.ci[1].toFixed(2)})` : v.ratioNa ?? 'n/a');

function classBlock(lines: string[], name: string, s: ClassSummary): void {
  lines.push(`  ${name} class logit (original ${f(s.original)}), mean drop over ${s.queries} queries, all circuits of a query at once:`);
  lines.push(`    circuits ablated      ${f(s.drop.circuit)}  95 % CI ${ci(s.drop.circuit.ci)}`);
  lines.push(`    random (same layers)  ${f(s.drop.random)}  95 % CI ${ci(s.drop.random.ci)}`);
  lines.push(`    outside circuits      ${f(s.drop.outside)}`);
  lines.push(`    circuit − random      ${f(s.difference)}  95 % CI ${ci(s.difference.ci)}`);
  lines.push(`    circuit / random      ${ratio(s.ratio, s.verdict)}; circuit > random in ${(100 * s.circuitBeatsRandom).toFixed(1)} % of queries`);
  lines.push(`    verdict               ${circuitMessages.verdict(s.verdict)}`);
  lines.push(`    deletion AUC (logit)  ${f(s.auc.deletion)}`);
  lines.push(`    insertion AUC (logit) ${f(s.auc.insertion)}`);
}

function circuitBlock(lines: string[], p: PerCircuitSummary): void {
  lines.push(`  each circuit alone (${p.circuits} circuits of ${p.queries} queries; per query the mean over its circuits), predicted logit drop:`);
  lines.push(`    circuit               ${f(p.drop)}  95 % CI ${ci(p.drop.ci)}`);
  lines.push(`    random (same sizes)   ${f(p.random)}  95 % CI ${ci(p.random.ci)}`);
  lines.push(`    circuit − random      ${f(p.difference)}  95 % CI ${ci(p.difference.ci)}`);
  lines.push(`    circuit / random      ${ratio(p.ratio, p.verdict)}; circuit > random for ${(100 * p.beatsRandom).toFixed(1)} % of circuits`);
  lines.push(`    verdict               ${circuitMessages.verdict(p.verdict)}; ${(100 * p.passes).toFixed(1)} % of circuits pass against their own random draws`);
  lines.push(`  completeness (only the circuit kept in its layers), share of the logit restored above the floor (layers wholly ablated), ${p.completeness.circuits} circuits where the floor is ≥ 10 % lower:`);
  lines.push(`    circuit kept          ${f(p.completeness.retained)}  95 % CI ${ci(p.completeness.retained.ci)}`);
  lines.push(`    random kept           ${f(p.completeness.random)}  95 % CI ${ci(p.completeness.random.ci)}`);
}

export function formatEvalTable(result: CircuitsEvalFile): string {
  const s = result.summary;
  const gate = result.protocol.support;
  const lines = [`queries: ${s.queries} (with circuits: ${s.withCircuits})${gate ? `; support gate: ${gate}` : ''}`];
  const modes = [{ mode: s.mode, predicted: s.predicted, true: s.true, perCircuit: s.perCircuit }, ...(s.alternate ? [s.alternate] : [])];
  for (const [i, m] of modes.entries()) {
    lines.push(`${m.mode} ablation${i === 0 && modes.length > 1 ? ' (primary)' : ''}:`);
    classBlock(lines, 'predicted', m.predicted);
    if (m.true) classBlock(lines, 'true', m.true);
    if (m.perCircuit) circuitBlock(lines, m.perCircuit);
  }
  return `${lines.join('\n')}\n`;
}
