/** What the FastClaw phone app does, as a Node client: claim a pairing, send, watch replies stream. */
import { randomBytes, randomUUID } from "node:crypto";
import { ConvexClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import type { AppAgentState, AppCronAction, AppCronJob, AppCronRequest } from "./agent-types.js";

export interface AppMessage {
  messageId: string;
  sessionKey: string;
  role: "user" | "assistant" | "system" | "tool";
  text: string;
  source: "app" | "gateway";
  status: string;
  createdAt: number;
  updatedAt: number;
  error?: string;
  clientMessageId?: string;
  gatewayMessageId?: string;
  runId?: string;
  /** The Gateway cut this text and would not give the whole of it. */
  gatewayTruncated?: boolean;
  /** Position in the session (listMessages sorts by it). */
  order?: number;
}

export interface AppSession {
  sessionKey: string;
  title?: string;
  updatedAt: number;
  lastMessagePreview?: string;
  hasActiveRun?: boolean;
}

export interface AppStatus {
  instanceName: string;
  relay: { online: boolean; lastSeenAt?: number; version?: string };
  gateway: { connected: boolean; version?: string; error?: string };
  device: { name: string; platform: string };
}

interface Page<T> {
  page: T[];
  isDone: boolean;
  continueCursor: string;
}

const query = <Args extends Record<string, unknown>, R>(name: string) => makeFunctionReference<"query", Args, R>(name);
const mutation = <Args extends Record<string, unknown>, R>(name: string) => makeFunctionReference<"mutation", Args, R>(name);
const action = <Args extends Record<string, unknown>, R>(name: string) => makeFunctionReference<"action", Args, R>(name);

/** A device token as the app makes it: 32 random bytes, base64url; Convex only ever sees its hash. */
export function newDeviceToken(): string {
  return randomBytes(32).toString("base64url");
}

export class AppClient {
  readonly client: ConvexClient;

  constructor(
    readonly convexUrl: string,
    private readonly deviceToken: string,
    client?: ConvexClient,
  ) {
    this.client = client ?? new ConvexClient(convexUrl, { unsavedChangesWarning: false });
  }

  /** Claims a pairing token (from the QR code) and returns a client for the new device. */
  static async claim(
    convexUrl: string,
    params: { pairingToken: string; deviceName: string; platform: string; deviceToken?: string },
  ): Promise<{ app: AppClient; instanceName: string; deviceToken: string }> {
    const deviceToken = params.deviceToken ?? newDeviceToken();
    const client = new ConvexClient(convexUrl, { unsavedChangesWarning: false });
    try {
      const result = await client.action(
        action<Record<string, unknown>, { instanceName: string }>("pairing:claim"),
        { pairingToken: params.pairingToken, deviceToken, deviceName: params.deviceName, platform: params.platform },
      );
      return { app: new AppClient(convexUrl, deviceToken, client), instanceName: result.instanceName, deviceToken };
    } catch (error) {
      await client.close();
      throw error;
    }
  }

  send(sessionKey: string, text: string, clientMessageId: string = randomUUID()): Promise<{ messageId: string }> {
    return this.client.mutation(mutation<Record<string, unknown>, { messageId: string }>("app:send"), {
      deviceToken: this.deviceToken,
      sessionKey,
      clientMessageId,
      text,
    });
  }

  requestAbort(messageId: string): Promise<unknown> {
    return this.client.mutation(mutation<Record<string, unknown>, unknown>("app:requestAbort"), {
      deviceToken: this.deviceToken,
      messageId,
    });
  }

  status(): Promise<AppStatus> {
    return this.client.query(query<Record<string, unknown>, AppStatus>("app:status"), { deviceToken: this.deviceToken });
  }

  async listSessions(numItems = 50): Promise<AppSession[]> {
    const result = await this.client.query(query<Record<string, unknown>, Page<AppSession>>("app:listSessions"), {
      deviceToken: this.deviceToken,
      paginationOpts: { numItems, cursor: null },
    });
    return result.page;
  }

  /** The newest messages of a session, newest first. */
  async listMessages(sessionKey: string, numItems = 100): Promise<AppMessage[]> {
    const result = await this.client.query(query<Record<string, unknown>, Page<AppMessage>>("app:listMessages"), {
      deviceToken: this.deviceToken,
      sessionKey,
      paginationOpts: { numItems, cursor: null },
    });
    return result.page;
  }

  /** Every message of a session, oldest first, following the pages to the end. */
  async allMessages(sessionKey: string): Promise<AppMessage[]> {
    const rows: AppMessage[] = [];
    let cursor: string | null = null;
    for (;;) {
      const result: Page<AppMessage> = await this.client.query(query<Record<string, unknown>, Page<AppMessage>>("app:listMessages"), {
        deviceToken: this.deviceToken,
        sessionKey,
        paginationOpts: { numItems: 100, cursor },
      });
      rows.push(...result.page);
      if (result.isDone) break;
      cursor = result.continueCursor;
    }
    return rows.reverse();
  }

  /** Live view of a session's newest messages (newest first), as the app's chat screen shows it. */
  watchMessages(sessionKey: string, onUpdate: (messages: AppMessage[]) => void, numItems = 100): () => void {
    const unsubscribe = this.client.onUpdate(
      query<Record<string, unknown>, Page<AppMessage>>("app:listMessages"),
      { deviceToken: this.deviceToken, sessionKey, paginationOpts: { numItems, cursor: null } },
      (result) => onUpdate(result.page),
    );
    return () => unsubscribe();
  }

  watchStatus(onUpdate: (status: AppStatus) => void): () => void {
    const unsubscribe = this.client.onUpdate(query<Record<string, unknown>, AppStatus>("app:status"), { deviceToken: this.deviceToken }, onUpdate);
    return () => unsubscribe();
  }

  agentState(): Promise<AppAgentState> {
    return this.client.query(query<Record<string, unknown>, AppAgentState>("agent:state"), { deviceToken: this.deviceToken });
  }

  cronJobs(): Promise<AppCronJob[]> {
    return this.client.query(query<Record<string, unknown>, AppCronJob[]>("cron:jobs"), { deviceToken: this.deviceToken });
  }

  /** Asks the relay to run or toggle a job; the same `requestId` again is the same request (it runs once). */
  cronRequest(jobId: string, action: AppCronAction, requestId: string = randomUUID()): Promise<{ requestId: string; status: AppCronRequest["status"] }> {
    return this.client.mutation(mutation<Record<string, unknown>, { requestId: string; status: AppCronRequest["status"] }>("cron:request"), {
      deviceToken: this.deviceToken,
      requestId,
      jobId,
      action,
    });
  }

  cronRequestStatus(requestId: string): Promise<AppCronRequest | null> {
    return this.client.query(query<Record<string, unknown>, AppCronRequest | null>("cron:requestStatus"), { deviceToken: this.deviceToken, requestId });
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
