// `herald serve`: starts the server in one role and runs until SIGTERM or SIGINT; SIGHUP reloads the config.
import { writeSync } from "node:fs";
import type { Config } from "../config/load.ts";
import { createLogger, logFormat } from "../log.ts";
import type { Role } from "../roles.ts";
import { startServer } from "../serve.ts";
import { startBanner } from "./banner.ts";
import { EXIT } from "./exit.ts";

export async function serveCommand(config: Config, role: Role): Promise<number> {
  const log = createLogger(config.log.level);
  const server = await startServer(config, log, { role });
  if (logFormat() === "pretty")
    writeSync(
      1,
      startBanner({
        config: server.herald.config,
        role,
        port: server.port,
        federated: server.federation !== undefined,
      }),
    );
  await new Promise<void>((done) => {
    const stop = (signal: string): void => {
      log.info({ signal }, "shutting down");
      void server.close().then(done);
    };
    // SIGHUP reloads the config file (as saving it does); without a listener it would end the process.
    const reload = (): void => void server.reload("signal");
    process.on("SIGHUP", reload);
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  log.flush();
  return EXIT.ok;
}
