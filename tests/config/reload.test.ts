import { describe, expect, it } from "vitest";
import { fromObject } from "../../src/config/load.ts";
import { planReload } from "../../src/config/reload.ts";

const load = (raw: Record<string, unknown>) => fromObject(raw, { base: "/srv/herald", env: {} });

describe("planReload", () => {
  it("applies schedules, publishing, feeds and site text, and names what changed", () => {
    const running = load({ site: { url: "https://news.example.org/" } });
    const plan = planReload(
      running,
      load({
        site: { url: "https://news.example.org/", title: "Evening News" },
        schedule: { scan: "*/2 * * * *" },
        publishing: { maxPerHour: 4 },
        feeds: { limit: 5 },
      }),
    );
    expect(plan.needsRestart).toEqual([]);
    expect(plan.changed.toSorted()).toEqual([
      "feeds.limit",
      "publishing.maxPerHour",
      "schedule.scan",
      "site.title",
    ]);
    expect(plan.config.schedule.scan).toBe("*/2 * * * *");
    expect(plan.config.feeds.limit).toBe(5);
    expect(plan.config.site.title).toBe("Evening News");
  });

  it("keeps the running value of every key that needs a restart, and says which", () => {
    const running = load({ site: { url: "https://news.example.org/" }, server: { port: 8080 } });
    const plan = planReload(
      running,
      load({
        site: { url: "https://other.example.org/" },
        server: { port: 9090, host: "127.0.0.1" },
        database: { url: "postgres://herald@db/herald" },
        data: { dir: "elsewhere" },
        bot: { username: "other", name: "Renamed" },
        log: { level: "debug" },
      }),
    );
    expect(plan.needsRestart.toSorted()).toEqual([
      "bot.username",
      "data.dir",
      "database.url",
      "log.level",
      "server.host",
      "server.port",
      "site.url",
    ]);
    expect(plan.changed).toEqual(["bot.name"]);
    expect(plan.config).toMatchObject({
      server: { port: 8080, host: "0.0.0.0" },
      site: { url: "https://news.example.org/" },
      database: { url: undefined },
      data: { dir: "/srv/herald/data" },
      bot: { username: "news", name: "Renamed" },
      log: { level: "info" },
    });
  });

  it("sees a site.url newly set over one that followed the port as needing a restart", () => {
    const plan = planReload(load({}), load({ site: { url: "http://localhost:8080/" } }));
    expect(plan.needsRestart).toEqual(["site.url"]);
    expect(plan.changed).toEqual([]);
    expect(plan.config.site.urlFollowsPort).toBe(true);
  });

  it("finds nothing to do in the same file", () => {
    const plan = planReload(load({ feeds: { limit: 3 } }), load({ feeds: { limit: 3 } }));
    expect(plan).toMatchObject({ changed: [], needsRestart: [] });
  });
});
