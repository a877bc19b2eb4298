/**
 * Bridge e2e, real Gateway: an app message to the session key `global`. Under the default session scope
 * (`session.scope` per sender) the Gateway accepts `chat.send` to `global` and runs it in the agent's
 * main session, `agent:main:main`, like `main`; the relay then moves the app's row there (the
 * transcript's key wins) with the reply beside it. Nothing is left queued.
 */
import { sessionIdOf } from "../../src/e2e/client-rows.js";
import { eventually, usePipeline } from "./pipeline.js";

const current = usePipeline();

test("an app message to `global` is delivered into the agent's main session, with its reply; no row stays queued", async () => {
  const { messageId } = await current().app.send("global", "hello global");
  const rows = await eventually(async () => {
    const main = await current().app.allMessages("agent:main:main");
    const own = main.find((row) => row.messageId === messageId);
    if (!own || own.status !== "delivered") throw new Error(`app row not delivered in agent:main:main yet: ${JSON.stringify(own?.status)}`);
    if (!main.some((row) => row.role === "assistant" && row.status === "final" && row.text === "Stub reply to: hello global")) {
      throw new Error(`no final reply yet: ${JSON.stringify(main.map((row) => [row.role, row.status]))}`);
    }
    return main;
  }, 90_000);
  // Rows name their session by its keyed id; the app's text, sealed for `global`, was replaced by the relay's
  // copy sealed for the session it moved to, so it still opens (never shown as undecryptable or wrong).
  const mainId = await sessionIdOf(current().app.keys, "agent:main:main");
  expect(rows.find((row) => row.messageId === messageId)).toMatchObject({ sessionKey: mainId, source: "app", role: "user", text: "hello global", e2e: "ok" });
  // Nothing waits in `global` any more: the row moved, it was not left behind as queued.
  const leftInGlobal = await current().app.allMessages("global");
  expect(leftInGlobal.filter((row) => row.status === "queued")).toEqual([]);
  const history = await current().operator.connection.chatHistory({ sessionKey: "global", limit: 10 });
  expect(history.kind === "reset" ? [] : history.entries).toEqual([]);
}, 150_000);
