// A round-robin TCP balancer on 127.0.0.1, standing in for the load balancer in front of several
// Herald web processes: each new connection goes to the next backend port in turn, bytes are piped
// untouched. `connections[i]` counts what backend i was given. Backends can be added once they
// listen (a process started with PORT=0 says its port in its log).
import net from "node:net";

export interface Balancer {
  port: number;
  origin: string;
  readonly backends: readonly number[];
  readonly connections: number[];
  add(port: number): void;
  close(): Promise<void>;
}

export async function startBalancer(initial: readonly number[] = []): Promise<Balancer> {
  const backends = [...initial];
  const connections = backends.map(() => 0);
  const sockets = new Set<net.Socket>();
  let next = 0;
  const server = net.createServer((client) => {
    if (backends.length === 0) {
      client.destroy();
      return;
    }
    const i = next++ % backends.length;
    connections[i]!++;
    const upstream = net.connect(backends[i]!, "127.0.0.1");
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.once("close", () => sockets.delete(s));
      s.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    backends,
    connections,
    add(backend) {
      backends.push(backend);
      connections.push(0);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
