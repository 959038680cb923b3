// Loopback inbox servers for the fan-out benchmarks: plain node:http in a worker thread (their HTTP
// work stays off the measuring thread's event loop), answering 202 at once, verifying nothing. They
// count, per round (an article named `round-N`), the Creates each server received and the distinct
// inbox paths that received one; a path that receives the same round twice counts as a duplicate.
import { Worker } from "node:worker_threads";

/**
 * HOSTS servers. The worker reports its ports; then, for each `{ round, perHost }` it is sent, the
 * times (performance.timeOrigin-based) of the first and last Create of that round, once every server
 * has `perHost` Creates of it.
 */
const INBOXES = `
const http = require("node:http");
const { parentPort, workerData } = require("node:worker_threads");
const now = () => performance.timeOrigin + performance.now();
const rounds = new Map(); // round -> { perHost, counts, complete, first, paths }
let duplicates = 0;
const servers = [];
function round(n) {
  let r = rounds.get(n);
  if (!r) rounds.set(n, (r = { perHost: Infinity, counts: new Array(workerData.hosts).fill(0), complete: 0, first: 0, paths: new Set() }));
  return r;
}
function check(n, r) {
  if (r.complete === workerData.hosts && !r.reported) {
    r.reported = true;
    parentPort.postMessage({ round: n, firstAt: r.first, allAt: r.last, creates: r.counts.reduce((a, b) => a + b, 0), duplicates });
  }
}
(async () => {
  for (let i = 0; i < workerData.hosts; i++) {
    const server = http.createServer((req, res) => {
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        res.writeHead(202).end();
        if (req.method !== "POST") return;
        const body = Buffer.concat(chunks).toString("utf8");
        const m = /"id":"[^"]*\\/objects\\/round-(\\d+)#create"/.exec(body);
        if (!m) return;
        const n = Number(m[1]);
        const r = round(n);
        const key = i + " " + req.url;
        if (r.paths.has(key)) duplicates++;
        r.paths.add(key);
        const t = now();
        if (r.first === 0) r.first = t;
        r.last = t;
        if (++r.counts[i] === r.perHost) r.complete++;
        check(n, r);
      });
    });
    server.keepAliveTimeout = 60000;
    await new Promise((r) => server.listen(0, "127.0.0.1", r));
    servers.push(server);
  }
  parentPort.postMessage({ ports: servers.map((s) => s.address().port) });
  parentPort.on("message", (msg) => {
    if (msg === "stop") {
      for (const s of servers) s.closeAllConnections(), s.close();
      parentPort.close();
      return;
    }
    const r = round(msg.round);
    r.perHost = msg.perHost;
    r.complete = r.counts.filter((c) => c >= r.perHost).length;
    check(msg.round, r);
  });
})();
`;

export interface RoundResult {
  round: number;
  /** Epoch milliseconds (performance.timeOrigin + performance.now() in the worker). */
  firstAt: number;
  allAt: number;
  /** Creates of this round received, duplicates included. */
  creates: number;
  /** Repeated deliveries to one inbox path, over every round so far. */
  duplicates: number;
}

export interface InboxServers {
  ports: number[];
  /** Resolves once every server received `perHost` Creates of article `round-N`. */
  expect(round: number, perHost: number): Promise<RoundResult>;
  stop(): Promise<void>;
}

export async function startInboxServers(hosts: number): Promise<InboxServers> {
  const worker = new Worker(INBOXES, { eval: true, workerData: { hosts } });
  const { ports } = await new Promise<{ ports: number[] }>((r) => worker.once("message", r));
  const rounds = new Map<number, (r: RoundResult) => void>();
  worker.on("message", (r: RoundResult) => rounds.get(r.round)?.(r));
  return {
    ports,
    expect(round, perHost) {
      const done = new Promise<RoundResult>((r) => rounds.set(round, r));
      worker.postMessage({ round, perHost });
      return done;
    },
    async stop() {
      worker.postMessage("stop");
      await worker.terminate();
    },
  };
}
