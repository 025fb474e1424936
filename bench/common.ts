/**
 * Shared by the benchmark's processes: the system under test, the token, timings and the
 * messages the child processes send back over IPC.
 */
import { tmpdir } from 'node:os';
import type { SystemConfig } from '../src/config/load-config.ts';
import { testSystem } from '../test/support/test-tonic.ts';

export const SYSTEM = 'shop';
export const BENCH_TOKEN = 'bench-admin-token-0123456789abcdef';
export const BUG_COUNT = 100_000;
export const PAGE_QUERY = 'status=deployed_uat';

/** The one configured system, as the tests wire it. */
export function benchSystem(): SystemConfig {
  return testSystem({ name: SYSTEM, title: 'Shop (bench)' });
}

/** TONIC_HOME for the children (remote clones would go there; the bench system has none). */
export function benchHome(): string {
  return process.env.TONIC_BENCH_HOME ?? tmpdir();
}

/** Messages from the server child to the runner. */
export type ServerMessage =
  | { type: 'ready'; port: number; pid: number; rss: number; heapUsed: number }
  | { type: 'memory'; rss: number; heapUsed: number; external: number; arrayBuffers: number }
  | { type: 'cpu'; micros: number }
  | { type: 'error'; message: string };

/** Messages from the runner to the server child. */
export type ServerCommand = { type: 'memory' } | { type: 'cpu' } | { type: 'stop' };

export type WriteResult = {
  n: number;
  product: { seconds: number; perSecond: number };
  raw: { seconds: number; perSecond: number };
  /** The use case's own statements by hand (informational). */
  rawFull: { seconds: number; perSecond: number };
  ratio: number;
  check: string;
};

export type WriteMessage = { type: 'result'; result: WriteResult } | { type: 'error'; message: string };

/** A child exits when the runner goes away, so nothing is left behind after a crash or Ctrl-C. */
export function exitWithParent(): void {
  process.on('disconnect', () => process.exit(0));
}
