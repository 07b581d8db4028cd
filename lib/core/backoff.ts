// Retry timing shared by every queue consumer (ingest, discovery).

/** Capped exponential backoff for transient failures: 10 s, 20 s, 40 s, ... at most 15 minutes. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(900, 10 * 2 ** Math.max(0, attempts - 1));
}
