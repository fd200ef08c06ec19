import { links, usePageTitle } from '../router.js';
import { ErrorBanner } from '../components/Status.js';

export function NotFoundPage({ path }: { path: string }) {
  usePageTitle('Not found');
  return (
    <>
      <h1>Not found</h1>
      <ErrorBanner error={`no explorer page at ${path}`} />
      <p>
        <a href={links.overview()}>Back to the overview</a>
      </p>
    </>
  );
}
