/** The CLI's exit codes (README, "Commands"). */
export const EXIT = { ok: 0, rejected: 1, config: 2, usage: 64, unavailable: 69 } as const;
