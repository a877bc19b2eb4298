/** Temporary: where does a slow first-text sample spend its time? */
import http from "node:http";
import type { AddressInfo } from "node:net";
import WebSocket, { WebSocketServer } from "ws";
import { createLocalGateway } from "../src/devkit/local-gateway.js";
import { startStubModelServer } from "../src/devkit/stub-model-server.js";
import { GatewayProxy } from "./gateway-proxy.js";
import { startRelay } from "./relay-process.js";
import { startWorld, type World } from "./world.js";
import { measureGatewayToApp } from "./gateway-to-app.js";

const timeline: Array<[number, string]> = [];
function convexProxy(target: string): Promise<string> {
  const wss = new WebSocketServer({ noServer: true });
  const server = http.createServer((_, res) => res.end());
  server.on("upgrade", (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (client) => {
      const up = new WebSocket(target.replace("http", "ws") + req.url);
      const early: WebSocket.RawData[] = [];
      up.on("open", () => early.splice(0).forEach((d) => up.send(d.toString())));
      client.on("message", (d) => {
        const t = d.toString();
        const m = /"type":"(\w+)"(?:,"requestId":(\d+))?(?:,"udfPath":"([^"]+)")?/.exec(t);
        if (m && m[1] !== "Event") timeline.push([Date.now(), `relay→convex ${m[1]} ${m[2] ?? ""} ${m[3] ?? ""} ${t.length}B`]);
        if (up.readyState === WebSocket.OPEN) up.send(t); else early.push(d);
      });
      up.on("message", (d) => {
        const t = d.toString();
        const m = /"type":"(\w+)"(?:,"requestId":(\d+))?/.exec(t);
        if (m && m[1] !== "Ping") timeline.push([Date.now(), `convex→relay ${m[1]} ${m[2] ?? ""} ${t.length}B`]);
        if (client.readyState === WebSocket.OPEN) client.send(t);
      });
      client.on("close", () => up.close());
      up.on("close", () => client.close());
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

const stub = await startStubModelServer();
const gw = await createLocalGateway({ modelBaseUrl: stub.baseUrl, modelId: stub.modelId });
await gw.start();
const world = await startWorld("o");
const proxy = await GatewayProxy.start(gw.url);
const cUrl = await convexProxy(world.convex.url);
const relayWorld: World = { ...world, convex: { ...world.convex, url: cUrl } };
const relay = await startRelay(relayWorld, { gatewayUrl: proxy.url, gatewayToken: gw.token });
// Gateway→relay frames, coarse.
const origInspect = (proxy as unknown as { inspectEvent: (d: unknown) => void }).inspectEvent.bind(proxy);
(proxy as unknown as { inspectEvent: (d: unknown) => void }).inspectEvent = (d: unknown) => {
  const t = String(d);
  const m = /"event":"([\w.]+)"/.exec(t) ?? /"type":"(res)"/.exec(t);
  const st = /"state":"(\w+)"/.exec(t);
  if (m && m[1] !== "tick" && m[1] !== "health" && m[1] !== "presence") timeline.push([Date.now(), `gateway→relay ${m[1]} ${st?.[1] ?? ""} ${t.length}B`]);
  origInspect(d);
};
try {
  await relay.waitReady();
  for (let round = 0; round < 2; round++) {
    const t0 = Date.now();
    const r = await measureGatewayToApp(world, proxy, { label: `o${round}`, count: 20, replyTimeoutMs: 30000 });
    console.log(((Date.now() - t0) / 1000).toFixed(1), "s", JSON.stringify(r.samples));
    const slow = r.samples.findIndex(([f]) => f > 60);
    if (slow >= 0) {
      const runs = [...proxy.chats.entries()].filter(([, c]) => c.firstDelta && c.firstDelta >= t0);
      const [runId, c] = runs[slow]!;
      console.log("slow sample", slow, runId, c);
      for (const [at, what] of timeline) if (at >= c.firstDelta! - 800 && at <= c.firstDelta! + 300) console.log(at - c.firstDelta!, what);
    }
  }
} finally {
  await relay.stop(); await proxy.close(); await world.stop(); await gw.stop(5000); await stub.close();
  const { rm } = await import("node:fs/promises"); await rm(gw.stateDir, { recursive: true, force: true });
}
