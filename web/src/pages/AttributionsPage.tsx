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
                  <th>evaluated</th>
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
                    <td>{r.eval ? '✓' : ''}</td>
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
