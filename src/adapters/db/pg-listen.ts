/**
 * LISTEN on a PostgreSQL channel with a connection of its own (a pooled connection cannot keep a
 * LISTEN), reconnecting after errors. After a reconnect `onResume` is called: notifications sent
 * while the connection was down are lost, so the listener's users should catch up.
 */
import pg from 'pg';

export type Listening = { stop(): Promise<void> };

export type ListenOptions = {
  connectionString: string;
  /** search_path, as the pool uses it. */
  schema?: string;
  channel: string;
  onMessage(payload: string): void;
  onResume(): void;
  onError?(error: Error): void;
  retryMs?: number;
};

export async function listenPostgres(options: ListenOptions): Promise<Listening> {
  let client: pg.Client | null = null;
  let stopped = false;
  let retry: NodeJS.Timeout | null = null;
  const channel = `"${options.channel.replaceAll('"', '')}"`;

  const connect = async (resumed: boolean): Promise<void> => {
    const c = new pg.Client({ connectionString: options.connectionString, ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}) });
    c.on('notification', (message) => {
      if (message.channel === options.channel && message.payload !== undefined) options.onMessage(message.payload);
    });
    const lost = (error?: Error) => {
      if (client !== c) return;
      client = null;
      c.removeAllListeners('end');
      void c.end().catch(() => undefined);
      if (error) options.onError?.(error);
      if (!stopped) retry = setTimeout(() => void reconnect(), options.retryMs ?? 1000);
    };
    c.on('error', lost);
    c.on('end', () => lost(new Error('the LISTEN connection ended')));
    client = c;
    await c.connect();
    await c.query(`LISTEN ${channel}`);
    if (resumed) options.onResume();
  };
  const reconnect = async () => {
    retry = null;
    if (stopped) return;
    try {
      await connect(true);
    } catch (error) {
      if (client) {
        const c = client;
        client = null;
        void c.end().catch(() => undefined);
      }
      options.onError?.(error as Error);
      if (!stopped) retry = setTimeout(() => void reconnect(), options.retryMs ?? 1000);
    }
  };

  await connect(false);
  return {
    async stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
      const c = client;
      client = null;
      if (c) {
        c.removeAllListeners('end');
        await c.end().catch(() => undefined);
      }
    },
  };
}
