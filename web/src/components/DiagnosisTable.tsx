// A query's diagnosis: per circuit, the logit changes when it is inhibited or stimulated, ranked by
// how much inhibiting it narrows the predicted-vs-target margin. The caption and the headers say
// which way Δ points, since "drop" columns and "change" columns have opposite signs.
import type { CircuitsDiagnosisFile } from '../contract.js';
import { links } from '../router.js';
import { fmt } from '../format.js';

export function DiagnosisTable({ name, diagnosis, onSelect }: { name: string; diagnosis: CircuitsDiagnosisFile; onSelect?: (id: string) => void }) {
  // Read defensively: the file is shown as stored, and may come from an older version.
  const rows = Array.isArray(diagnosis.circuits) ? diagnosis.circuits : [];
  const predicted = diagnosis.predicted as CircuitsDiagnosisFile['predicted'] | undefined;
  const target = diagnosis.target as CircuitsDiagnosisFile['target'] | undefined;
  const protocol = diagnosis.protocol as Partial<CircuitsDiagnosisFile['protocol']> | undefined;
  return (
    <>
      <p>
        Predicted <strong>{predicted?.label ?? predicted?.class}</strong> (logit {fmt(predicted?.logit)}) vs target <strong>{target?.label ?? target?.class}</strong> (logit {fmt(target?.logit)}).
      </p>
      {typeof diagnosis.verdict?.text === 'string' && (
        <p data-testid="diagnosis-verdict">
          <strong>{diagnosis.verdict.text}</strong>
        </p>
      )}
      <table data-testid="diagnosis">
        <caption className="muted" data-testid="delta-definition">
          Δ = logit after the intervention − logit before (raw logits): a <strong>positive Δ means the intervention raised</strong> that class's logit, a negative Δ lowered it. Inhibit sets
          the circuit's neurons {protocol?.ablation === 'mean' ? 'to their mean activation' : 'to 0'}; stimulate multiplies them by {typeof protocol?.stimulateFactor === 'number' ? protocol.stimulateFactor : 2}.
          Margin drop = −(Δpredicted − Δtarget) under inhibition: positive means inhibiting the circuit narrows the predicted class's lead over the target.
        </caption>
        <thead>
          <tr>
            <th className="num">rank</th>
            <th>circuit</th>
            <th className="num">neurons</th>
            <th className="num" title="−(Δpredicted − Δtarget) when inhibited; positive = the margin narrows">margin drop (+ narrows)</th>
            <th>narrows?</th>
            <th className="num">inhibit: Δpredicted (+ = up)</th>
            <th className="num">inhibit: Δtarget (+ = up)</th>
            <th className="num">stimulate: Δpredicted (+ = up)</th>
            <th className="num">stimulate: Δtarget (+ = up)</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={r.id ?? i}>
              <td className="num">{r.rank ?? i + 1}</td>
              <td>
                {r.id !== undefined ? (
                  <a
                    href={links.circuit(name, String(r.id))}
                    onClick={(e) => {
                      if (onSelect && r.id !== undefined) {
                        e.preventDefault();
                        onSelect(String(r.id));
                      }
                    }}
                  >
                    {r.id}
                  </a>
                ) : (
                  '—'
                )}
              </td>
              <td className="num">{r.neurons ?? '—'}</td>
              <td className="num">{fmt(r.score)}</td>
              <td>{r.narrows === undefined ? '—' : r.narrows ? 'yes' : 'no'}</td>
              <td className="num">{fmt(r.inhibit?.predicted)}</td>
              <td className="num">{fmt(r.inhibit?.target)}</td>
              <td className="num">{fmt(r.stimulate?.predicted)}</td>
              <td className="num">{fmt(r.stimulate?.target)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

