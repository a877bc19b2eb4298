/** Following one sent message through the rows the app sees: queued, delivered, streaming, final, and every failure. */
import type { AppMessage } from "../../src/app-client/app-client.js";
import { trackReply } from "../../src/chat/reply-tracker.js";

let clock = 0;
function row(fields: Partial<AppMessage> & Pick<AppMessage, "messageId" | "role" | "status">): AppMessage {
  clock += 1;
  return { sessionKey: "agent:main:t", text: "", source: fields.role === "user" ? "app" : "gateway", createdAt: clock, updatedAt: clock, e2e: "ok", ...fields };
}

const mine = (status: string, extra: Partial<AppMessage> = {}) => row({ messageId: "m1", role: "user", status, text: "hi", runId: "m1", ...extra });

test("not in view yet, queued, delivered without a reply", () => {
  expect(trackReply([], "m1")).toMatchObject({ phase: "sending", done: false });
  expect(trackReply([mine("queued")], "m1")).toMatchObject({ phase: "queued", done: false });
  expect(trackReply([mine("delivered")], "m1")).toMatchObject({ phase: "delivered", done: false });
});

test("the reply of the same run streams, then is final", () => {
  const user = mine("delivered");
  const streaming = row({ messageId: "a1", role: "assistant", status: "streaming", text: "Stub", runId: "m1" });
  expect(trackReply([streaming, user], "m1")).toMatchObject({ phase: "streaming", text: "Stub", done: false });
  const final = { ...streaming, status: "final", text: "Stub reply" };
  expect(trackReply([final, user], "m1")).toMatchObject({ phase: "final", text: "Stub reply", done: true, ok: true });
});

test("a reply first seen through the transcript (mirrored) counts as final", () => {
  const user = mine("delivered");
  const mirrored = row({ messageId: "a1", role: "assistant", status: "mirrored", text: "from transcript" });
  expect(trackReply([mirrored, user], "m1")).toMatchObject({ phase: "final", ok: true, text: "from transcript" });
});

test("older assistant rows (earlier turns) are not this message's reply", () => {
  const old = row({ messageId: "a0", role: "assistant", status: "final", text: "earlier", runId: "m0" });
  const user = mine("delivered");
  expect(trackReply([user, old], "m1")).toMatchObject({ phase: "delivered", done: false });
});

test("busy session: the own run ends empty and the answer comes under another run", () => {
  const user = mine("delivered");
  const emptyOwn = row({ messageId: "a1", role: "assistant", status: "final", text: "", runId: "m1" });
  expect(trackReply([emptyOwn, user], "m1")).toMatchObject({ phase: "delivered", done: false });
  const other = row({ messageId: "a2", role: "assistant", status: "final", text: "the answer", runId: "other" });
  expect(trackReply([other, emptyOwn, user], "m1")).toMatchObject({ phase: "final", text: "the answer", ok: true });
});

test.each([
  ["failed", "gateway refused: bad session"],
  ["expired", "older than 300 s"],
])("the message itself %s: done, not ok, with the reason", (status, error) => {
  expect(trackReply([mine(status, { error })], "m1")).toEqual({ phase: status, text: "", done: true, ok: false, error });
});

test("the agent's run failed, or was aborted", () => {
  const user = mine("delivered");
  const failed = row({ messageId: "a1", role: "assistant", status: "error", error: "model said 400", runId: "m1" });
  expect(trackReply([failed, user], "m1")).toMatchObject({ phase: "error", done: true, ok: false, error: "model said 400" });
  const aborted = row({ messageId: "a1", role: "assistant", status: "aborted", text: "part", runId: "m1" });
  expect(trackReply([aborted, user], "m1")).toMatchObject({ phase: "aborted", done: true, ok: false, text: "part", error: "the reply was aborted" });
});
