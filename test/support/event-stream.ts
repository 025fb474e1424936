/** A client of GET /api/v1/events (server-sent events) for tests: collects events, waits for one. */
export type ServerEvent = { event: string; data: any };

export async function openEventStream(baseUrl: string, headers: Record<string, string>) {
  const controller = new AbortController();
  const res = await fetch(`${baseUrl}/api/v1/events`, { headers, signal: controller.signal });
  if (!res.ok || !res.body) throw new Error(`GET /events answered ${res.status}: ${await res.text()}`);
  const events: ServerEvent[] = [];
  const waiters = new Set<() => void>();
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = res.body.getReader();
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (data) events.push({ event, data: JSON.parse(data) });
          for (const w of waiters) w();
        }
      }
    } catch {
      /* aborted */
    }
  })();
  return {
    contentType: res.headers.get('content-type'),
    events,
    /** The first event (already received or coming) that matches, or a failure after `timeoutMs`. */
    async next(matches: (e: ServerEvent) => boolean, timeoutMs = 10_000): Promise<ServerEvent> {
      const found = () => events.find(matches);
      if (found()) return found()!;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(events)}`));
        }, timeoutMs);
        const check = () => {
          const e = found();
          if (e) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(e);
          }
        };
        waiters.add(check);
      });
    },
    close: () => controller.abort(),
  };
}
