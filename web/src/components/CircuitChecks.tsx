// One circuit's evidence on its page: whether it beats random neurons (its own random draws from
// the circuit file, and this query's rows of eval.json when the query was evaluated), and each
// neuron's support — the logit drop that admitted it where the support gate was on. Files are read
// defensively: older ones lack the random draws, the verdict or the gate.
import type { CheckVerdict, CircuitCheck, CircuitFile, CircuitsEvalQuery, MeanSd, SankeyNode } from '../contract.js';
import { links } from '../router.js';
import { fmt } from '../format.js';

type Interval = [number, number];
type Ratio = { value: number; ci: Interval } | null;
type Effect = NonNullable<CircuitFile['circuits'][number]['effect']>;

const iv = (i?: Interval) => (Array.isArray(i) ? `[${fmt(i[0])}, ${fmt(i[1])}]` : '');

/** ✓ / ✗ with the rule it was judged by. */
export function Verdict({ verdict }: { verdict?: CheckVerdict }) {
  if (!verdict || typeof verdict.pass !== 'boolean') return <span className="muted">—</span>;
  const rule = verdict.basis === 'ratio' ? 'circuit/random ratio interval above 1' : 'circuit − random interval above 0';
  return verdict.pass ? (
    <span data-testid="verdict-pass" title={rule}>
      ✓ beats random
    </span>
  ) : (
    <span className="check-failed" data-testid="verdict-fail" title={rule}>
      ✗ not above random
    </span>
  );
}

/**
 * A ratio with its interval, or "n/a" with the reason where the random drop's interval reaches 0.
 * Files written before verdicts existed store a ratio even over a random drop of nothing, so a
 * ratio is shown only where a verdict rests on it.
 */
export function RatioText({ ratio, verdict }: { ratio?: Ratio; verdict?: CheckVerdict }) {
  if (ratio && Number.isFinite(ratio.value) && verdict?.basis === 'ratio') return <>{`${fmt(ratio.value, 2)}× ${iv(ratio.ci)}`}</>;
  return (
    <span data-testid="ratio-na" title={verdict?.ratioNa ?? (verdict ? 'the random drop is not above 0' : 'written before verdicts: not checked against the random drop')}>
      n/a
    </span>
  );
}

interface Row {
  source: string;
  drop?: number;
  random?: MeanSd & { ci?: Interval };
  difference?: MeanSd & { ci?: Interval };
  ratio?: Ratio;
  verdict?: CheckVerdict;
}

function rowsOf(effect: Effect | undefined, entry: CircuitsEvalQuery | null, id: string): Row[] {
  const rows: Row[] = [];
  if (effect && typeof effect.drop === 'number') rows.push({ source: 'this circuit file (zero ablation)', ...effect });
  const fromEval = (mode: string, checks: CircuitCheck[] | undefined) => {
    const c = Array.isArray(checks) ? checks.find((x) => String(x.id) === id) : undefined;
    if (c) rows.push({ source: `circuits eval (${mode} ablation)`, ...c });
  };
  if (entry) {
    fromEval(entry.alternate ? (entry.alternate.mode === 'mean' ? 'zero' : 'mean') : 'primary', entry.circuitChecks);
    if (entry.alternate) fromEval(entry.alternate.mode, entry.alternate.circuitChecks);
  }
  return rows;
}

/** The circuit ablated alone vs random sets of its per-layer sizes, with the verdict. */
export function CircuitFaithfulness({ effect, entry, id }: { effect?: Effect; entry: CircuitsEvalQuery | null; id: string }) {
  const rows = rowsOf(effect, entry, id);
  if (rows.length === 0) return <p className="muted">No ablation numbers for this circuit (written before circuits were measured).</p>;
  const reasons = [...new Set(rows.flatMap((r) => (!r.ratio && r.verdict?.ratioNa ? [r.verdict.ratioNa] : [])))];
  return (
    <>
      <table data-testid="circuit-faithfulness">
        <thead>
          <tr>
            <th>measured by</th>
            <th className="num">logit drop, circuit zeroed</th>
            <th className="num">random sets (mean [95 % CI])</th>
            <th className="num">circuit − random [95 % CI]</th>
            <th className="num">circuit / random</th>
            <th>verdict</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.source} className={r.verdict && !r.verdict.pass ? 'check-failed' : undefined}>
              <td>{r.source}</td>
              <td className="num">{fmt(r.drop)}</td>
              <td className="num">{r.random ? `${fmt(r.random.mean)} ${iv(r.random.ci)}` : '—'}</td>
              <td className="num">{r.difference ? `${fmt(r.difference.mean)} ${iv(r.difference.ci)}` : '—'}</td>
              <td className="num">{r.random ? <RatioText ratio={r.ratio} verdict={r.verdict} /> : '—'}</td>
              <td>
                <Verdict verdict={r.verdict} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">
        Random sets: as many neurons per layer as the circuit has, drawn uniformly, 10 draws on this query; intervals bootstrap the draws. The verdict comes from the circuit/random ratio
        when the random drop's interval lies above 0, otherwise from the circuit − random difference.
        {reasons.map((r) => (
          <span key={r} data-testid="ratio-na-reason">
            {' '}
            {r[0]!.toUpperCase() + r.slice(1)}.
          </span>
        ))}
      </p>
    </>
  );
}

