// What `herald doctor` found: one result per check, each with what was seen and, when it is not right,
// what to change. Pure: the checks fill it in, the CLI prints it as text or JSON.

export type CheckStatus = "pass" | "warn" | "fail";

/** The checks, in the order they are reported. */
export const CHECKS = {
  "site-url": "site.url",
  tls: "TLS",
  clock: "Clock",
  webfinger: "WebFinger",
  actor: "Actor",
  article: "Article",
  nodeinfo: "NodeInfo",
  delivery: "Delivery",
  feeds: "Feeds",
  covers: "Covers",
} as const;

export type CheckId = keyof typeof CHECKS;

export interface CheckResult {
  id: CheckId;
  status: CheckStatus;
  /** What was seen, in a sentence or two. */
  finding: string;
  /** What to change; absent when there is nothing to do. */
  fix?: string;
}

export interface DoctorReport {
  /** The origin checked, as remote servers reach it. */
  url: string;
  /** No check failed (warnings allowed): the exit code is 0. */
  ok: boolean;
  checks: CheckResult[];
}

export const pass = (id: CheckId, finding: string): CheckResult => ({ id, status: "pass", finding });
export const warn = (id: CheckId, finding: string, fix?: string): CheckResult =>
  fix === undefined ? { id, status: "warn", finding } : { id, status: "warn", finding, fix };
export const fail = (id: CheckId, finding: string, fix: string): CheckResult => ({
  id,
  status: "fail",
  finding,
  fix,
});

/** A failure described elsewhere (an unreachable URL, a failed negotiation). */
export const failed = (id: CheckId, problem: { finding: string; fix: string }): CheckResult =>
  fail(id, problem.finding, problem.fix);

export function report(url: string, results: readonly CheckResult[]): DoctorReport {
  const order = Object.keys(CHECKS);
  const checks = [...results].sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
  return { url, ok: checks.every((c) => c.status !== "fail"), checks };
}

const MARKS: Record<CheckStatus, string> = { pass: "✓", warn: "!", fail: "✗" };

/** One line per check: mark, name, finding, and the fix when there is one. */
export function formatReport(r: DoctorReport): string {
  const width = Math.max(...Object.values(CHECKS).map((t) => t.length));
  const lines = [`herald doctor: ${r.url}`];
  for (const c of r.checks) {
    const fix = c.fix ? ` Fix: ${c.fix}` : "";
    lines.push(`${MARKS[c.status]} ${CHECKS[c.id].padEnd(width)}  ${c.finding}${fix}`);
  }
  const failed = r.checks.filter((c) => c.status === "fail").length;
  const warned = r.checks.filter((c) => c.status === "warn").length;
  const warnings = warned === 1 ? "1 warning" : `${warned} warnings`;
  lines.push(
    failed === 0
      ? `All ${r.checks.length} checks passed${warned ? ` (${warnings})` : ""}.`
      : `${failed} of ${r.checks.length} checks failed${warned ? `, ${warnings}` : ""}.`,
  );
  return lines.join("\n");
}
