/**
 * The messages of one chat, live. The newest rows (the "tail", where a reply streams) are one small
 * subscription bounded by a fixed cursor; older history pages are separate subscriptions whose ranges
 * a stream write never touches, so a streamed reply does not re-read the history page on every write.
 */
import type { ConvexClient } from "convex/browser";
import type { FunctionArgs } from "convex/server";
import { api, type MessagePage, type MessageRow } from "./api.js";
import type { ChatMessage } from "./opened.js";

/** Rows per history page (one scroll-up step). */
export const HISTORY_PAGE_SIZE = 30;
/** The tail is re-pinned once it holds this many rows and nothing streams, so it stays small. */
const TAIL_REPIN_ROWS = 40;

export interface FeedState {
  /** Oldest first, as the chat shows them, opened (decrypted). */
  rows: ChatMessage[];
  loading: boolean;
  /** True when there is no older page to load. */
  complete: boolean;
  error?: unknown;
}

interface Page {
  /** False until the first answer. */
  ready: boolean;
  rows: MessageRow[];
  continueCursor?: string;
  isDone: boolean;
  unsubscribe: () => void;
}

/** listMessages' arguments without the page: which device reads which chat. */
export type ListArgs = Omit<FunctionArgs<typeof api.app.listMessages>, "paginationOpts">;

export class ChatFeed {
  private tail: Page | undefined;
  private history: Page[] = [];
  private closed = false;
  private loadingOlder = false;
  private generation = 0;
  /** Rows as last shown, opened: a re-emit while newer rows are being opened keeps showing these. */
  private shown: ChatMessage[] = [];
  private emits = 0;

  /**
   * `query` is listMessages' arguments but the page (the device and the chat); `open` decrypts rows
   * (Web Crypto is asynchronous, so a state is emitted once its rows are opened; a newer one wins).
   */
  constructor(
    private readonly client: ConvexClient,
    private readonly query: ListArgs,
    private readonly open: (rows: MessageRow[]) => Promise<ChatMessage[]>,
    private readonly onChange: (state: FeedState) => void,
  ) {}

  /** Pins the tail at the newest row now there, then subscribes to the tail and the first history page. */
  async start(): Promise<void> {
    const generation = ++this.generation;
    // A re-pin keeps showing what it had until the new pages answer (no flash of an empty chat).
    this.stopPages();
    this.onChange({ rows: this.shown, loading: true, complete: false });
    let newest: MessagePage;
    try {
      newest = await this.client.query(api.app.listMessages, { ...this.args(), paginationOpts: { cursor: null, numItems: 1 } });
    } catch (error) {
      if (generation === this.generation) this.onChange({ rows: this.shown, loading: false, complete: true, error });
      return;
    }
    if (this.closed || generation !== this.generation) return;
    if (newest.page.length === 0) {
      // An empty chat: everything in it is new, so the tail is the whole (small, growing) range.
      this.tail = this.subscribe({ cursor: null, numItems: 100 }, generation, true);
      return;
    }
    const pin = newest.continueCursor;
    this.tail = this.subscribe({ cursor: null, numItems: 100, endCursor: pin }, generation, true);
    if (!newest.isDone) this.history = [this.subscribe({ cursor: pin, numItems: HISTORY_PAGE_SIZE }, generation, false)];
  }

  /** Subscribes to the next older page; no-op while one is loading or at the start of the chat. */
  loadOlder(): void {
    const last = this.history[this.history.length - 1];
    if (this.loadingOlder || last === undefined || last.isDone || last.continueCursor === undefined) return;
    this.loadingOlder = true;
    this.history.push(this.subscribe({ cursor: last.continueCursor, numItems: HISTORY_PAGE_SIZE }, this.generation, false));
  }

  close(): void {
    this.closed = true;
    this.stopPages();
  }

  private args(): ListArgs {
    return this.query;
  }

  private subscribe(paginationOpts: { cursor: string | null; numItems: number; endCursor?: string }, generation: number, isTail: boolean): Page {
    const page: Page = { ready: false, rows: [], isDone: false, unsubscribe: () => {} };
    const unsubscribe = this.client.onUpdate(
      api.app.listMessages,
      { ...this.args(), paginationOpts },
      (result) => {
        if (this.closed || generation !== this.generation) return;
        page.ready = true;
        page.rows = result.page;
        page.continueCursor = result.continueCursor;
        page.isDone = result.isDone;
        if (!isTail) this.loadingOlder = false;
        if (isTail && this.needsRepin(result)) {
          void this.start();
          return;
        }
        this.emit(false);
      },
      (error) => {
        if (generation === this.generation) this.onChange({ rows: this.shown, loading: false, complete: true, error });
      },
    );
    page.unsubscribe = () => unsubscribe();
    return page;
  }

  private needsRepin(result: MessagePage): boolean {
    if (result.pageStatus === "SplitRequired") return true;
    return result.page.length >= TAIL_REPIN_ROWS && !result.page.some((row) => row.status === "streaming");
  }

  private rows(): MessageRow[] {
    const byId = new Map<string, MessageRow>();
    for (const page of [...this.history].reverse()) for (const row of page.rows) byId.set(row.messageId, row);
    for (const row of this.tail?.rows ?? []) byId.set(row.messageId, row);
    // The session's order as listMessages gives it (the transcript's, once mirrored); older rows have only createdAt.
    const place = (row: MessageRow) => row.order ?? row.createdAt;
    return [...byId.values()].sort((a, b) => place(a) - place(b) || (a.messageId < b.messageId ? -1 : 1));
  }

  private emit(loading: boolean): void {
    // The first render waits for the tail and the first history page, so history does not pop in above.
    if (!this.tail?.ready || (this.history[0] !== undefined && !this.history[0].ready)) return;
    const last = this.history[this.history.length - 1];
    const complete = this.tail !== undefined && (last === undefined ? true : last.isDone);
    const emit = ++this.emits;
    const generation = this.generation;
    this.open(this.rows()).then(
      (rows) => {
        if (this.closed || emit !== this.emits || generation !== this.generation) return;
        this.shown = rows;
        this.onChange({ rows, loading, complete });
      },
      (error: unknown) => {
        if (!this.closed && emit === this.emits) this.onChange({ rows: this.shown, loading: false, complete: true, error });
      },
    );
  }

  private stopPages(): void {
    this.tail?.unsubscribe();
    for (const page of this.history) page.unsubscribe();
    this.tail = undefined;
    this.history = [];
    this.loadingOlder = false;
  }
}
