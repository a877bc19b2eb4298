import { convexTest } from "convex-test";
import { main } from "../src/cli/main.js";

test("toolchain: ESM jest loads convex-test and the CLI", async () => {
  expect(typeof convexTest).toBe("function");
  expect(typeof main).toBe("function");
});
