/** The relay's file paths as run-relay builds them, against the local Convex server: an app's file reaches chat.send, agent media reaches the app. */
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ConvexClient } from "convex/browser";
import { getFunctionName } from "convex/server";
import { api } from "../../convex/_generated/api.js";
import { provideLocalRegistrationKey } from "../../dev/local-convex/registration-key.js";
import { AppClient } from "../../src/app-client/app-client.js";
import type { StoredFile } from "../../src/app-client/client-files.js";
import type { ConvexSide } from "../../src/bridge/ports.js";
import { relayFiles, type RelayCalls, type RelayFilesPorts } from "../../src/bridge/relay-files.js";
import { SealedConvex } from "../../src/bridge/sealed-convex.js";
import type { RelayArgs, RelayMutation, RelayQuery } from "../../src/convex-sync/relay-api.js";
import { KeyRing } from "../../src/e2e/key-ring.js";
import type { DownloadedMedia } from "../../src/gateway/media-download.js";
import { silentLogger } from "../../src/logging/logger.js";
import { TEST_CONTENT_KEY } from "../convex/sealed.js";
import { Harness, pairedDevice, waitFor } from "../local-convex/helpers.js";
import { testPng } from "../support/test-png.js";

const projectConvexDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../convex");
const SESSION = "agent:main:main";
const h = new Harness();
beforeAll(() => provideLocalRegistrationKey());
afterEach(() => h.closeAll());

/** What ConvexLink does with every relay call: the instance secret is added, and here each call is also recorded by name. */
function relayCalls(client: ConvexClient, relaySecret: string, called: string[]): RelayCalls {
  return {
    query: <Q extends RelayQuery>(fn: Q, args: RelayArgs<Q>) => {
      called.push(getFunctionName(fn));
      return client.query(fn, { ...args, relaySecret });
    },
    mutate: <F extends RelayMutation>(fn: F, args: RelayArgs<F>) => {
      called.push(getFunctionName(fn));
      return client.mutation(fn, { ...args, relaySecret });
    },
  };
}

/** The bridge's Convex side over unmodified clients, for SealedConvex to seal writes and open the queue with. */
function convexSide(client: ConvexClient, relaySecret: string): ConvexSide {
  return {
    write: async (fn, args) => {
      await client.mutation(fn, { ...args, relaySecret });
    },
    subscribe: (query, args, onUpdate, onError) => client.onUpdate(query, { ...args, relaySecret }, onUpdate, onError),
  };
}

async function setup() {
  const server = await h.server({ functionsDir: projectConvexDir });
  const http = h.http(server);
  const { relaySecret, deviceToken } = await pairedDevice(http);
  const keys = await KeyRing.fromStored(TEST_CONTENT_KEY);
  const app = new AppClient(server.url, deviceToken, keys, h.client(server));
  const relay = h.client(server);
  const sealed = new SealedConvex(convexSide(relay, relaySecret), keys, silentLogger());
  const called: string[] = [];
  const downloads: string[] = [];
  const chart = new Uint8Array(testPng(20, 10, 3));
  // The Gateway's side: the real one runs in the attachments e2e test.
  const gateway: RelayFilesPorts["gateway"] = {
    downloadMedia: async ({ artifactId }): Promise<DownloadedMedia> => {
      downloads.push(artifactId);
      return { artifactId, kind: "image", mimeType: "image/png", fileName: "chart.png", bytes: chart };
    },
    chatMessageGet: () => Promise.reject(new Error("the row is not read again in this test")),
  };
  const files = relayFiles({ convex: relayCalls(relay, relaySecret, called), sealing: sealed, gateway, fetch: (url, init) => fetch(url, init), logger: silentLogger() });
  return { http, relaySecret, app, sealed, files, called, downloads, chart };
}

test("an app message's file reaches chat.send opened: listed for this instance, downloaded from Convex storage, opened with its session's key", async () => {
  const { app, sealed, files } = await setup();
  const image = new Uint8Array(testPng(40, 30, 7));
  const attachment = await app.attachFile(SESSION, { name: "cat.png", type: "image/png", bytes: image });
  const { messageId } = await app.send(SESSION, "look", undefined, [attachment]);
  // The relay opens the files of a message it has taken from its queue (that is where it learns the message's session).
  await new Promise<void>((resolve, reject) => {
    const stop = sealed.subscribe(
      api.relay.pendingMessages,
      {},
      (rows) => {
        if (!rows.some((row) => row.messageId === messageId)) return;
        stop();
        resolve();
      },
      reject,
    );
  });
  expect(await files.attachments.load(messageId)).toEqual({ ok: true, files: [{ bytes: image, mimeType: "image/png", fileName: "cat.png" }] });
});

test("agent media is sealed, uploaded and attached to its Gateway row once, and the app opens it; the row seen again stores nothing twice", async () => {
  const { http, relaySecret, app, sealed, files, called, downloads, chart } = await setup();
  const row = { gatewayMessageId: "gw-1", role: "assistant" as const, text: "here is the chart", timestamp: Date.now() };
  await sealed.write(api.relay.ingestTranscript, { sessionKey: SESSION, messages: [row] });
  const media = [{ source: "artifact" as const, artifactId: "art-1", kind: "image" as const, mimeType: "image/png", fileName: "chart.png", sizeBytes: chart.length }];

  files.media.rows(SESSION, [{ ...row, media }]);
  await waitFor(() => !files.media.busy, 30_000, "the media mirror");
  const rowId = await http.query(api.files.gatewayMessage, { relaySecret, gatewayMessageId: "gw-1" });
  expect(rowId).not.toBeNull();
  const listed = await app.messageFiles([rowId!]);
  const [file] = listed[0]!.files as [StoredFile];
  expect(file).toMatchObject({ type: "image/png", source: "gateway" });
  expect(await app.openAttachment(SESSION, file)).toMatchObject({ type: "image/png", name: "chart.png", bytes: chart });

  called.length = 0;
  files.media.rows(SESSION, [{ ...row, media }]);
  await waitFor(() => !files.media.busy, 30_000, "the media mirror");
  expect(downloads).toEqual(["art-1"]);
  // Only the ids are read: no file URLs made for a check.
  expect(called).toEqual(["files:gatewayMessage", "files:attachmentIds"]);
  expect((await app.messageFiles([rowId!]))[0]!.files).toHaveLength(1);
});
