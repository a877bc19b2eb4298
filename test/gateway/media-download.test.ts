/** Unit: artifact downloads — the answer shapes of artifacts.download (captured) and the GET of its link, against a real loopback HTTP server. */
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { downloadArtifact, gatewayHttpOrigin, MediaDownloadError } from "../../src/gateway/media-download.js";
import { gatewayFailureOf } from "../../src/gateway/gateway-errors.js";
import { testPng } from "../support/test-png.js";

const captured = JSON.parse(readFileSync(new URL("../fixtures/gateway-media-payloads.json", import.meta.url), "utf8")) as {
  artifactsDownload: { artifact: Record<string, unknown>; url: string; expiresAt: string };
};
const IMAGE = testPng(8, 8, 3);

let server: http.Server;
let port: number;
const hits: string[] = [];
/** Status per path; the image is served at the captured link's path. */
const routes = new Map<string, { status: number; body?: Buffer; headers?: Record<string, string> }>();

beforeAll(async () => {
  server = http.createServer((req, res) => {
    hits.push(req.url ?? "");
    const route = routes.get((req.url ?? "").split("?")[0]!);
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(route.status, { "content-type": "image/png", ...route.headers });
    res.end(route.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  hits.length = 0;
  routes.clear();
});

const linkPath = () => captured.artifactsDownload.url.split("?")[0]!;
const answer = (over: Record<string, unknown> = {}) => ({ ...captured.artifactsDownload, artifact: { ...captured.artifactsDownload.artifact, ...over } });
const deps = (payload: unknown, extra: Record<string, unknown> = {}) => {
  const requests: Array<{ method: string; params: unknown }> = [];
  return {
    requests,
    deps: {
      request: async (method: string, params: unknown) => {
        requests.push({ method, params });
        return payload;
      },
      gatewayUrl: `ws://127.0.0.1:${port}`,
      ...extra,
    },
  };
};
const artifact = { sessionKey: "agent:main:explore11", artifactId: "artifact_managed_image_73066051-c6a7-40c7-b5ef-4fe54c11d9e0" };

test("the Gateway's HTTP origin for ws:// and wss:// URLs", () => {
  expect(gatewayHttpOrigin("ws://127.0.0.1:18789")).toBe("http://127.0.0.1:18789");
  expect(gatewayHttpOrigin("wss://gw.example.com/path")).toBe("https://gw.example.com");
});

test("managed media: artifacts.download's link (as captured) is fetched from the Gateway's origin, byte for byte", async () => {
  routes.set(linkPath(), { status: 200, body: IMAGE });
  const { requests, deps: d } = deps(answer());
  const media = await downloadArtifact(artifact, d);
  expect(requests).toEqual([{ method: "artifacts.download", params: artifact }]);
  expect(hits).toEqual([captured.artifactsDownload.url]);
  expect(Buffer.from(media.bytes).equals(IMAGE)).toBe(true);
  expect(media).toMatchObject({ artifactId: artifact.artifactId, kind: "image", mimeType: "image/png", fileName: "out.png" });
});

test("inline artifacts come base64 in the answer; no HTTP request", async () => {
  const { deps: d } = deps({ artifact: { type: "document", mimeType: "text/plain", title: "a.txt", sizeBytes: 5 }, encoding: "base64", data: Buffer.from("hello").toString("base64") });
  const media = await downloadArtifact(artifact, d);
  expect(Buffer.from(media.bytes).toString()).toBe("hello");
  expect(media).toMatchObject({ kind: "document", mimeType: "text/plain", fileName: "a.txt" });
  expect(hits).toEqual([]);
});

test("too large: refused from the announced size before fetching, and while reading when the size was not announced", async () => {
  routes.set(linkPath(), { status: 200, body: IMAGE });
  const announced = await downloadArtifact(artifact, { ...deps(answer()).deps, maxBytes: 100 }).catch((e: unknown) => e);
  expect(gatewayFailureOf(announced)).toMatchObject({ kind: "rejected", code: "MEDIA_TOO_LARGE" });
  expect(hits).toEqual([]);
  const unannounced = await downloadArtifact(artifact, { ...deps(answer({ sizeBytes: undefined })).deps, maxBytes: 100 }).catch((e: unknown) => e);
  expect(unannounced).toBeInstanceOf(MediaDownloadError);
  expect(gatewayFailureOf(unannounced)).toMatchObject({ kind: "rejected", code: "MEDIA_TOO_LARGE" });
});

test("an expired link is transient (ask again), a missing file and a link to another host are final, a 5xx is transient", async () => {
  routes.set(linkPath(), { status: 401 });
  expect(gatewayFailureOf(await downloadArtifact(artifact, deps(answer()).deps).catch((e: unknown) => e))).toMatchObject({ kind: "transient", code: "MEDIA_LINK_EXPIRED" });
  routes.set(linkPath(), { status: 500 });
  expect(gatewayFailureOf(await downloadArtifact(artifact, deps(answer()).deps).catch((e: unknown) => e))).toMatchObject({ kind: "transient", code: "MEDIA_FETCH_FAILED" });
  routes.delete(linkPath());
  expect(gatewayFailureOf(await downloadArtifact(artifact, deps(answer()).deps).catch((e: unknown) => e))).toMatchObject({ kind: "rejected", code: "MEDIA_UNAVAILABLE" });
  hits.length = 0;
  const elsewhere = await downloadArtifact(artifact, deps({ ...answer(), url: "http://198.51.100.7/steal" }).deps).catch((e: unknown) => e);
  expect(gatewayFailureOf(elsewhere)).toMatchObject({ kind: "rejected", code: "MEDIA_UNAVAILABLE" });
  expect(hits).toEqual([]);
});

test("a short body (size differs from the announced one) and an answer without bytes or link are failures", async () => {
  routes.set(linkPath(), { status: 200, body: IMAGE.subarray(0, 100) });
  expect(gatewayFailureOf(await downloadArtifact(artifact, deps(answer()).deps).catch((e: unknown) => e))).toMatchObject({ code: "MEDIA_FETCH_FAILED" });
  const none = await downloadArtifact(artifact, deps({ artifact: { type: "image", download: { mode: "unsupported" } } }).deps).catch((e: unknown) => e);
  expect(gatewayFailureOf(none)).toMatchObject({ kind: "rejected", code: "MEDIA_UNAVAILABLE" });
  expect((none as Error).message).toContain("mode unsupported");
  expect(gatewayFailureOf(await downloadArtifact(artifact, deps("junk").deps).catch((e: unknown) => e))).toMatchObject({ code: "GATEWAY_PROTOCOL_ERROR" });
});

test("a Gateway with a pinned certificate: links are not fetched (the platform fetch can't pin)", async () => {
  routes.set(linkPath(), { status: 200, body: IMAGE });
  const pinned = await downloadArtifact(artifact, deps(answer(), { tlsFingerprint: "AB:CD" }).deps).catch((e: unknown) => e);
  expect(gatewayFailureOf(pinned)).toMatchObject({ kind: "rejected", code: "MEDIA_UNAVAILABLE" });
  expect(hits).toEqual([]);
});
