/** A small Markdown subset rendered straight to preact VNodes: text is only ever a text node, never parsed HTML. */
import { h, type ComponentChildren } from "preact";

/** Link schemes a reply may open; anything else (javascript:, data:, relative) is shown as plain text. */
const SAFE_SCHEMES = new Set(["http:", "https:", "mailto:"]);
/** Lists and quotes nest at most this deep; deeper input is shown as text (bounds recursion on hostile input). */
const MAX_BLOCK_DEPTH = 6;
const MAX_INLINE_DEPTH = 4;

/** The href a link may carry, or null: only absolute http(s)/mailto URLs. */
export function safeHref(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return null;
  }
  return SAFE_SCHEMES.has(url.protocol) ? url.href : null;
}

function link(href: string, children: ComponentChildren, key: number): ComponentChildren {
  return h("a", { key, href, target: "_blank", rel: "noopener noreferrer" }, children);
}

// Each delimited form excludes its own delimiter from the content, so a line without a closing
// delimiter costs linear time (no backtracking blow-up on a 64 KiB reply).
const INLINE =
  /(`+)([^`\n]+?)\1|\[([^\]\n]{1,500})\]\(([^()\s]{1,2000})\)|(https?:\/\/[^\s<>]+)|\*\*([^*\n]+)\*\*|__([^_\n]+)__|~~([^~\n]+)~~|\*([^*\s][^*\n]*)\*|_([^_\s][^_\n]*)_/g;
const TRAILING_PUNCTUATION = /[.,;:!?'")\]]+$/;

function intraword(text: string, start: number, end: number): boolean {
  const before = text[start - 1];
  const after = text[end];
  return (before !== undefined && /\w/.test(before)) || (after !== undefined && /\w/.test(after));
}

/** Inline Markdown (code, links, bare URLs, bold, italic, strikethrough) as a list of children. */
export function renderInline(text: string, depth = 0): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  if (depth > MAX_INLINE_DEPTH) return [text];
  const re = new RegExp(INLINE.source, "g");
  let last = 0;
  let key = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    let end = m.index + m[0].length;
    let node: ComponentChildren;
    if ((m[7] !== undefined || m[10] !== undefined) && intraword(text, m.index, end)) {
      // snake_case and __dunder__ names are not emphasis: "_" delimiters count only at word edges.
      re.lastIndex = m.index + 1;
      continue;
    }
    if (m[2] !== undefined) node = h("code", { key: key++ }, m[2]);
    else if (m[3] !== undefined && m[4] !== undefined) {
      const href = safeHref(m[4]);
      node = href === null ? m[0] : link(href, renderInline(m[3], depth + 1), key++);
    } else if (m[5] !== undefined) {
      // "see https://x.org." — the dot ends the sentence, not the URL.
      const url = m[5].replace(TRAILING_PUNCTUATION, "");
      end = m.index + url.length;
      const href = safeHref(url);
      node = href === null ? url : link(href, url, key++);
    } else if (m[6] !== undefined || m[7] !== undefined) node = h("strong", { key: key++ }, renderInline((m[6] ?? m[7])!, depth + 1));
    else if (m[8] !== undefined) node = h("del", { key: key++ }, renderInline(m[8], depth + 1));
    else {
      node = h("em", { key: key++ }, renderInline((m[9] ?? m[10])!, depth + 1));
    }
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push(node);
    last = end;
    re.lastIndex = end;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/** Lines of a paragraph, joined with <br> so a chat message keeps its line breaks. */
function paragraphChildren(lines: string[]): ComponentChildren[] {
  const children: ComponentChildren[] = [];
  lines.forEach((line, i) => {
    if (i > 0) children.push(h("br", { key: `br${i}` }));
    children.push(...renderInline(line));
  });
  return children;
}

interface Block {
  node: ComponentChildren;
  /** Set for a paragraph: its inline content, so a one-paragraph list item can render without the <p>. */
  inline?: ComponentChildren[];
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([\w+#.-]*)\s*$/;
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const RULE = /^ {0,3}([-*_])(\s*\1){2,}\s*$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const ITEM = /^( {0,3})([-*+]|\d{1,9}[.)])\s+(.*)$/;

function startsBlock(line: string): boolean {
  return FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line) || ITEM.test(line);
}

/** Block Markdown: fenced code, headings, rules, quotes, lists, paragraphs. */
export function renderBlocks(text: string): ComponentChildren[] {
  return blocks(text, 0).map((block) => block.node);
}

function blocks(text: string, depth: number): Block[] {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const out: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === "") {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i]!.trim().startsWith(fence[1]!)) body.push(lines[i++]!);
      i++;
      // A labelled, focusable region: a phone user scrolls long lines sideways, a keyboard user too.
      out.push({
        node: h("pre", { key: out.length, tabIndex: 0, "aria-label": fence[2] ? `${fence[2]} code` : "code" }, h("code", null, body.join("\n"))),
      });
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      // Inside a chat bubble h1 would shout: levels start at h3.
      const level = Math.min(heading[1]!.length + 2, 6);
      out.push({ node: h(`h${level}`, { key: out.length }, renderInline(heading[2]!)) });
      i++;
      continue;
    }
    if (RULE.test(line)) {
      out.push({ node: h("hr", { key: out.length }) });
      i++;
      continue;
    }
    if (depth < MAX_BLOCK_DEPTH && QUOTE.test(line)) {
      const body: string[] = [];
      while (i < lines.length && QUOTE.test(lines[i]!)) body.push(QUOTE.exec(lines[i++]!)![1]!);
      out.push({ node: h("blockquote", { key: out.length }, renderNested(body.join("\n"), depth + 1)) });
      continue;
    }
    const item = ITEM.exec(line);
    if (depth < MAX_BLOCK_DEPTH && item) {
      const ordered = /\d/.test(item[2]!);
      const start = ordered ? Number.parseInt(item[2]!, 10) : undefined;
      const indent = item[1]!.length;
      const items: string[][] = [];
      while (i < lines.length) {
        const current = lines[i]!;
        const next = ITEM.exec(current);
        // A marker indented past this list's own is a nested list: part of the current item.
        if (next && next[1]!.length <= indent + 1 && /\d/.test(next[2]!) === ordered) {
          items.push([next[3]!]);
          i++;
        } else if (items.length > 0 && /^\s{2,}\S/.test(current)) {
          // An indented line continues the item (or holds a nested list).
          items[items.length - 1]!.push(current.replace(/^\s{2,4}/, ""));
          i++;
        } else break;
      }
      const children = items.map((body, n) => {
        const inner = blocks(body.join("\n"), depth + 1);
        // A one-paragraph item renders tight, without a <p> inside the <li>.
        const only = inner.length === 1 && inner[0]!.inline !== undefined ? inner[0]!.inline : inner.map((block) => block.node);
        return h("li", { key: n }, only);
      });
      out.push({ node: ordered ? h("ol", { key: out.length, start }, children) : h("ul", { key: out.length }, children) });
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== "" && (para.length === 0 || !startsBlock(lines[i]!))) para.push(lines[i++]!);
    const inline = paragraphChildren(para);
    out.push({ node: h("p", { key: out.length }, inline), inline });
  }
  return out;
}

function renderNested(text: string, depth: number): ComponentChildren[] {
  return blocks(text, depth).map((block) => block.node);
}
