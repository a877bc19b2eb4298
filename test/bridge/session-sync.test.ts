/** The session list in Convex: one list per burst of sessions.changed, and only what changed is written. */
import { SessionSync } from "../../src/bridge/session-sync.js";
import { silentLogger } from "../../src/logging/logger.js";
import { FakeClock } from "../support/fake-clock.js";
import { FakeGateway, flush, RecordingConvex } from "./fakes.js";

function setup() {
  const clock = new FakeClock();
  const gateway = new FakeGateway();
  const convex = new RecordingConvex();
  let lists = 0;
  const list = gateway.sessionsList.bind(gateway);
  gateway.sessionsList = () => {
    lists += 1;
    return list();
  };
  const sync = new SessionSync({ gateway, convex, logger: silentLogger(), clock });
  return { clock, gateway, convex, sync, lists: () => lists };
}

test("a burst of sessions.changed costs one list, 500 ms after the last of them", async () => {
  const { clock, gateway, convex, sync, lists } = setup();
  gateway.sessions = [{ sessionKey: "agent:main:main", updatedAt: 1, title: "Main" }];
  sync.changed();
  clock.advance(400);
  sync.changed();
  clock.advance(499);
  expect(lists()).toBe(0);
  clock.advance(1);
  await flush();
  expect(lists()).toBe(1);
  expect(convex.calls("relay:upsertSessions")).toEqual([{ sessions: [{ sessionKey: "agent:main:main", updatedAt: 1, title: "Main" }] }]);
  sync.stop();
});

test("an unchanged session is not written again; a changed one is, and stop cancels a pending list", async () => {
  const { clock, gateway, convex, sync, lists } = setup();
  gateway.sessions = [
    { sessionKey: "a", updatedAt: 1 },
    { sessionKey: "b", updatedAt: 1 },
  ];
  await sync.sync();
  gateway.sessions = [
    { sessionKey: "a", updatedAt: 1 },
    { sessionKey: "b", updatedAt: 2 },
  ];
  await sync.sync();
  expect(convex.calls("relay:upsertSessions").map((call) => call.sessions)).toEqual([
    [
      { sessionKey: "a", updatedAt: 1 },
      { sessionKey: "b", updatedAt: 1 },
    ],
    [{ sessionKey: "b", updatedAt: 2 }],
  ]);
  sync.changed();
  sync.stop();
  clock.advance(10_000);
  expect(lists()).toBe(2);
  expect(clock.pending()).toEqual([]);
});
