/** Counters of function executions, client requests and connections, for benchmarks and tests. */
import type { FunctionKind } from "./module-loader.js";

export interface LocalConvexStats {
  /** Every execution by "module:export": client calls, subscription re-runs, nested ctx.run*, scheduled runs. */
  calls: Record<string, number>;
  /** Executions by kind (same events as `calls`). */
  byKind: Record<FunctionKind, number>;
  /** Documents read through ctx.db by "module:export" (every execution, as `calls`), and their JSON bytes. */
  reads: Record<string, { rows: number; bytes: number }>;
  /** Requests from clients by "module:export": sync Mutation/Action and HTTP query/mutation/action. */
  requests: Record<string, number>;
  /** Mutations answered from the replay log instead of running again. */
  replayedMutations: number;
  /** Sync WebSocket connections: open now, and accepted since start. */
  connections: { open: number; total: number };
}

export class StatsCollector {
  private calls = new Map<string, number>();
  private byKind: Record<FunctionKind, number> = { query: 0, mutation: 0, action: 0 };
  private requests = new Map<string, number>();
  private reads = new Map<string, { rows: number; bytes: number }>();
  private replayed = 0;
  private connectionsTotal = 0;

  execution(udfPath: string, kind: FunctionKind): void {
    this.calls.set(udfPath, (this.calls.get(udfPath) ?? 0) + 1);
    this.byKind[kind] += 1;
  }

  read(udfPath: string, rows: number, bytes: number): void {
    const current = this.reads.get(udfPath) ?? { rows: 0, bytes: 0 };
    this.reads.set(udfPath, { rows: current.rows + rows, bytes: current.bytes + bytes });
  }

  request(udfPath: string): void {
    this.requests.set(udfPath, (this.requests.get(udfPath) ?? 0) + 1);
  }

  replayedMutation(): void {
    this.replayed += 1;
  }

  connectionOpened(): void {
    this.connectionsTotal += 1;
  }

  snapshot(openConnections: number): LocalConvexStats {
    return {
      calls: Object.fromEntries(this.calls),
      byKind: { ...this.byKind },
      reads: Object.fromEntries([...this.reads].map(([path, value]) => [path, { ...value }])),
      requests: Object.fromEntries(this.requests),
      replayedMutations: this.replayed,
      connections: { open: openConnections, total: this.connectionsTotal },
    };
  }

  /** Zeroes the function and request counters; connection totals keep counting. */
  reset(): void {
    this.calls = new Map();
    this.byKind = { query: 0, mutation: 0, action: 0 };
    this.requests = new Map();
    this.reads = new Map();
    this.replayed = 0;
  }
}
