// A loopback web server standing in for the sites reprinted images live on: it answers, is slow,
// 404s, redirects, lies about types and sizes, and goes down. Every request is counted per path.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export type Route = (req: IncomingMessage, res: ServerResponse) => void;

export interface ImageServer {
  /** `http://127.0.0.1:PORT` (or `localhost` with `host: "localhost"`). */
  readonly origin: string;
  readonly port: number;
  /** Requests per path, query included. */
  readonly hits: Map<string, number>;
  route(path: string, handler: Route): void;
  /** Stops listening and cuts open connections: the site is down. */
  close(): Promise<void>;
}

export const routes = {
  bytes:
    (body: Uint8Array, type = "application/octet-stream"): Route =>
    (_req, res) => {
      res.writeHead(200, { "Content-Type": type, "Content-Length": body.length });
      res.end(body);
    },
  status:
    (code: number): Route =>
    (_req, res) => {
      res.writeHead(code, { "Content-Type": "text/html" });
      res.end(`<h1>${code}</h1>`);
    },
  redirect:
    (location: string, code = 302): Route =>
    (_req, res) => {
      res.writeHead(code, { Location: location });
      res.end();
    },
  /** Headers after `ms`, then the body: a server that takes its time. */
  slow:
    (ms: number, body: Uint8Array): Route =>
    (_req, res) => {
      const timer = setTimeout(() => routes.bytes(body)(_req, res), ms);
      res.on("close", () => clearTimeout(timer));
    },
  /** Announces `declared` bytes; sends a few and keeps the connection open. */
  declares:
    (declared: number): Route =>
    (_req, res) => {
      res.writeHead(200, { "Content-Type": "image/jpeg", "Content-Length": declared });
      res.write(Buffer.alloc(16));
    },
  /** Chunked (no Content-Length), `total` bytes in 64 KB chunks. */
  chunked:
    (total: number): Route =>
    (_req, res) => {
      res.writeHead(200, { "Content-Type": "image/jpeg" });
      let sent = 0;
      const chunk = Buffer.alloc(64 * 1024, 0xff);
      const more = (): void => {
        while (sent < total && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) {
            res.once("drain", more);
            return;
          }
        }
        res.end();
      };
      more();
    },
};

export async function startImageServer(
  options: { host?: "127.0.0.1" | "localhost" } = {},
): Promise<ImageServer> {
  const table = new Map<string, Route>();
  const hits = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const path = req.url ?? "/";
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const handler = table.get(path);
    if (handler) handler(req, res);
    else routes.status(404)(req, res);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://${options.host ?? "127.0.0.1"}:${port}`,
    port,
    hits,
    route: (path, handler) => table.set(path, handler),
    close: () =>
      new Promise<void>((ok) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => ok());
      }),
  };
}
