/** packaging/openclaw-skill/SKILL.md: frontmatter a clawhub/OpenClaw skill loader accepts, and a body that covers the job. */
import { readFileSync } from "node:fs";
import path from "node:path";
import JSON5 from "json5";
import { ROOT } from "../chat/relay-cli.js";

const text = readFileSync(path.join(ROOT, "packaging", "openclaw-skill", "SKILL.md"), "utf8");

/** The frontmatter block and its top-level `key: value` lines (`metadata` is a JSON5 block, as OpenClaw reads it). */
function frontmatter(): { fields: Record<string, string>; metadata: unknown; body: string } {
  const match = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text);
  if (!match) throw new Error("SKILL.md must start with a --- frontmatter block");
  const fields: Record<string, string> = {};
  const lines = match[1]!.split("\n");
  let metadata: unknown;
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    const field = /^([a-z][a-z-]*):\s*(.*)$/.exec(line);
    if (!field) throw new Error(`unexpected frontmatter line ${i + 1}: ${line}`);
    const [, key, value] = field as unknown as [string, string, string];
    if (key === "metadata") {
      const block: string[] = [];
      while (i + 1 < lines.length && /^\s/.test(lines[i + 1]!)) block.push(lines[++i]!);
      metadata = JSON5.parse(block.join("\n"));
    } else {
      fields[key] = value.startsWith('"') ? (JSON.parse(value) as string) : value;
    }
  }
  return { fields, metadata, body: match[2]! };
}

test("frontmatter: a slug name and a one-line description", () => {
  const { fields } = frontmatter();
  expect(fields.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  expect(fields.name).toBe("fastclaw");
  expect(fields.description!.length).toBeGreaterThan(40);
  expect(fields.description!.length).toBeLessThanOrEqual(300);
  expect(fields.description).toMatch(/FastClaw/);
  expect(Object.keys(fields).every((key) => ["name", "description", "homepage"].includes(key))).toBe(true);
});

test("metadata.openclaw: requires node, installs the fastclaw-relay package", () => {
  const { metadata } = frontmatter();
  expect(metadata).toEqual({
    openclaw: {
      emoji: expect.any(String),
      requires: { bins: ["node"] },
      install: [{ id: "node", kind: "node", package: "fastclaw-relay", bins: ["fastclaw-relay"], label: expect.any(String) }],
    },
  });
});

test("the body covers install, agent-driven pairing with a QR file, status and troubleshooting", () => {
  const { body } = frontmatter();
  for (const heading of ["## Install", "## Pair the owner's phone", "## Check status", "## Troubleshoot"]) expect(body).toContain(heading);
  expect(body).toContain("fastclaw-relay pair --json --save");
  expect(body).toMatch(/^ {3}MEDIA:\/home\/<user>\/\.openclaw\/fastclaw\/pairing\/qr\.png$/m);
  expect(body).toContain("fastclaw-relay status --json");
  expect(body).toContain("loginctl enable-linger $USER");
  expect(body).toMatch(/only to the owner/i);
});

/** Every shell command the skill gives the agent (fenced blocks and inline code). */
function commands(body: string): string[] {
  const fenced = [...body.matchAll(/```(?:bash|sh)?\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split("\n"));
  const inline = [...body.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
  return [...fenced, ...inline].map((line) => line.trim()).filter((line) => /^(fastclaw-relay|openclaw|npm|loginctl)\b/.test(line));
}

test("no command writes pairing output to a fixed or shared path, or puts a pairing payload on a command line", () => {
  const { body } = frontmatter();
  const all = commands(body);
  expect(all.length).toBeGreaterThan(5);
  for (const command of all) {
    // Output redirected into a file, or a file argument, in a place other users can reach.
    expect(command).not.toMatch(/>\s*\S/);
    expect(command).not.toMatch(/\/tmp\/|\/var\/tmp\/|\/dev\/shm\//);
    expect(command).not.toMatch(/--qr-file/);
    expect(command).not.toMatch(/--pair\s+(?!-(\s|$))\S/);
  }
  expect(body).not.toMatch(/\/tmp\//);
  expect(all).toContain("fastclaw-relay pair --json --save");
  expect(all).toContain("fastclaw-relay chat --pair -");
});
