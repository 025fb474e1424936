/**
 * Graceful shutdown of the HTTP side: once draining begins, new requests that would change
 * something are refused with 503 (a load balancer sends them to another instance; readiness fails
 * too), while reads and the requests already in flight go on. The server waits for those in flight
 * (a "run T1 now" carrying a deploy, a rollback) within its grace period.
 */
export type DrainGate = {
  readonly draining: boolean;
  /** Why new work is refused, once draining. */
  readonly reason: string | null;
  begin(reason: string): void;
  /** Requests that may change something and have not answered yet. */
  readonly inFlight: number;
  enter(): void;
  leave(): void;
};

export function createDrainGate(): DrainGate {
  let draining = false;
  let reason: string | null = null;
  let inFlight = 0;
  return {
    get draining() {
      return draining;
    },
    get reason() {
      return reason;
    },
    begin(why) {
      draining = true;
      reason = why;
    },
    get inFlight() {
      return inFlight;
    },
    enter() {
      inFlight += 1;
    },
    leave() {
      inFlight = Math.max(0, inFlight - 1);
    },
  };
}

/** GET, HEAD and OPTIONS change nothing: they are served while draining. */
export function changesSomething(method: string): boolean {
  return !['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase());
}
