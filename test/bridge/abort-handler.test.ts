/** Unit: a failed chat.abort is asked again on the next pump unless the Gateway refused it for good (its classified failure decides). */
import { AbortHandler } from "../../src/bridge/abort-handler.js";
import { silentLogger } from "../../src/logging/logger.js";
import { FakeGateway, GatewayRefusal, flush } from "./fakes.js";

const request = { messageId: "m1", sessionKey: "agent:main:main", runId: "run-1" };

test.each([
  ["a transient failure", "transient", 2],
  ["a race refusal", "race", 2],
  ["a refusal for good", "rejected", 1],
] as const)("%s (%s): chat.abort is sent %d time(s) over two pumps", async (_what, kind, times) => {
  const gateway = new FakeGateway();
  gateway.chatAbort = (params) => {
    gateway.aborts.push(params);
    return Promise.reject(new GatewayRefusal("SOME_CODE", "no", kind));
  };
  const aborts = new AbortHandler(gateway, silentLogger());
  aborts.update([request]);
  await flush();
  aborts.pump();
  await flush();
  expect(gateway.aborts).toHaveLength(times);
});
