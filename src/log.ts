import pino, { type Logger } from "pino";

export type { Logger };

/** The one root logger. Modules take `log.child({ module })`; messages are constant, data goes in fields. */
export function createLogger(
  level: string,
  destination?: pino.DestinationStream,
  { fd = 1 }: { fd?: 1 | 2 } = {},
): Logger {
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
    destination ?? defaultDestination(fd),
  );
}

/** JSON lines, or pino-pretty when a person is watching the terminal. */
function defaultDestination(fd: 1 | 2): pino.DestinationStream {
  const stream = fd === 1 ? process.stdout : process.stderr;
  if (stream.isTTY && process.env.HERALD_LOG_FORMAT !== "json") {
    return pino.transport({
      target: "pino-pretty",
      options: { destination: fd, translateTime: "SYS:HH:MM:ss" },
    });
  }
  return pino.destination({ fd, sync: false });
}

const LOGTAPE_LEVELS = {
  trace: "trace",
  debug: "debug",
  info: "info",
  warning: "warn",
  error: "error",
  fatal: "fatal",
} as const;

/** Property names that may carry key material or whole queue messages: never logged. */
const SECRET_PROPERTIES = new Set(["keys", "privateKey", "keyPair", "message", "jwk"]);

/**
 * Routes Fedify's LogTape records into the same pino stream: one line per event, the category as
 * `module`, properties as fields (minus anything that may hold keys).
 */
export async function routeFedifyLogs(log: Logger): Promise<void> {
  const { configure } = await import("@logtape/logtape");
  const fedify = log.child({ module: "fedify" });
  // Fedify's info lines carry whole activities: only worth it when debugging.
  const lowest = log.level === "trace" ? "trace" : log.level === "debug" ? "info" : "warning";
  await configure({
    reset: true,
    sinks: {
      pino: (record) => {
        const fields: Record<string, unknown> = { category: record.category.join(".") };
        for (const [key, value] of Object.entries(record.properties)) {
          if (!SECRET_PROPERTIES.has(key)) fields[key] = value instanceof URL ? value.href : value;
        }
        const text = record.message
          .map((part) => (typeof part === "string" ? part : JSON.stringify(part)))
          .join("");
        fedify[LOGTAPE_LEVELS[record.level]](fields, text);
      },
    },
    loggers: [
      { category: ["fedify"], sinks: ["pino"], lowestLevel: lowest },
      { category: ["logtape", "meta"], sinks: [], lowestLevel: "warning" },
    ],
  });
}
