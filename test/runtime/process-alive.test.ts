/** One liveness check for `status` and the run lock: signal 0, with someone else's process counted as alive. */
import { spawnSync } from "node:child_process";
import { processAlive } from "../../src/runtime/process-alive.js";

test("this process is alive; one that has exited is not", () => {
  expect(processAlive(process.pid)).toBe(true);
  const exited = spawnSync(process.execPath, ["-e", ""]);
  expect(exited.pid).toBeGreaterThan(0);
  expect(processAlive(exited.pid)).toBe(false);
});

test("a process this user may not signal (pid 1, unless we run as root) still counts as alive", () => {
  expect(processAlive(1)).toBe(true);
});
