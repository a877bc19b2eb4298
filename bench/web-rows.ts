/** The web phase's rows and note in the bench table. */
import { pct, verdict, type Row } from "./report.js";
import { BASELINE_PAGE_ROWS, type WebResult } from "./web.js";

export interface WebTargets {
  webJsGzipKB: number;
  webFirstRenderMs: number;
  webStreamP99Ms: number;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const received = (r: WebResult["perReply"]["page"]) => `${r.updates.toFixed(1)} results, ${r.rows.toFixed(1)} rows, ${kb(r.bytes)}`;

export function webRows(w: WebResult, targets: WebTargets): Row[] {
  const { page, baseline } = w.perReply;
  return [
    {
      id: "7",
      measure: "Web app: JavaScript transferred, gzipped (all of it, preact + convex/browser + app)",
      ours: `${kb(w.jsGzipBytes)} (${kb(w.jsBytes)} raw)`,
      baseline: "—",
      ratio: "—",
      target: `≤ ${targets.webJsGzipKB} KB`,
      result: verdict(w.jsGzipBytes <= targets.webJsGzipKB * 1024),
    },
    {
      id: "7",
      measure: `Web app: first render on loopback, cold visit, p50 / max (n = ${w.firstRender.n})`,
      ours: `${Math.round(w.firstRender.p50)} / ${Math.round(w.firstRender.max)} ms`,
      baseline: "—",
      ratio: "—",
      target: `≤ ${targets.webFirstRenderMs} ms`,
      result: verdict(w.firstRender.max <= targets.webFirstRenderMs),
    },
    {
      id: "7",
      measure: `Web app: stream write in Convex → text on screen, p50 / p95 / p99 (n = ${w.streamToScreen.n}${w.missing ? `, missing ${w.missing}` : ""})`,
      ours: pct(w.streamToScreen),
      baseline: "—",
      ratio: "—",
      target: `p99 ≤ ${targets.webStreamP99Ms} ms`,
      result: verdict(w.streamToScreen.p99 <= targets.webStreamP99Ms && w.missing === 0),
    },
    {
      id: "7",
      measure: `Web app: query results the page receives per streamed reply (${w.plan.writesPerReply} writes, ${w.plan.historyRows} rows of history)`,
      ours: received(page),
      baseline: received(baseline),
      ratio: baseline.rows > 0 ? `rows ${(page.rows / baseline.rows).toPrecision(2)}, bytes ${(page.bytes / Math.max(1, baseline.bytes)).toPrecision(2)}` : "n/a",
      target: "history page not re-read per write",
      result: verdict(page.rows < baseline.rows),
    },
  ];
}

export function webNote(w: WebResult): string {
  return (
    `7: the embedded web app (convex/lib/web-assets.generated.ts) served by the local Convex server's site port to headless Chromium (375×812). ` +
    `First render: navigation start → the app's first element in #app, a fresh incognito context each time (no cache, no service worker). ` +
    `Stream: the bench writes \`relay:upsertStream\` ${w.plan.writesPerReply} times per reply, ${w.plan.writeIntervalMs} ms apart, each adding a marker; a MutationObserver in the page timestamps each marker's appearance (same host clock); the time includes the mutation's round trip. ` +
    `Received: every query result pushed over the page's Convex WebSocket during a reply (seen through CDP: presence, chats list, the chat's small "tail" subscription and its history page), ` +
    `against a client subscribed to one page of the ${BASELINE_PAGE_ROWS} newest rows (\`app:listMessages\`, as a single paginated subscription has it). ` +
    `Rows delivered stand for rows read: these queries read an index range and return every row they read. Hosted Convex re-runs a query only when a write touches its read range; the local server re-runs every subscription after every write and sends only changed results, so it shows the transfer, not the re-execution.`
  );
}
