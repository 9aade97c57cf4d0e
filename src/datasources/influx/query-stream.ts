/** One series of an InfluxQL answer (a chunk of it when the answer is chunked). */
export interface RawSeries {
  name: string;
  tags?: Record<string, string>;
  /** `time` first, in epoch milliseconds. */
  columns: string[];
  values: unknown[][];
}

interface Answer {
  error?: string;
  results?: { statement_id: number; error?: string; series?: RawSeries[] }[];
}

export interface QueryTarget {
  url: string;
  token?: string;
  /** The database; on 2.x and 3.x a bucket of that name (its virtual DBRP mapping). */
  db: string;
  fetch: typeof fetch;
}

const CHUNK_ROWS = 10_000;

/**
 * InfluxQL on the v1-compatible `/query` endpoint (1.x, 2.x, 3.x), values bound through `params`. The
 * answer is read chunk by chunk, so a caller that stops early (`visit` returns false) never holds more
 * than one chunk beyond what it kept. Resolves true when the whole answer was read.
 */
export async function selectStream(
  target: QueryTarget,
  q: string,
  params: Record<string, unknown>,
  visit: (statement: number, series: RawSeries) => boolean,
): Promise<boolean> {
  const abort = new AbortController();
  const res = await target.fetch(new URL('/query', target.url), {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(target.token ? { authorization: `Token ${target.token}` } : {}),
    },
    body: new URLSearchParams({
      db: target.db,
      q,
      params: JSON.stringify(params),
      epoch: 'ms',
      chunked: 'true',
      chunk_size: String(CHUNK_ROWS),
    }),
    signal: abort.signal,
  });
  if (!res.ok || !res.body) {
    throw Object.assign(new Error(`InfluxDB answered HTTP ${res.status}: ${await res.text()}`), {
      code: `HTTP_${res.status}`,
    });
  }
  const decoder = new TextDecoder();
  let pending = '';
  const handle = (line: string): boolean => {
    if (line.trim() === '') return true;
    const answer = JSON.parse(line) as Answer;
    if (answer.error) throw new Error(`InfluxQL: ${answer.error}`);
    for (const result of answer.results ?? []) {
      if (result.error) throw new Error(`InfluxQL: ${result.error}`);
      for (const series of result.series ?? []) if (!visit(result.statement_id, series)) return false;
    }
    return true;
  };
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const text = pending + decoder.decode(value, { stream: true });
      let from = 0;
      for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n', from)) {
        const line = text.slice(from, newline);
        from = newline + 1;
        if (!handle(line)) return false;
      }
      pending = text.slice(from);
    }
    return handle(pending + decoder.decode());
  } finally {
    abort.abort();
  }
}
