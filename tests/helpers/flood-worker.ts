// A flood of unsigned inbox POSTs from its own process, so the process under test only serves it.
//   node tests/helpers/flood-worker.ts URL RATE SECONDS BODY_BYTES
// Sends RATE requests per second for SECONDS on loopback (at most 512 in flight: a slow server makes
// it skip, counted, rather than pile up), then prints one JSON line: { sent, skipped, statuses, errors }.
import http from "node:http";

const [target = "", rate = "1000", seconds = "20", bodyBytes = "2048"] = process.argv.slice(2);
const url = new URL(target);
if (!["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)) throw new Error(`loopback only: ${target}`);

const MAX_IN_FLIGHT = 512;
const follow = {
  "@context": "https://www.w3.org/ns/activitystreams",
  id: "http://127.0.0.1:9/users/flood#follow",
  type: "Follow",
  actor: "http://127.0.0.1:9/users/flood",
  object: `${url.origin}/users/news`,
};
const base = JSON.stringify(follow);
const body = Buffer.from(
  Number(bodyBytes) > base.length + 20
    ? JSON.stringify({ ...follow, padding: "x".repeat(Number(bodyBytes) - base.length - 14) })
    : base,
);
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const statuses: Record<string, number> = {};
let sent = 0;
let skipped = 0;
let errors = 0;
let inFlight = 0;

function fire(): void {
  if (inFlight >= MAX_IN_FLIGHT) {
    skipped++;
    return;
  }
  inFlight++;
  sent++;
  const req = http.request(url, {
    method: "POST",
    agent,
    headers: { "Content-Type": "application/activity+json", "Content-Length": body.length },
  });
  const done = () => {
    inFlight--;
  };
  req.on("response", (res) => {
    statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1;
    res.resume();
    res.on("end", done);
  });
  req.on("error", () => {
    errors++;
    done();
  });
  req.setTimeout(10_000, () => req.destroy(new Error("timeout")));
  req.end(body);
}

// Ticks of 10 ms, each sending what is due, so the rate holds even when timers are late.
const started = performance.now();
const end = started + Number(seconds) * 1000;
let due = 0;
const timer = setInterval(() => {
  const now = performance.now();
  const target = Math.floor(((Math.min(now, end) - started) / 1000) * Number(rate));
  while (due < target) {
    fire();
    due++;
  }
  if (now >= end) {
    clearInterval(timer);
    const wait = setInterval(() => {
      if (inFlight > 0 && performance.now() < end + 15_000) return;
      clearInterval(wait);
      agent.destroy();
      console.log(JSON.stringify({ sent, skipped, statuses, errors, inFlight }));
    }, 50);
  }
}, 10);
