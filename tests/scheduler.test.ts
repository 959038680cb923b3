import { Writable } from "node:stream";
import { createTask } from "node-cron";
import { describe, expect, it } from "vitest";
import { createLogger } from "../src/log.ts";
import { type Job, startScheduler } from "../src/scheduler.ts";

/** A log that tests can read: one parsed pino line per event. */
function memoryLog() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).trim().split("\n")) lines.push(JSON.parse(line));
      done();
    },
  });
  return { log: createLogger("debug", stream as never), lines };
}

/** node-cron's createTask, with the tick under the test's control instead of the wall clock. */
function manualCron() {
  const fire = new Map<string, () => unknown>();
  const make = ((expression: string, fn: (ctx: never) => unknown, options?: { name?: string }) => {
    const real = createTask(expression, () => undefined, options);
    fire.set(options?.name ?? expression, () => fn({} as never));
    // The real task keeps its schedule (for getNextRun) but runs nothing; the test fires the job.
    return real;
  }) as typeof createTask;
  return { make, tick: (name: string) => fire.get(name)!() };
}

describe("scheduler", () => {
  it("never runs a job twice at once: a tick during a slow run is skipped and logged", async () => {
    const { log, lines } = memoryLog();
    const cron = manualCron();
    let runs = 0;
    let release!: () => void;
    const jobs: Job[] = [
      {
        name: "scan",
        expression: "*/5 * * * *",
        run: () => {
          runs++;
          return new Promise<void>((r) => {
            release = r;
          });
        },
      },
    ];
    const scheduler = startScheduler(jobs, { timezone: "UTC", log, createTask: cron.make });
    cron.tick("scan");
    cron.tick("scan");
    // Skipped: it answers with the run in progress, settled once that run has ended.
    const running = scheduler.runNow("scan");
    expect(runs).toBe(1);
    release();
    await running;
    cron.tick("scan");
    expect(runs).toBe(2);
    release();
    await scheduler.stop();
    expect(lines.filter((l) => l.msg === "job still running; this run is skipped")).toHaveLength(2);
  });

  it("logs a failed run with its error and keeps the schedule", async () => {
    const { log, lines } = memoryLog();
    const cron = manualCron();
    let runs = 0;
    const scheduler = startScheduler(
      [
        {
          name: "maintenance",
          expression: "17 4 * * *",
          run: async () => {
            runs++;
            if (runs === 1) throw new Error("disk full");
          },
        },
      ],
      { timezone: "Asia/Shanghai", log, createTask: cron.make },
    );
    // A tick answers with its run, settled once the run has ended and been logged.
    await cron.tick("maintenance");
    await cron.tick("maintenance");
    expect(runs).toBe(2);
    const failed = lines.find((l) => l.msg === "job failed; the schedule goes on");
    expect(failed?.err).toMatchObject({ message: "disk full" });
    // Next run computed in the schedule's timezone: 04:17 in Shanghai is 20:17 UTC.
    expect(scheduler.nextRuns().maintenance?.toISOString()).toMatch(/T20:17:00/);
    await scheduler.stop();
  });

  it("skips disabled jobs", async () => {
    const { log } = memoryLog();
    const scheduler = startScheduler([{ name: "feeds", expression: false, run: async () => undefined }], {
      timezone: "UTC",
      log,
    });
    expect(scheduler.nextRuns()).toEqual({});
    await scheduler.stop();
  });
});
