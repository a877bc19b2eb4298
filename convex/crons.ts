/** The deployment's scheduled jobs: the file retention sweep (convex/files.ts). */
import { cronJobs } from "convex/server";
import { internal } from "./_generated/api.js";
import { FILE_SWEEP_INTERVAL_MS } from "./lib/limits.js";

const crons = cronJobs();

crons.interval("delete expired files and orphan uploads", { minutes: FILE_SWEEP_INTERVAL_MS / 60_000 }, internal.files.sweep, {});

export default crons;
