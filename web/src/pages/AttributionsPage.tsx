// #/attribution — the attribution output folders of the run.
import type { AttributionListResponse } from '../contract.js';
import { useApi } from '../data.js';
import { links, usePageTitle } from '../router.js';
import { Loaded } from '../components/Status.js';

export function AttributionsPage() {
  usePageTitle('Attribution');
  const state = useApi<AttributionListResponse>('/api/attribution');
  return (
    <>
      <h1>Attribution</h1>
      <Loaded state={state} what="attribution results">
        {(list) =>
          list.runs.length === 0 ? (
            <p className="muted" data-testid="no-attribution">
              This run has no attribution results (run `npx neurolens attribute` with `--out RUN/attribution/NAME`).
            </p>
          ) : (
            <table data-testid="attribution-runs">
              <thead>
                <tr>
                  <th>name</th>
                  <th>methods</th>
                  <th className="num">images</th>
                  <th>evaluated: check vs random</th>
                </tr>
              </thead>
              <tbody>
                {list.runs.map((r) => (
                  <tr key={r.name}>
                    <td>
                      <a href={links.attribution(r.name)} data-testid="attribution-run-link">
                        {r.name}
                      </a>
                    </td>
                    <td>{r.methods.join(', ')}</td>
                    <td className="num">{r.images}</td>
                    <td data-testid="attribution-run-checks">
                      <Checks checked={r.checked ?? []} failing={r.lessFaithful ?? []} evaluated={r.eval} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
    </>
  );
}

/** How many methods pass the eval's check; the failing ones by name, shown failing. */
function Checks({ checked, failing, evaluated }: { checked: string[]; failing: string[]; evaluated: boolean }) {
  if (!evaluated) return <span className="muted">not evaluated</span>;
  if (checked.length === 0) return <span className="muted">evaluated, no random-map check</span>;
  if (failing.length === 0) return <span>✓ all {checked.length} below random</span>;
  return (
    <span className="check-failed">
      ✗ {failing.length} of {checked.length} less faithful than random <span className="muted">({failing.join(', ')})</span>
    </span>
  );
}