/** The gate as the result states it. */
export function GateLine({ support }: { support?: CircuitFile['support'] }) {
  if (!support || !Array.isArray(support.layers)) return <p className="muted">Support gate: not recorded (file written before the gate existed).</p>;
  if (support.layers.length === 0) return <p className="muted" data-testid="support-gate">Support gate: off ({support.gate}): neurons enter circuits by activation and sensitivity alone.</p>;
  return (
    <p className="muted" data-testid="support-gate">
      Support gate ({support.gate}) on {support.layers.join(', ')}: {support.supporting} of {support.tested} tested neurons lower the predicted logit when zeroed alone; only they can enter a
      circuit there.
    </p>
  );
}

/** The circuit's neurons with their names, activation and, where the gate was on, the support that admitted them. */
export function CircuitNeurons({ nodes }: { nodes: readonly SankeyNode[] }) {
  return (
    <table data-testid="circuit-neurons">
      <thead>
        <tr>
          <th>neuron</th>
          <th>name</th>
          <th className="num">activation</th>
          <th>support gate</th>
          <th className="num">support: logit drop zeroed alone</th>
        </tr>
      </thead>
      <tbody>
        {nodes.map((n) => (
          <tr key={n.id} data-testid="circuit-neuron">
            <td>
              <a href={links.neuron(n.layer, n.channel)}>
                {n.layer} #{n.channel}
              </a>
              {n.root ? ' (root)' : ''}
            </td>
            <td>{n.concept?.caption ?? n.neuronLabel?.text ?? <span className="muted">unnamed</span>}</td>
            <td className="num">{fmt(n.act, 2)}</td>
            <td data-testid="neuron-gate">{n.gated === true ? 'on' : n.gated === false ? 'off' : '—'}</td>
            <td className="num" data-testid="neuron-support">
              {typeof n.support === 'number' ? fmt(n.support) : '—'}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * The circuit's own faithfulness in one sentence above its diagram: its logit drop against random
 * sets of its sizes, and the verdict — failing in red where the check fails.
 */
export function FaithfulnessHeadline({ effect }: { effect?: Effect }) {
  if (!effect || typeof effect.drop !== 'number') return <p className="muted" data-testid="faithfulness-headline">Not measured: this file was written before circuits were checked against random neurons.</p>;
  const failed = effect.verdict ? !effect.verdict.pass : false;
  return (
    <p className={`faithfulness-headline${failed ? ' check-failed' : ''}`} data-testid="faithfulness-headline">
      Faithfulness: logit drop <strong data-testid="faithfulness-drop">{fmt(effect.drop)}</strong> when this circuit alone is zeroed (predicted logit before − after: positive = it falls)
      {effect.random && (
        <>
          ; random sets of its per-layer sizes: {fmt(effect.random.mean)} {iv(effect.random.ci)}; circuit − random {effect.difference ? `${fmt(effect.difference.mean)} ${iv(effect.difference.ci)}` : '—'}; ratio{' '}
          <RatioText ratio={effect.ratio} verdict={effect.verdict} />
        </>
      )}
      {' — '}
      {effect.verdict ? <Verdict verdict={effect.verdict} /> : <span className="muted">no verdict (no random draws stored)</span>}
      {failed && ' (this circuit fails its check: its effect is not distinguishable from random neurons)'}
    </p>
  );
}
