/** Cron control is on only when config.json asks for it and the Gateway granted operator.admin; otherwise it says why. */
import { cronControlState } from "../../src/bridge/agent-features.js";

test("cron control: off in config, Gateway away, scope withheld, and on", () => {
  expect(cronControlState(false, true, ["operator.admin"])).toEqual({ enabled: false, reason: expect.stringContaining("relay.cronControl") });
  expect(cronControlState(true, false, [])).toEqual({ enabled: false, reason: "the Gateway is not connected" });
  expect(cronControlState(true, true, ["operator.read", "operator.write"])).toEqual({ enabled: false, reason: "the Gateway did not grant operator.admin" });
  expect(cronControlState(true, true, ["operator.read", "operator.write", "operator.admin"])).toEqual({ enabled: true });
});
