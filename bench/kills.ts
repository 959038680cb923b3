// Repeats per kill -9 during a fan-out: node bench/kills.ts FOLLOWERS CONCURRENCY KILLS
// Prints one JSON line: { ms, maxRssMb, followers, concurrency, kills, repeats, reached }.
import { killLoop } from "../tests/helpers/kill-loop.ts";

const started = performance.now();
const result = await killLoop({
  followers: Number(process.argv[2] ?? 60),
  concurrency: Number(process.argv[3] ?? 4),
  kills: Number(process.argv[4] ?? 8),
});
console.log(
  JSON.stringify({
    ms: performance.now() - started,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    ...result,
  }),
);
