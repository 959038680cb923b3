// Timing only: node-cron runs the jobs; the jobs themselves are ordinary async functions.
import { createTask, type ScheduledTask } from "node-cron";
import type { Logger } from "./log.ts";

export interface Job {
  name: string;
  /** Cron expression, or false when disabled. */
  expression: string | false;
  run: () => Promise<unknown>;
}

export interface Scheduler {
  /** Next run of each enabled job. */
  nextRuns(): Record<string, Date | null>;
  /** Runs a job now, outside its schedule (same overlap rule). */
  runNow(name: string): Promise<void>;
  stop(): Promise<void>;
}

export interface SchedulerOptions {
  timezone: string;
  log: Logger;
  /** Tests pass node-cron's createTask wrapped with a controllable clock; default: node-cron. */
  createTask?: typeof createTask;
}

/**
 * Starts every enabled job. A job never runs twice at once (a tick that comes while the last is
 * still running is skipped and logged); a failed run is logged and the schedule goes on.
 */
export function startScheduler(jobs: readonly Job[], options: SchedulerOptions): Scheduler {
  const make = options.createTask ?? createTask;
  const log = options.log.child({ module: "scheduler" });
  const tasks = new Map<string, ScheduledTask>();
  const busy = new Map<string, Promise<void>>();

  const runJob = (job: Job, reason: "scheduled" | "invoked"): Promise<void> => {
    const current = busy.get(job.name);
    if (current) {
      log.warn({ job: job.name, reason }, "job still running; this run is skipped");
      return current;
    }
    const started = performance.now();
    const run = job
      .run()
      .then(
        () => log.debug({ job: job.name, ms: Math.round(performance.now() - started) }, "job done"),
        (error: unknown) => log.error({ job: job.name, err: error }, "job failed; the schedule goes on"),
      )
      .finally(() => busy.delete(job.name));
    busy.set(job.name, run);
    return run;
  };

  for (const job of jobs) {
    if (job.expression === false) continue;
    const task = make(job.expression, () => runJob(job, "scheduled"), {
      name: job.name,
      timezone: options.timezone,
      // No `noOverlap`: runJob already skips a tick that comes while the last run goes on, and says
      // so in a structured log line; node-cron's own check writes an unstructured line to stderr.
    });
    task.start();
    tasks.set(job.name, task);
  }
  if (tasks.size > 0)
    log.info(
      Object.fromEntries([...tasks].map(([name, task]) => [name, task.getNextRun()?.toISOString() ?? null])),
      "schedules started",
    );

  return {
    nextRuns: () => Object.fromEntries([...tasks].map(([name, task]) => [name, task.getNextRun()])),
    runNow(name) {
      const job = jobs.find((j) => j.name === name);
      if (!job) return Promise.reject(new Error(`Unknown job "${name}".`));
      return runJob(job, "invoked");
    },
    async stop() {
      for (const task of tasks.values()) await task.destroy();
      await Promise.allSettled(busy.values());
    },
  };
}

/** Next runs of configured jobs without starting anything (for `herald status`). */
export function nextRunsOf(
  jobs: readonly Pick<Job, "name" | "expression">[],
  timezone: string,
): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const job of jobs) {
    if (job.expression === false) {
      out[job.name] = null;
      continue;
    }
    const task = createTask(job.expression, () => undefined, { timezone });
    // getNextRun() answers null for a task that was never started; getNextRuns does not care.
    out[job.name] = task.getNextRuns(1)[0]?.toISOString() ?? null;
    void task.destroy();
  }
  return out;
}
