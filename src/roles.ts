// What one `herald serve` process does (see serve.ts); parsed by the CLI before anything loads.
export const ROLES = ["all", "web", "worker", "scheduler"] as const;
export type Role = (typeof ROLES)[number];
