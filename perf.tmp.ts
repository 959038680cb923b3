import { readFileSync } from "node:fs";
import MarkdownIt from "markdown-it";
import { parseArticle } from "./src/content/parse.ts";
import { sanitizeArticleHtml } from "./src/content/sanitize.ts";
import { siteUrls } from "./src/urls.ts";
const ctx = { urls: siteUrls("https://news.example.org/"), contentDir: "/work/main/content", timezone: "Asia/Shanghai", language: "zh-CN", summaryLength: 140, maxBytes: 5e6, patterns: {} };
for (const p of ["2026-11-shenzhen-library.md", "tidal-energy/index.md"]) {
  const bytes = readFileSync(`/work/main/content/${p}`);
  const md = new MarkdownIt({ html: true, linkify: true });
  const text = bytes.toString("utf8");
  const N = 3000;
  for (let round = 0; round < 2; round++) {
  let t = performance.now();
  for (let i = 0; i < N; i++) parseArticle(p, bytes, ctx);
  const total = (performance.now() - t) / N * 1000;
  t = performance.now();
  for (let i = 0; i < N; i++) md.render(text);
  const render = (performance.now() - t) / N * 1000;
  const html = md.render(text);
  t = performance.now();
  for (let i = 0; i < N; i++) sanitizeArticleHtml(html, "https://news.example.org/articles/x/");
  const san = (performance.now() - t) / N * 1000;
  console.log(p, bytes.length, "bytes: total", total.toFixed(0), "µs; md.render", render.toFixed(0), "µs; our sanitize", san.toFixed(0), "µs");
  }
}
