// Loading and error states: a page never goes blank; failures show an alert with the message.
import type { ReactNode } from 'react';

export function Loading({ what }: { what?: string }) {
  return (
    <p className="loading" data-testid="loading" role="status">
      Loading{what ? ` ${what}` : ''}…
    </p>
  );
}

export function ErrorBanner({ error }: { error: unknown }) {
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="error-banner" data-testid="error-banner" role="alert">
      <strong>Error:</strong> {message}
    </div>
  );
}

/** Renders `children(data)` once loaded; the loading line or the error banner before that. */
export function Loaded<T>(props: { state: { data?: T; error?: unknown }; what?: string; children: (data: T) => ReactNode }) {
  const { state } = props;
  if (state.error !== undefined) return <ErrorBanner error={state.error} />;
  if (state.data === undefined) return <Loading what={props.what} />;
  return <>{props.children(state.data)}</>;
}
