import { type UploadAttempt, type ViewSample } from './outage-load.js';
import { type SourcesWatch } from './outage-sources.js';
import { type Outage } from './outage-view.js';

/** How one outage went, for docs/RELIABILITY.md. */
export interface Figures {
  title: string;
  stoppedForMs: number;
  restartMs: number;
  viewsDuring: number;
  errorsDuring: string;
  uploadsDuring: string;
  sourcesDownAfterMs: number;
  sourcesUpAfterMs: number;
  wholeAgainAfterMs: number;
  errorsAfterRestart: string;
}

/** Counts of each distinct value: "SOURCE_UNAVAILABLE graph × 12". */
export function counts(values: string[]): string {
  const seen = new Map<string, number>();
  for (const v of values) seen.set(v, (seen.get(v) ?? 0) + 1);
  return [...seen].map(([v, n]) => `${v} × ${n}`).join(', ') || 'none';
}

const errorsOf = (views: ViewSample[]) =>
  counts(views.flatMap((v) => v.errors.map((e) => `${e.code} ${e.source} (${e.cause})`)));

/** The figures of a finished outage, from what the load and the `sources` subscription saw. */
export function figuresOf(
  title: string,
  o: Outage,
  views: readonly ViewSample[],
  uploads: readonly UploadAttempt[],
  watch: SourcesWatch,
): Figures {
  const during = views.filter((v) => v.startedAt >= o.stopped && v.endedAt <= o.startBegan);
  const tried = uploads.filter((u) => u.startedAt >= o.stopped && u.endedAt <= o.startBegan);
  const failed = tried.filter((u) => u.objectId === null);
  const failures = failed.length
    ? ` (${counts(failed.map((u) => `${u.error?.code} ${u.error?.source}`))})`
    : '';
  return {
    title,
    stoppedForMs: o.startBegan - o.stopBegan,
    restartMs: o.started - o.startBegan,
    viewsDuring: during.length,
    errorsDuring: errorsOf(during),
    uploadsDuring: `${tried.length - failed.length} completed, ${failed.length} failed${failures}`,
    sourcesDownAfterMs: watch.seen(o.store, 'DOWN', o.stopBegan)! - o.stopBegan,
    // The watch may see it up a moment before start() noticed (it polls the server every 250 ms).
    sourcesUpAfterMs: Math.max(0, watch.seen(o.store, 'UP', o.stopped)! - o.started),
    wholeAgainAfterMs: o.recovered! - o.started,
    errorsAfterRestart: errorsOf(views.filter((v) => v.startedAt >= o.started && v.endedAt < o.recovered!)),
  };
}

/** The figures as a Markdown table, line by line. */
export function report(figures: readonly Figures[]): string[] {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return [
    '| Store | Stopped for | Restart took | Views while down | Errors while down | Uploads while down | `sources` DOWN after | `sources` UP after restart | Whole view after restart | Errors between restart and whole view |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...figures.map(
      (f) =>
        `| ${f.title} | ${s(f.stoppedForMs)} | ${s(f.restartMs)} | ${f.viewsDuring} | ${f.errorsDuring} | ${f.uploadsDuring} | ${s(f.sourcesDownAfterMs)} | ${s(f.sourcesUpAfterMs)} | ${s(f.wholeAgainAfterMs)} | ${f.errorsAfterRestart} |`,
    ),
  ];
}
