import type { FetchFunction } from '@confab/client';

/** Resumes the client SDK made: `GET …/events` with `Last-Event-ID`, and turns re-POSTed with their key. */
export interface ClientCounts {
  /** Requests sent with a `Last-Event-ID`. */
  resumes: number;
  /** Of those, how many resumed from a delta's id `<seq>.<sub>`. */
  deltaResumes: number;
  /** `POST …/turns` sent with an `Idempotency-Key` this fetch had already sent. */
  reopens: number;
}

/**
 * A `fetch` for the client SDK that passes every request on unchanged and adds to `counts` as it
 * goes, so the test can tell the client really resumed rather than got lucky with whole streams.
 * Each returned fetch remembers the keys it sent, so a re-POST counts only against the same fetch.
 */
export function countingFetch(counts: ClientCounts): FetchFunction {
  const postedKeys = new Set<string>();
  return (input, init) => {
    const headers = new Headers(init.headers);
    const lastEventId = headers.get('last-event-id');
    if (lastEventId) {
      counts.resumes += 1;
      if (lastEventId.includes('.')) counts.deltaResumes += 1;
    }
    const key = headers.get('idempotency-key');
    if (init.method === 'POST' && key && new URL(input).pathname.endsWith('/turns')) {
      if (postedKeys.has(key)) counts.reopens += 1;
      postedKeys.add(key);
    }
    return fetch(input, init);
  };
}
