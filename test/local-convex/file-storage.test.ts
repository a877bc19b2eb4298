/** File storage on the local server, driven by the unmodified clients: upload URL, POST, getUrl, get/store/delete in each ctx. */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { GenericId } from "convex/values";
import { pathToFileURL } from "node:url";
import { MAX_UPLOAD_BYTES } from "../../dev/local-convex/file-store.js";
import { discoverModules } from "../../dev/local-convex/module-loader.js";
import { api } from "../fixtures/local-convex-app/_generated/api.js";
import { fixtureDir, Harness, waitFor } from "./helpers.js";

const h = new Harness();
let storageDir: string;
beforeEach(() => {
  storageDir = mkdtempSync(path.join(os.tmpdir(), "file-storage-test-"));
});
afterEach(async () => {
  await h.closeAll();
  rmSync(storageDir, { recursive: true, force: true });
});

const filesOnDisk = (): string[] => readdirSync(storageDir).sort();

async function upload(uploadUrl: string, body: Uint8Array<ArrayBuffer> | string, contentType?: string): Promise<Response> {
  return await fetch(uploadUrl, { method: "POST", body: new Blob([body]), headers: contentType ? { "Content-Type": contentType } : {} });
}

test("upload through a generated URL, then read the file from its getUrl URL; delete makes the URL 404 and removes the bytes", async () => {
  const server = await h.server({ storageDir });
  const client = h.client(server);
  const http = h.http(server);

  const uploadUrl = await client.mutation(api.files.generateUploadUrl, {});
  expect(uploadUrl).toMatch(new RegExp(`^${server.url}/api/storage/upload\\?token=[0-9a-f]{64}$`));
  const bytes = new Uint8Array([0, 1, 2, 250, 251, 252, 253, 254, 255]);
  const res = await upload(uploadUrl, bytes, "application/octet-stream");
  expect(res.status).toBe(200);
  const { storageId } = (await res.json()) as { storageId: GenericId<"_storage"> };
  expect(filesOnDisk()).toEqual([storageId]);

  const sha256 = Buffer.from(await crypto.subtle.digest("SHA-256", bytes));
  expect(await http.query(api.files.metadata, { storageId })).toEqual({
    doc: { sha256: sha256.toString("base64"), size: bytes.length, contentType: "application/octet-stream" },
    meta: { sha256: sha256.toString("hex"), size: bytes.length, contentType: "application/octet-stream" },
  });

  const fileUrl = await http.query(api.files.url, { storageId });
  expect(fileUrl).toMatch(new RegExp(`^${server.url}/api/storage/[0-9a-f]{64}$`));
  // The URL is a bearer URL: it names a random token, not the id or the content hash.
  expect(fileUrl).not.toContain(storageId);
  const served = await fetch(fileUrl!);
  expect(served.status).toBe(200);
  expect(served.headers.get("content-type")).toBe("application/octet-stream");
  expect(served.headers.get("digest")).toBe(`sha-256=${sha256.toString("base64")}`);
  expect(new Uint8Array(await served.arrayBuffer())).toEqual(bytes);
  expect(await http.query(api.files.url, { storageId })).toBe(fileUrl);

  await client.mutation(api.files.remove, { storageId });
  await waitFor(() => filesOnDisk().length === 0, 5000, "the deleted file's bytes to go");
  expect((await fetch(fileUrl!)).status).toBe(404);
  expect(await http.query(api.files.url, { storageId })).toBeNull();
  expect(await http.query(api.files.metadata, { storageId })).toEqual({ doc: null, meta: null });
});

test("an upload URL works once; a made-up or spent token stores nothing", async () => {
  const server = await h.server({ storageDir });
  const http = h.http(server);
  const uploadUrl = await http.mutation(api.files.generateUploadUrl, {});
  expect((await upload(uploadUrl, "first", "text/plain")).status).toBe(200);
  const again = await upload(uploadUrl, "second", "text/plain");
  expect(again.status).toBe(401);
  expect(await again.json()).toEqual({ code: "InvalidUploadToken", message: expect.any(String) });
  expect((await upload(`${server.url}/api/storage/upload?token=${"0".repeat(64)}`, "forged")).status).toBe(401);
  expect((await fetch(`${server.url}/api/storage/upload`, { method: "POST", body: "x" })).status).toBe(401);
  expect((await fetch(`${server.url}/api/storage/${"a".repeat(64)}`)).status).toBe(404);
  expect((await fetch(await http.mutation(api.files.generateUploadUrl, {}))).status).toBe(405);
  const tooLarge = await upload(await http.mutation(api.files.generateUploadUrl, {}), new Uint8Array(MAX_UPLOAD_BYTES + 1));
  expect(tooLarge.status).toBe(413);
  expect(filesOnDisk()).toHaveLength(1);
});

