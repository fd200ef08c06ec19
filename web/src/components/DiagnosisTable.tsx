// A query's diagnosis: per circuit, the logit changes when it is inhibited or stimulated, ranked by
// how much inhibiting it narrows the predicted-vs-target margin.
import { links } from '../router.js';
import { fmt } from '../format.js';

interface Change {
  predicted?: number;
  target?: number;
  margin?: number;
}
interface Row {
  rank?: number;
  id?: string;
  neurons?: number;
  score?: number;
  inhibit?: Change;
  stimulate?: Change;
}
interface Cls {
  class?: number;
  label?: string;
  logit?: number;
}

export function DiagnosisTable({ name, diagnosis, onSelect }: { name: string; diagnosis: Record<string, unknown>; onSelect?: (id: string) => void }) {
  const rows = Array.isArray(diagnosis.circuits) ? (diagnosis.circuits as Row[]) : [];
  const predicted = diagnosis.predicted as Cls | undefined;
  const target = diagnosis.target as Cls | undefined;
  return (
    <>
      <p>
        Predicted <strong>{predicted?.label ?? predicted?.class}</strong> (logit {fmt(predicted?.logit)}) vs target <strong>{target?.label ?? target?.class}</strong> (logit {fmt(target?.logit)}).
      </p>
      <table data-testid="diagnosis">
        <thead>
          <tr>
            <th className="num">rank</th>
            <th>circuit</th>
            <th className="num">neurons</th>
            <th className="num">margin drop</th>
            <th className="num">inhibit: Δpredicted</th>
            <th className="num">inhibit: Δtarget</th>
            <th className="num">stimulate: Δpredicted</th>
            <th className="num">stimulate: Δtarget</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={r.id ?? i}>
              <td className="num">{r.rank ?? i + 1}</td>
              <td>
                {r.id !== undefined ? (
                  <a
                    href={links.circuit(name, r.id)}
                    onClick={(e) => {
                      if (onSelect && r.id !== undefined) {
                        e.preventDefault();
                        onSelect(r.id);
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
