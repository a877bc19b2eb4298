/** The original design, as the baseline: poll Convex over HTTP every 2 s, chat.send each message, mark it delivered; push only finals. */
// It opens and seals rows as the relay does (end-to-end encryption), so the app sees its replies and the
// only difference measured is polling instead of a subscription.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { chatMessageText } from "../src/gateway/chat-update.js";
import { statePaths } from "../src/config/paths.js";
import { openGatewayConnection, type GatewayConnection } from "../src/gateway/index.js";
import { silentLogger } from "../src/logging/logger.js";
import { sealWrite } from "../src/bridge/seal-writes.js";
import { sessionIdFor } from "../src/e2e/content-key.js";
import { open } from "../src/e2e/envelope.js";
import { KeyRing } from "../src/e2e/key-ring.js";
import { appRow, sessionContext } from "../src/e2e/row-contexts.js";

interface Pending {
  messageId: string;
  sessionKey: string;
  text: string;
  runId: string;
}

/** A queued row as Convex holds it: the session id and sealed copies of its key and text. */
interface SealedPending extends Pending {
  sessionKeyEnc?: string;
  clientMessageId: string;
}

export const BASELINE_PERIOD_MS = 2_000;

export class BaselinePoller {
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  /** Failed passes (each is retried at the next tick, which can resend: the Gateway dedupes by key). */
  readonly errors: string[] = [];
  private readonly stopChat: () => void;

  private constructor(
    private readonly http: ConvexHttpClient,
    private readonly secret: string,
    readonly connection: GatewayConnection,
    private readonly cleanup: () => Promise<void>,
    private readonly keys: KeyRing,
  ) {
    // The original pushed no streaming text: the app saw a reply only once it was complete.
    this.stopChat = connection.on("chat", (event) => {
      if (event.state !== "final") return;
      const text = chatMessageText(event.message) ?? "";
      if (text.length === 0) return;
      const key = this.keys.current;
      const scope = { key, sessionId: (sessionKey: string) => sessionIdFor(key, sessionKey), appMessage: () => undefined };
      void sealWrite("relay:upsertStream", { sessionKey: event.sessionKey, runId: event.runId, text, state: "final" }, scope)
        .then((sealed) => this.http.mutation(makeFunctionReference<"mutation">("relay:upsertStream"), { ...sealed, relaySecret: this.secret }))
        .catch(() => undefined);
    });
  }

  /** Connects to the Gateway (or peer) at `gatewayUrl` with the relay's own client, then polls until stopped. */
  static async start(convexUrl: string, secret: string, contentKey: string, gatewayUrl: string, gatewayToken: string): Promise<BaselinePoller> {
    const dir = await mkdtemp(path.join(os.tmpdir(), "fastclaw-bench-baseline-"));
    const env = { HOME: path.join(dir, "home"), FASTCLAW_STATE_DIR: path.join(dir, "state") };
    const { connection } = await openGatewayConnection({
      env,
      paths: statePaths(env),
      logger: silentLogger(),
      explicit: { url: gatewayUrl, token: gatewayToken },
    });
    connection.start();
    await connection.waitUntilConnected(60_000);
    const keys = await KeyRing.fromStored(contentKey);
    const poller = new BaselinePoller(new ConvexHttpClient(convexUrl), secret, connection, () => rm(dir, { recursive: true, force: true }), keys);
    poller.timer = setInterval(() => void poller.poll(), BASELINE_PERIOD_MS);
    return poller;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.stopChat();
    await this.connection.stop();
    await this.cleanup();
  }

  private async deliver(messages: Pending[]): Promise<void> {
    for (const message of messages) {
      await this.connection.chatSend({ sessionKey: message.sessionKey, message: message.text, idempotencyKey: message.runId });
      await this.http.mutation(makeFunctionReference<"mutation">("relay:markDelivered"), {
        relaySecret: this.secret,
        messageId: message.messageId,
        runId: message.runId,
      });
    }
  }

  /** The row with its session key and text opened, or undefined (and an error) when it does not open. */
  private async opened(row: SealedPending): Promise<Pending | undefined> {
    const key = row.sessionKeyEnc === undefined ? undefined : await open(this.keys, [sessionContext(row.sessionKey, "sessionKey")], row.sessionKeyEnc);
    const text = await open(this.keys, [{ sessionId: row.sessionKey, field: "text", row: appRow(row.clientMessageId) }], row.text);
    if (!key?.ok || !text.ok) {
      this.errors.push(`could not open queued message ${row.messageId}`);
      return undefined;
    }
    return { messageId: row.messageId, sessionKey: key.text, text: text.text, runId: row.runId };
  }

  private async poll(): Promise<void> {
    if (this.polling) return; // a slow pass delays the next tick, as a setInterval loop with await would
    this.polling = true;
    try {
      const sealed = (await this.http.query(makeFunctionReference<"query", Record<string, unknown>, SealedPending[]>("relay:pendingMessages"), {
        relaySecret: this.secret,
        limit: 500,
      })) as SealedPending[];
      const pending = (await Promise.all(sealed.map((row) => this.opened(row)))).filter((row): row is Pending => row !== undefined);
      // Delivery within a pass works like the relay's outbox (in order per session, sessions side by
      // side), so the only difference measured is polling instead of a subscription.
      const bySession = new Map<string, Pending[]>();
      for (const message of pending) bySession.set(message.sessionKey, [...(bySession.get(message.sessionKey) ?? []), message]);
      // allSettled: a failure in one session must not end the pass while others are still delivering.
      const outcomes = await Promise.allSettled([...bySession.values()].map((messages) => this.deliver(messages)));
      for (const outcome of outcomes) if (outcome.status === "rejected") this.errors.push(String(outcome.reason));
    } catch (error) {
      // A failed pass is simply retried at the next tick, as the original did.
      this.errors.push(error instanceof Error ? error.message : String(error));
    } finally {
      this.polling = false;
    }
  }
}