test("ctx.storage.store and get in a mutation and in an action; a rolled-back store leaves no file, a rolled-back delete keeps it", async () => {
  const server = await h.server({ storageDir });
  const client = h.client(server);

  const fromMutation = await client.mutation(api.files.storeInMutation, { text: "written by a mutation" });
  expect(await client.mutation(api.files.readInMutation, { storageId: fromMutation })).toEqual({ text: "written by a mutation", type: "text/plain" });
  expect(await client.action(api.files.readInAction, { storageId: fromMutation })).toEqual({ text: "written by a mutation", type: "text/plain" });

  const fromAction = await client.action(api.files.storeInAction, { text: "# from an action" });
  expect(await client.mutation(api.files.readInMutation, { storageId: fromAction })).toEqual({ text: "# from an action", type: "text/markdown" });
  expect(filesOnDisk()).toEqual([fromMutation, fromAction].sort());

  await expect(client.mutation(api.files.storeInMutation, { text: "never kept", thenFail: true })).rejects.toThrow(/rolled back after storing/);
  // The next commit settles the rolled-back id.
  await client.mutation(api.files.generateUploadUrl, {});
  await waitFor(() => filesOnDisk().length === 2, 5000, "the rolled-back file to go");
  expect(filesOnDisk()).toEqual([fromMutation, fromAction].sort());

  await expect(client.mutation(api.files.remove, { storageId: fromMutation, thenFail: true })).rejects.toThrow(/rolled back after the delete/);
  await client.mutation(api.files.generateUploadUrl, {});
  expect(await client.mutation(api.files.readInMutation, { storageId: fromMutation })).toEqual({ text: "written by a mutation", type: "text/plain" });

  expect(await client.action(api.files.removeInAction, { storageId: fromAction })).toBeNull();
  await waitFor(() => filesOnDisk().length === 1, 5000, "the file deleted by an action to go");
  expect(await client.action(api.files.readInAction, { storageId: fromAction })).toBeNull();
});

test("another web page may not upload or read files; the server's own site may (CORS)", async () => {
  const server = await h.server({ storageDir });
  const http = h.http(server);
  const uploadUrl = await http.mutation(api.files.generateUploadUrl, {});
  const foreign = await fetch(uploadUrl, { method: "POST", body: "x", headers: { Origin: "https://evil.example" } });
  expect(foreign.status).toBe(403);
  const site = `http://127.0.0.1:${server.sitePort}`;
  const preflight = await fetch(uploadUrl, { method: "OPTIONS", headers: { Origin: site, "Access-Control-Request-Method": "POST" } });
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get("access-control-allow-origin")).toBe(site);
  // The refused request did not spend the token.
  const own = await fetch(uploadUrl, { method: "POST", body: "from the web app", headers: { Origin: site, "Content-Type": "image/png" } });
  expect(own.status).toBe(200);
  expect(own.headers.get("access-control-allow-origin")).toBe(site);
  const { storageId } = (await own.json()) as { storageId: GenericId<"_storage"> };
  const fileUrl = (await http.query(api.files.url, { storageId }))!;
  expect((await fetch(fileUrl, { headers: { Origin: "https://evil.example" } })).status).toBe(403);
  const read = await fetch(fileUrl, { headers: { Origin: site } });
  expect(read.headers.get("content-type")).toBe("image/png");
  expect(await read.text()).toBe("from the web app");
});

test("without storageDir the files live in a temp dir that stop() deletes", async () => {
  const before = new Set(readdirSync(os.tmpdir()).filter((name) => name.startsWith("local-convex-files-")));
  const server = await h.server();
  const made = readdirSync(os.tmpdir()).filter((name) => name.startsWith("local-convex-files-") && !before.has(name));
  expect(made).toHaveLength(1);
  const http = h.http(server);
  expect((await upload(await http.mutation(api.files.generateUploadUrl, {}), "temp")).status).toBe(200);
  expect(readdirSync(path.join(os.tmpdir(), made[0]!))).toHaveLength(1);
  await h.closeAll();
  expect(readdirSync(os.tmpdir())).not.toContain(made[0]);
});

test("ctx.storage in HTTP actions: store a request body, serve it back, delete it", async () => {
  const httpModule = pathToFileURL(path.resolve(fixtureDir, "../local-convex-storage-http/http.ts")).href;
  const server = await h.server({ storageDir, modules: { ...discoverModules(fixtureDir), "./http.ts": () => import(httpModule) } });
  const stored = await fetch(`${server.siteUrl}/store`, { method: "POST", body: new Blob(["from an HTTP action"], { type: "text/csv" }) });
  expect(stored.status).toBe(200);
  const storageId = (await stored.text()) as GenericId<"_storage">;
  expect(filesOnDisk()).toEqual([storageId]);
  const read = await fetch(`${server.siteUrl}/get?id=${storageId}`);
  expect(read.headers.get("content-type")).toBe("text/csv");
  expect(await read.text()).toBe("from an HTTP action");
  expect(await h.http(server).query(api.files.metadata, { storageId })).toMatchObject({ doc: { contentType: "text/csv" } });
  expect(await (await fetch(`${server.siteUrl}/delete?id=${storageId}`, { method: "POST" })).text()).toBe("null");
  await waitFor(() => filesOnDisk().length === 0, 5000, "the file deleted by an HTTP action to go");
  expect((await fetch(`${server.siteUrl}/get?id=${storageId}`)).status).toBe(404);
});
