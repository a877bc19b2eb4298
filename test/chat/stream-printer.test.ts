/** The live reply: appended as it grows, reprinted whole when revised, printed once when not live. */
import { StreamPrinter } from "../../src/chat/stream-printer.js";

function sink() {
  let text = "";
  return { write: (chunk: string) => void (text += chunk), text: () => text };
}

test("live: prints only what is new, then ends the line", () => {
  const out = sink();
  const printer = new StreamPrinter(out, true, "agent> ");
  printer.update("Stub");
  printer.update("Stub re");
  printer.update("Stub re");
  printer.finish("Stub reply");
  expect(out.text()).toBe("agent> Stub reply\n");
});

test("live: a revised text starts over on its own line", () => {
  const out = sink();
  const printer = new StreamPrinter(out, true, "> ");
  printer.update("Hello wrld");
  printer.finish("Hello world");
  expect(out.text()).toBe("> Hello wrld\n> Hello world\n");
});

test("not live: nothing until finish, then the final text once", () => {
  const out = sink();
  const printer = new StreamPrinter(out, false);
  printer.update("Stub");
  expect(out.text()).toBe("");
  printer.finish("Stub reply");
  expect(out.text()).toBe("Stub reply\n");
});
