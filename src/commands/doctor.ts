// `herald doctor`: checks the deployment from outside, as a remote server would, and prints each
// finding with its fix. Exit 0 when nothing failed (warnings allowed), 1 otherwise.
import type { Config } from "../config/load.ts";
import { formatReport } from "../doctor/report.ts";
import { runDoctor } from "../doctor/run.ts";
import { signingKeyReader } from "../store/signing-keys.ts";
import { EXIT } from "./exit.ts";

export async function doctorCommand(
  config: Config,
  options: { url?: string; json?: boolean },
): Promise<number> {
  const report = await runDoctor({
    config,
    ...(options.url ? { url: options.url } : {}),
    keys: await signingKeyReader(config),
  });
  console.log(options.json ? JSON.stringify(report, null, 2) : formatReport(report));
  return report.ok ? EXIT.ok : EXIT.rejected;
}
