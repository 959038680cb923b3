// An inbox flood (tests/helpers/flood-worker.ts, its own process) and probes of the pages meanwhile:
// what the flood test asserts and what `npm run bench` reports.
import { spawn } from "node:child_process";
import http from "node:http";
import { resolve } from "node:path";

const WORKER = resolve(import.meta.dirname, "flood-worker.ts");

export interface FloodResult {
  sent: number;
  skipped: number;
  statuses: Record<string, number>;
  errors: number;
}

/** Starts the flood; resolves when it is over. */
export function flood(
  inboxUrl: string,
  rate: number,
  seconds: number,
  bodyBytes = 2048,
): Promise<FloodResult> {
  return new Promise((ok, fail) => {
    const child = spawn(
      process.execPath,
      [WORKER, inboxUrl, String(rate), String(seconds), String(bodyBytes)],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on("error", fail);
    child.on("close", (code) => {
      if (code !== 0) fail(new Error(`flood worker exited ${code}: ${out}`));
      else ok(JSON.parse(out.trim().split("\n").at(-1)!) as FloodResult);
    });
  });
}

export interface ProbeStats {
  /** Probes sent, and how many got a 200 within the timeout. */
  count: number;
  ok: number;
  /** Latencies of answered probes, ms. */
  p50: number;
  p99: number;
  max: number;
  failures: string[];
}

/** GETs `url` every `everyMs` until `until` resolves (a fresh connection each: what a new reader does). */
export async function probe(
  url: string,
  until: Promise<unknown>,
  everyMs = 100,
  timeoutMs = 5_000,
): Promise<ProbeStats> {
  const latencies: number[] = [];
  const failures: string[] = [];
  const pending: Promise<void>[] = [];
  let done = false;
  void until.finally(() => {
    done = true;
  });
  while (!done) {
    pending.push(
      once(url, timeoutMs).then(
        (ms) => {
          latencies.push(ms);
        },
        (error: Error) => {
          failures.push(error.message);
        },
      ),
    );
    await new Promise((r) => setTimeout(r, everyMs));
  }
  await Promise.all(pending);
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return {
    count: latencies.length + failures.length,
    ok: latencies.length,
    p50: at(0.5),
    p99: at(0.99),
    max: latencies.at(-1) ?? Number.NaN,
    failures,
  };
}

function once(url: string, timeoutMs: number): Promise<number> {
  const started = performance.now();
  return new Promise((ok, fail) => {
    const req = http.get(url, { agent: false }, (res) => {
      res.resume();
      res.on("end", () => {
        if (res.statusCode === 200) ok(performance.now() - started);
        else fail(new Error(`${url} answered ${res.statusCode}`));
      });
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${url} did not answer within ${timeoutMs} ms`)));
    req.on("error", fail);
  });
}
