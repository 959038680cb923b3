import pino, { type Logger } from "pino";

export type { Logger };

/** The one root logger. Modules take `log.child({ module })`; messages are constant, data goes in fields. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: ["*.token", "*.password", "*.privateKey", "headers.authorization", "headers.cookie"],
        remove: true,
      },
    },
    destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
