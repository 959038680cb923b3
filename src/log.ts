import { writeSync } from "node:fs";
import { createRequire } from "node:module";
import pino, { type Logger } from "pino";

export type { Logger };

/** `json`: pino's JSON lines; `pretty`: one readable line per event, for a person at a terminal. */
export type LogFormat = "json" | "pretty";

/** HERALD_LOG_FORMAT (`json` or `pretty`) wins; otherwise pretty exactly when the stream is a terminal. */
export function logFormat(fd: 1 | 2 = 1): LogFormat {
  const forced = process.env.HERALD_LOG_FORMAT;
  if (forced === "json" || forced === "pretty") return forced;
  return (fd === 1 ? process.stdout : process.stderr).isTTY ? "pretty" : "json";
}

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

function defaultDestination(fd: 1 | 2): pino.DestinationStream {
  return logFormat(fd) === "pretty" ? prettyDestination(fd) : pino.destination({ fd, sync: false });
}

/**
 * One line per event: time, level, `module: message`, then the other fields as JSON (errors
 * included, their stacks escaped). Formatted and written synchronously in this thread, so a line
 * printed after a log call (the start-up banner) comes after it. pino-pretty is loaded only here.
 */
function prettyDestination(fd: 1 | 2): pino.DestinationStream {
  const require = createRequire(import.meta.url);
  const { prettyFactory } = require("pino-pretty") as typeof import("pino-pretty");
  const prettify = prettyFactory({
    singleLine: true,
    translateTime: "SYS:HH:MM:ss",
    colorize: (fd === 1 ? process.stdout : process.stderr).isTTY === true,
    ignore: "module",
    messageFormat: "{if module}{module}: {end}{msg}",
    errorLikeObjectKeys: [],
  });
  return {
    write(line: string) {
      writeSync(fd, prettify(line));
    },
  };
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
