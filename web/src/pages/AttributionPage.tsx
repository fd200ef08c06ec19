// #/attribution/NAME — per image the original, its target and each method's map with a colour bar;
// the evaluation (areas against random maps, the check, interactive curves) and the sanity check.
import type { AttributionResponse, MethodAggregate } from '../contract.js';
import { api, fileUrl, useApi } from '../data.js';
import { links, usePageTitle } from '../router.js';
import { Loaded } from '../components/Status.js';
import { AttributionMaps } from '../components/AttributionMaps.js';
import { CurvesChart, EvalTable, SanityResult } from '../components/AttributionEval.js';

export function AttributionPage({ name }: { name: string }) {
  usePageTitle(`Attribution ${name}`);
  const state = useApi<AttributionResponse>(api('attribution', name));
  return (
    <>
      <h1>
        Attribution <code>{name}</code>
      </h1>
      <p>
        <a href={links.attributions()}>← all attribution results</a>
      </p>
      <Loaded state={state} what="attribution">
        {(a) => <AttributionBody a={a} />}
      </Loaded>
    </>
  );
}

function AttributionBody({ a }: { a: AttributionResponse }) {
  const aggregate = (a.evaluation?.aggregate ?? {}) as Record<string, MethodAggregate>;
  return (
    <div data-testid="attribution">
      <h2>Maps</h2>
      <AttributionMaps methods={a.methods} rows={a.grid} />

      {a.evaluation && (
        <>
          <h2>Evaluation</h2>
          <p className="muted">
            Areas under the normalised perturbation curves (mean ± sd over {a.evaluation.images.length} image(s)): MoRF and deletion lower is better, LeRF and insertion
            higher; ABPC = LeRF − MoRF. A method whose MoRF or deletion area is not below the random maps&apos; is less faithful than random on this model.
          </p>
          <EvalTable evaluation={a.evaluation} />
          <div className="grid" data-testid="curves">
            {Object.entries(aggregate).map(([m, g]) => (
              <CurvesChart key={m} method={m} aggregate={g} images={a.evaluation!.images.length} />
            ))}
          </div>
        </>
      )}

      <h2>Sanity check (cascading weight randomisation)</h2>
      {a.sanity.length === 0 ? (
        <p className="muted" data-testid="no-sanity">
          Not run for this folder (`npx neurolens attribute eval --sanity`).
        </p>
      ) : (
        <>
          <p className="muted">
            The layers are re-initialised from the output down and the maps recomputed: maps that explain what the model learned change, so their correlation with the
            original maps falls towards 0.
          </p>
          {a.sanity.map((s) => (
            <SanityResult key={`${s.source}:${s.method}`} s={s} />
          ))}
        </>
      )}
      {a.files.length > 0 && (
        <>
          <h2>Files</h2>
          <ul>
            {a.files
              .filter((f) => !f.endsWith('.npy'))
              .map((f) => (
                <li key={f}>
                  <a href={fileUrl(f)}>{f}</a>
                </li>
              ))}
          </ul>
        </>
      )}
    </div>
  );
}
