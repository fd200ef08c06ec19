/** Where `startServer` listens unless told otherwise (loopback only: the explorer has no authentication). */
export const SERVE_DEFAULTS = {
  /** TCP port; 0 picks a free one. */
  port: 7860,
  /** Interface to listen on. */
  host: '127.0.0.1',
} as const;
