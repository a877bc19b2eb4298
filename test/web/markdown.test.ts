/** The reply renderer: Markdown to preact VNodes, where text stays text and only http(s)/mailto links exist. */
import type { ComponentChildren, VNode } from "preact";
import { renderBlocks, renderInline, safeHref } from "../../web/src/markdown.js";

type Tree = string | [string, Record<string, unknown>, ...Tree[]];

/** The VNode tree as nested arrays: [tag, props (without children/key), ...children]; text as strings. */
function tree(children: ComponentChildren): Tree[] {
  const list = Array.isArray(children) ? (children as ComponentChildren[]).flat(Infinity as 1) : [children];
  const out: Tree[] = [];
  for (const child of list as ComponentChildren[]) {
    if (child === null || child === undefined || typeof child === "boolean") continue;
    if (typeof child === "string" || typeof child === "number") {
      const text = String(child);
      // Adjacent text pieces are one text node on screen.
      if (typeof out[out.length - 1] === "string") out[out.length - 1] += text;
      else out.push(text);
      continue;
    }
    const node = child as VNode<Record<string, unknown>>;
    if (typeof node.type !== "string") throw new Error("renderer produced a component, expected plain elements only");
    const { children: inner, ...props } = node.props;
    out.push([node.type, props, ...tree(inner as ComponentChildren)]);
  }
  return out;
}

const blocks = (md: string) => tree(renderBlocks(md));
const inline = (md: string) => tree(renderInline(md));

/** Every element tag anywhere in a tree. */
function tags(nodes: Tree[]): string[] {
  return nodes.flatMap((node) => (typeof node === "string" ? [] : [node[0], ...tags(node.slice(2) as Tree[])]));
}

describe("safety", () => {
  test("raw HTML stays text", () => {
    const md = `<img src=x onerror="alert(1)"> <script>alert(2)</script> <a href="javascript:alert(3)">x</a>`;
    expect(blocks(md)).toEqual([["p", {}, md]]);
  });

  test("javascript:, data: and relative links are shown as their source text, not links", () => {
    for (const md of ["[click](javascript:alert(1))", "[x](data:text/html,hi)", "[x](/relative)", "[x](JAVASCRIPT:alert(1))", "[x](vbscript:msgbox)"]) {
      expect(inline(md)).toEqual([md]);
    }
  });

  test("http(s) and mailto links open in a new tab without opener or referrer", () => {
    expect(inline("see [docs](https://example.org/a?b=1) now")).toEqual([
      "see ",
      ["a", { href: "https://example.org/a?b=1", target: "_blank", rel: "noopener noreferrer" }, "docs"],
      " now",
    ]);
    expect(inline("[me](mailto:a@b.org)")).toEqual([["a", { href: "mailto:a@b.org", target: "_blank", rel: "noopener noreferrer" }, "me"]]);
  });

  test("safeHref accepts only absolute http, https and mailto URLs", () => {
    expect(safeHref("https://x.org")).toBe("https://x.org/");
    expect(safeHref(" http://x.org/p ")).toBe("http://x.org/p");
    expect(safeHref("javascript:alert(1)")).toBeNull();
    expect(safeHref("  javascript:alert(1)")).toBeNull();
    expect(safeHref("java\tscript:alert(1)")).toBeNull();
    expect(safeHref("file:///etc/passwd")).toBeNull();
    expect(safeHref("//evil.org")).toBeNull();
  });

  test("bare URLs become links without the sentence's trailing punctuation", () => {
    expect(inline("go to https://x.org/a.")).toEqual(["go to ", ["a", { href: "https://x.org/a", target: "_blank", rel: "noopener noreferrer" }, "https://x.org/a"], "."]);
  });

  test("hostile input of the maximum size renders in bounded time", () => {
    const started = Date.now();
    for (const unit of ["**a ", "[a](", "`", "__a ", "~~", "*a ", "https://", "> ", "- "]) renderBlocks(unit.repeat(Math.floor(65_536 / unit.length)));
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe("formatting", () => {
  test("emphasis, strong, strikethrough and inline code", () => {
    expect(inline("a **b** *c* ~~d~~ `e <f>`")).toEqual(["a ", ["strong", {}, "b"], " ", ["em", {}, "c"], " ", ["del", {}, "d"], " ", ["code", {}, "e <f>"]]);
  });

  test("underscores inside words are not emphasis", () => {
    expect(inline("snake_case_name and window.__dunder__x")).toEqual(["snake_case_name and window.__dunder__x"]);
    expect(inline("_yes_ and __bold__")).toEqual([["em", {}, "yes"], " and ", ["strong", {}, "bold"]]);
  });

  test("fenced code keeps its text verbatim in a focusable, labelled <pre>", () => {
    expect(blocks("```ts\nconst a = '<b>';\n  **not bold**\n```")).toEqual([
      ["pre", { tabIndex: 0, "aria-label": "ts code" }, ["code", {}, "const a = '<b>';\n  **not bold**"]],
    ]);
  });

  test("headings start at h3; rules; quotes", () => {
    expect(blocks("# Title\n---\n> quoted *x*")).toEqual([
      ["h3", {}, "Title"],
      ["hr", {}],
      ["blockquote", {}, ["p", {}, "quoted ", ["em", {}, "x"]]],
    ]);
  });

  test("lists: unordered, ordered with its start, nested", () => {
    expect(blocks("- a\n- b\n  - c\n\n3. x\n4. y")).toEqual([
      ["ul", {}, ["li", {}, "a"], ["li", {}, ["p", {}, "b"], ["ul", {}, ["li", {}, "c"]]]],
      ["ol", { start: 3 }, ["li", {}, "x"], ["li", {}, "y"]],
    ]);
  });

  test("lines of a paragraph keep their breaks; blank lines split paragraphs", () => {
    expect(blocks("one\ntwo\n\nthree")).toEqual([["p", {}, "one", ["br", {}], "two"], ["p", {}, "three"]]);
  });

  test("nothing but plain elements: no components, no dangerouslySetInnerHTML", () => {
    const rendered = blocks("# h\n- [a](https://a.org) **b**\n\n```\nx\n```\n> q");
    expect(new Set(tags(rendered))).toEqual(new Set(["h3", "ul", "li", "a", "strong", "pre", "code", "blockquote", "p"]));
    expect(JSON.stringify(rendered)).not.toContain("dangerouslySetInnerHTML");
  });
});
