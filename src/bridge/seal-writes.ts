/** Which fields of each relay write are sealed, and for which row: the relay's half of docs/convex-api.md "Row identities". */
import type { ContentKey } from "../e2e/content-key.js";
import { str } from "../json-values.js";
import { seal, type SealContext } from "../e2e/envelope.js";
import { orphanReasonContext, presenceContext, runRow, sessionContext, transcriptRow } from "../e2e/row-contexts.js";

type Args = Record<string, unknown>;

/** What sealing a write needs besides the key: session ids, and where an app message's error belongs. */
export interface SealScope {
  key: ContentKey;
  sessionId(sessionKey: string): Promise<string>;
  /** The (session id, row) of an app message the relay was given, by its Convex id; undefined when unknown. */
  appMessage(messageId: string): { sessionId: string; row: string } | undefined;
}

type Rule = (args: Args, scope: SealScope) => Promise<Args>;


async function sealIf(scope: SealScope, ctx: SealContext, value: unknown): Promise<string | undefined> {
  return typeof value === "string" ? seal(scope.key, ctx, value) : undefined;
}

/** Drops undefined values, so a field left out stays left out (Convex keeps what it stored). */
function defined(args: Args): Args {
  return Object.fromEntries(Object.entries(args).filter(([, value]) => value !== undefined));
}

/** The app row's error: bound to the row the relay read it from; an unknown row gets the row-less reason context. */
const settleRule: Rule = async (args, scope) => {
  const app = scope.appMessage(String(args.messageId));
  const ctx: SealContext = app ? { sessionId: app.sessionId, field: "error", row: app.row } : orphanReasonContext();
  return { ...args, reason: await seal(scope.key, ctx, String(args.reason)) };
};

const passThrough: Rule = async (args) => args;

const RULES: Readonly<Record<string, Rule>> = {
  "relay:upsertStream": async (args, scope) => {
    const sessionKey = String(args.sessionKey);
    const sessionId = await scope.sessionId(sessionKey);
    const row = runRow(String(args.runId));
    return defined({
      ...args,
      sessionKey: sessionId,
      text: await seal(scope.key, { sessionId, field: "text", row }, String(args.text)),
      error: await sealIf(scope, { sessionId, field: "error", row }, args.error),
    });
  },
  "relay:ingestTranscript": async (args, scope) => {
    const sessionKey = String(args.sessionKey);
    const sessionId = await scope.sessionId(sessionKey);
    const messages = Array.isArray(args.messages) ? (args.messages as Args[]) : [];
    return {
      ...args,
      sessionKey: sessionId,
      sessionKeyEnc: await seal(scope.key, sessionContext(sessionId, "sessionKey"), sessionKey),
      messages: await Promise.all(
        messages.map(async (m) => ({
          ...m,
          text: await seal(scope.key, { sessionId, field: "text", row: transcriptRow(String(m.gatewayMessageId)) }, String(m.text)),
        })),
      ),
    };
  },
  "relay:upsertSessions": async (args, scope) => {
    const sessions = Array.isArray(args.sessions) ? (args.sessions as Args[]) : [];
    return {
      ...args,
      sessions: await Promise.all(
        sessions.map(async (s) => {
          const sessionKey = String(s.sessionKey);
          const sessionId = await scope.sessionId(sessionKey);
          return defined({
            ...s,
            sessionKey: sessionId,
            sessionKeyEnc: await seal(scope.key, sessionContext(sessionId, "sessionKey"), sessionKey),
            title: await sealIf(scope, sessionContext(sessionId, "title"), s.title),
            lastMessagePreview: await sealIf(scope, sessionContext(sessionId, "preview"), s.lastMessagePreview),
            model: await sealIf(scope, sessionContext(sessionId, "model"), s.model),
          });
        }),
      ),
    };
  },
  "relay:markFailed": settleRule,
  "relay:markExpired": settleRule,
  "relay:markDelivered": passThrough,
  "relay:closeOrphanedStreams": async (args, scope) => ({
    ...args,
    keepSessionKeys: await Promise.all((Array.isArray(args.keepSessionKeys) ? args.keepSessionKeys : []).map((k) => scope.sessionId(String(k)))),
    reason: await seal(scope.key, orphanReasonContext(), String(args.reason)),
  }),
  "relay:heartbeat": async (args, scope) => defined({ ...args, gatewayError: await sealIf(scope, presenceContext(), str(args.gatewayError)) }),
  "relay:goingOffline": passThrough,
  // Sizes only: nothing in a file policy is content.
  "files:setPolicy": passThrough,
};

/** The write as Convex gets it; null for a function without a rule (nothing reaches Convex unsealed by mistake). */
export async function sealWrite(fn: string, args: Args, scope: SealScope): Promise<Args | null> {
  const rule = RULES[fn];
  return rule === undefined ? null : rule(args, scope);
}
