// A synthetic, deterministic content corpus for benchmarks.
//   node bench/generate.ts DIR COUNT [SEED]
// Half the articles are Chinese reprints (via line, editor's note, remote image + caption, source
// section, author bio, credits), half English. About one in five is a folder article
// (`NAME/index.md`) with a small real PNG beside it. Same seed, same bytes.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { crc32, deflateSync } from "node:zlib";

export interface GenerateOptions {
  /** PRNG seed; the same seed and count give the same files. Default 1. */
  seed?: number;
}

type Rng = () => number;

/** mulberry32: tiny, fast, good enough for test data. Returns floats in [0, 1). */
function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (rng: Rng, lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
const pad = (n: number, w = 2): string => String(n).padStart(w, "0");

function pickSome<T>(rng: Rng, xs: readonly T[], n: number): T[] {
  const pool = [...xs];
  const out: T[] = [];
  while (out.length < n && pool.length > 0) out.push(pool.splice(Math.floor(rng() * pool.length), 1)[0]!);
  return out;
}

/** Draws sentences without repeats until the pool runs out, then reshuffles. */
function deck(rng: Rng, pool: readonly string[]): () => string {
  let cards: string[] = [];
  return () => {
    if (cards.length === 0) cards = pickSome(rng, pool, pool.length);
    return cards.pop()!;
  };
}

// ---------------------------------------------------------------------------------------------
// One small, valid PNG (96x54 RGB gradient), built once.

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function makePng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const o = row + 1 + x * 3;
      const sea = y > height * 0.62 + Math.sin(x / 9) * 3;
      raw[o] = sea ? 24 : 170 + Math.round((x / width) * 60);
      raw[o + 1] = sea ? 80 + Math.round((y / height) * 30) : 200 + Math.round((y / height) * 40);
      raw[o + 2] = sea ? 120 : 235;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", deflateSync(raw, { level: 9 })),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

let png: Buffer | undefined;

// ---------------------------------------------------------------------------------------------
// Dates: spread over 2024-01-01 .. 2025-12-31, some with an offset, some without.

const START = Date.UTC(2024, 0, 1);
const SPAN_MINUTES = 731 * 24 * 60;
const OFFSETS = [480, 480, 480, 0, 60, -300, 540]; // minutes east of UTC

function wallClock(utcMs: number, offsetMin: number): { d: string; t: string } {
  const w = new Date(utcMs + offsetMin * 60_000);
  return {
    d: `${w.getUTCFullYear()}-${pad(w.getUTCMonth() + 1)}-${pad(w.getUTCDate())}`,
    t: `${pad(w.getUTCHours())}:${pad(w.getUTCMinutes())}`,
  };
}

interface Dates {
  /** The `date:` value as written in YAML (already quoted where needed). */
  yaml: string;
  /** The `updated:` value, or undefined. */
  updatedYaml?: string;
  year: number;
  day: string;
  zhDay: string;
}

function makeDates(rng: Rng): Dates {
  const utc = START + int(rng, 0, SPAN_MINUTES - 1) * 60_000;
  const style = rng();
  const offset = pick(rng, OFFSETS);
  const { d, t } = wallClock(utc, offset);
  const sign = offset < 0 ? "-" : "+";
  const off = `${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  let yaml: string;
  if (style < 0.45) yaml = `${d}T${t}:00${offset === 0 && rng() < 0.5 ? "Z" : off}`;
  else if (style < 0.7)
    yaml = `${d} ${t}`; // no offset: site timezone applies
  else if (style < 0.85)
    yaml = d; // date only
  else yaml = `"${d}T${t}:00${off}"`; // quoted: a string, not a YAML timestamp
  let updatedYaml: string | undefined;
  if (rng() < 0.15) {
    const later = wallClock(utc + int(rng, 1, 20 * 24 * 60) * 60_000, offset);
    updatedYaml = `${later.d}T${later.t}:00${off}`;
  }
  const [y, m, dd] = d.split("-").map(Number) as [number, number, number];
  return { yaml, updatedYaml, year: y, day: d, zhDay: `${y}年${m}月${dd}日` };
}

// ---------------------------------------------------------------------------------------------
// Chinese reprints. All text below is written for this generator.

const ZH_PLACES = [
  "南岸区",
  "东湖街道",
  "青石镇",
  "海港新区",
  "北门社区",
  "西山县",
  "临江市",
  "白沙湾",
  "梧桐里",
  "云溪村",
];
const ZH_PAPERS: readonly [string, string][] = [
  ["南岸晚报", "nanan-evening"],
  ["临江日报", "linjiang-daily"],
  ["海港时报", "harbor-times"],
  ["城市观察周刊", "city-weekly"],
  ["西山新闻网", "xishan-news"],
];
const ZH_TOPICS: readonly [string, string, string][] = [
  ["社区图书馆延长开放时间", "图书馆", "文化"],
  ["老旧小区加装电梯", "电梯", "城市"],
  ["公交线路重新规划", "公交", "交通"],
  ["菜市场改造完成", "菜市场", "民生"],
  ["河道清淤工程启动", "河道", "环境"],
  ["夜间托管班试运行", "托管", "教育"],
  ["共享工具屋开放", "工具屋", "社区"],
  ["旧厂房改建青年公寓", "公寓", "住房"],
  ["山区学校引入远程课堂", "远程课堂", "教育"],
  ["渔港码头加固", "码头", "海洋"],
];
const ZH_NAMES = ["王小明", "李华", "张晓宁", "陈思远", "刘一帆", "赵静", "孙浩然", "周雨桐", "吴敏", "郑可"];
const ZH_TAGS = ["社区", "城市", "民生", "交通", "环境", "教育", "文化", "住房", "海洋", "公共服务"];
const ZH_SENTENCES = [
  "{place}的居民对这件事讨论已久，真正落地却花了将近{n}个月。",
  "负责项目的工作人员说，最难的不是资金，而是把各方意见汇总到一张图纸上。",
  "试运行第一周，每天前来的人数只有十几位，到了第三周已经翻了一倍。",
  "一位在附近住了二十多年的老人说，这是她第一次觉得街道的变化和自己有关。",
  "街道办在入口处放了一块留言板，上面贴满了手写的建议和感谢。",
  "有人担心后续维护跟不上，项目方表示已经和两家本地企业签订了三年的服务协议。",
  "据统计，{place}目前约有{n}千户家庭会直接受益。",
  "志愿者团队由退休教师、大学生和附近商户组成，每周轮流值班。",
  "在前期调研中，超过六成受访者把“方便”排在第一位，其次才是“省钱”。",
  "施工期间，部分路段实行临时交通管制，附近居民需要绕行约{n}百米。",
  "负责人坦言，第一版方案在听证会上被否决，后来又改了三轮。",
  "一些年轻人利用下班后的时间参与进来，帮忙整理资料、拍摄记录。",
  "项目的总投入不算大，但每一笔支出都在公告栏上公开列出。",
  "对于下一步计划，街道希望把经验整理成手册，供周边社区参考。",
  "记者走访时看到，几个孩子正围着工作人员问东问西。",
  "也有居民提出不同意见，认为应该先解决停车难的问题。",
  "相关部门表示，会在年底前组织一次满意度调查，根据结果调整细节。",
  "这类小规模的改造往往不上新闻头条，却实实在在改变着日常生活。",
  "一位店主说，自从改造完成后，傍晚来店里的顾客明显多了。",
  "专家认为，关键在于让居民从一开始就参与决策，而不是事后通知。",
  "根据规划，第二阶段工程将在明年春天启动，预计持续{n}个月。",
  "雨季到来之前，工作人员又逐一检查了排水设施。",
  "项目开始时，不少人抱着观望的态度，如今报名参与的人越来越多。",
  "有人把这里形容为“家门口的客厅”，这个说法很快在邻里之间传开了。",
  "最初的提议来自一份由{n}百多位居民联名签署的建议书。",
  "开放第一个月后，管理方根据实际人流调整了时间安排，傍晚时段明显更忙。",
  "保险和安全评估是耗时最长的环节，比施工本身还要久。",
  "预留的应急经费到目前为止几乎没有动用。",
  "过去居民要办同样的事，得坐四十分钟的车，遇上下雨还要更久。",
  "常来的人有了自己固定的位置，新来的人总会被热心的邻居领着熟悉环境。",
  "在最近一次居民会上，大家争论最多的竟然是栏杆该刷什么颜色。",
  "夏天公布的数据显示，使用人数自开放以来每个月都在增长。",
  "周边几个街道已经派人来参观，打算借鉴其中的做法。",
  "部分建材来自附近拆除的旧楼，既节省了成本，也留住了一点老街的记忆。",
];
const ZH_NOTES = [
  "我们转载这篇报道，是因为它记录了一件小事如何在社区里慢慢落地。",
  "城市更新并不总是大工程，本文提供了一个具体而细微的样本。",
  "文中数据来自原报道，我们未作独立核实，仅对文字做了少量删节。",
  "读者来信中常有人问起类似的做法，这篇文章或许能提供一些参考。",
];

function zhParagraph(rng: Rng, draw: () => string, place: string, sentences: number): string {
  let p = "";
  for (let i = 0; i < sentences; i++)
    p += draw()
      .replace("{place}", place)
      .replace("{n}", String(int(rng, 2, 9)));
  return p;
}

function chineseArticle(
  rng: Rng,
  i: number,
  image: string,
  dates: Dates,
  cover: boolean,
): { name: string; text: string } {
  const place = pick(rng, ZH_PLACES);
  const [topic, short, tag] = pick(rng, ZH_TOPICS);
  const [paper, paperSlug] = pick(rng, ZH_PAPERS);
  const [author, translator, editor] = pickSome(rng, ZH_NAMES, 3) as [string, string, string];
  const title = `${place}${topic}：${pick(rng, ["三个月后怎么样了", "居民怎么看", "一线观察", "背后的账本", "下一步往哪走"])}`;
  const url = `https://news.example.com/${paperSlug}/${dates.day.replaceAll("-", "/")}/${i}`;
  const tags = [tag, ...pickSome(rng, ZH_TAGS, int(rng, 0, 2)).filter((t) => t !== tag)];

  const fm = [`title: ${title}`, `date: ${dates.yaml}`];
  if (dates.updatedYaml) fm.push(`updated: ${dates.updatedYaml}`);
  if (rng() < 0.7) fm.push(`tags: [${tags.join(", ")}]`);
  if (rng() < 0.3) fm.push("lang: zh-CN");
  if (cover) fm.push(`cover: ${image}`, `cover_alt: ${place}的${short}外景`);

  const draw = deck(rng, ZH_SENTENCES);
  const body: string[] = [
    `${pick(rng, ["转载自", "本文转载自", "转自"])}[${paper}](${url})`,
    `**编者按：** ${pickSome(rng, ZH_NOTES, 2).join("")}`,
  ];
  for (let k = 0; k < 4; k++) body.push(zhParagraph(rng, draw, place, int(rng, 3, 6)));
  const imgUrl = image !== "" ? image : `https://images.example.com/${paperSlug}/${dates.year}/${i}.jpg`;
  body.push(`![${place}的${short}](${imgUrl})`);
  body.push(`图片说明：${place}的${short}，摄于${dates.zhDay}。`);
  for (let k = 0; k < 4; k++) body.push(zhParagraph(rng, draw, place, int(rng, 3, 6)));
  body.push("## 信息来源");
  body.push(`原文：[《${title}》](${url})，${paper}，${dates.zhDay}。`);
  body.push(`作者简介：${author}，${paper}记者，关注${tag}与基层治理。`);
  body.push(`编译：${translator} ｜ 编辑：${editor}`);

  const cjkName = rng() < 0.4;
  const name = cjkName ? `${pad(i, 5)}-${place}${short}` : `${pad(i, 5)}-${paperSlug}-${dates.day}`;
  return { name, text: `---\n${fm.join("\n")}\n---\n\n${body.join("\n\n")}\n` };
}

// ---------------------------------------------------------------------------------------------
// English articles.

const EN_PLACES = [
  "Kelness",
  "Marrow Bay",
  "Eastfield",
  "Low Harton",
  "Pike Crossing",
  "Sallow Point",
  "Brinmoor",
  "Oxley Wharf",
];
const EN_TOPICS: readonly [string, string, string][] = [
  ["ferry timetable", "ferry", "transport"],
  ["night bus trial", "bus", "transport"],
  ["tidal turbine", "turbine", "energy"],
  ["school garden", "garden", "education"],
  ["repair café", "workshop", "community"],
  ["flood barrier", "barrier", "climate"],
  ["library extension", "library", "culture"],
  ["market hall", "market", "local"],
];
const EN_PAPERS: readonly [string, string][] = [
  ["Coastal Ledger", "coast.example.net"],
  ["The Harton Post", "post.example.org"],
  ["Valley Courier", "courier.example.com"],
  ["Northern Review", "review.example.net"],
];
const EN_PEOPLE = [
  "Maren Holt",
  "Sam Okafor",
  "Priya Nair",
  "Jonas Weber",
  "Ellen Marsh",
  "Tomás Rivera",
  "Ada Lindqvist",
  "Kwame Mensah",
];
const EN_TAGS = [
  "transport",
  "energy",
  "education",
  "community",
  "climate",
  "culture",
  "local",
  "housing",
  "coast",
];
const EN_SENTENCES = [
  "Residents of {place} had asked for the change for years, and the council finally agreed in the spring.",
  "The first weeks were quiet, but numbers doubled once word spread through the school gates.",
  "A volunteer rota keeps things running in the evenings, mostly retired teachers and students.",
  "Critics argue the money would have been better spent on road repairs, and say so at every meeting.",
  "Officials expect about {n} thousand people to benefit directly from the scheme.",
  "The project manager admits the first design was rejected and redrawn three times.",
  "Every invoice is pinned to a noticeboard by the door, which people seem to appreciate.",
  "Local shops report more customers in the early evening since the work finished.",
  "A survey last winter found that convenience mattered more to people than cost.",
  "Works will close part of the harbour road for {n} weeks, with a signed diversion.",
  "Engineers say maintenance is the real test, and have signed a three-year service contract.",
  "One long-time resident said it was the first change in decades that felt like it was meant for her.",
  "The council plans to publish what it learned so that neighbouring towns can copy the idea.",
  "Children on the way home from school stopped to ask the crew what they were building.",
  "Not everyone is convinced; some would rather the parking problem had been fixed first.",
  "A second phase is planned for next year and should take around {n} months.",
  "Small schemes like this rarely make headlines, yet they shape ordinary days more than big ones.",
  "The budget was modest, and most of it went on materials rather than consultants.",
  "Before the autumn storms, the team walked the whole site again to check the drains.",
  "People have started calling the place the town's front room, and the name has stuck.",
  "A satisfaction survey at the end of the year will decide which details change.",
  "Several younger residents now help after work, sorting records and taking photographs.",
  "The idea began with a petition signed by {n} hundred people and a stubborn retired engineer.",
  "Opening hours were extended after the first month, once it was clear the evenings were busiest.",
  "Insurance turned out to be the hardest part, and took longer to settle than the building work.",
  "A small fund set aside for surprises has, so far, barely been touched.",
  "The nearest alternative used to be a forty-minute trip each way, longer in bad weather.",
  "Regulars have their own corners now, and newcomers are shown around by whoever is nearest.",
  "At the last public meeting, the loudest complaint was about the colour of the railings.",
  "Figures published in the summer show use rising every month since the opening.",
  "The operator shares a short video update each week, which has eased much of the early suspicion.",
  "Neighbouring councils have already sent officers to see how the scheme works in practice.",
  "Some of the materials came from a building demolished nearby, which kept costs down.",
  "A weekday morning visit found a dozen people there, most of whom knew each other by name.",
];

function enParagraph(rng: Rng, draw: () => string, place: string, sentences: number): string {
  const out: string[] = [];
  for (let i = 0; i < sentences; i++)
    out.push(
      draw()
        .replace("{place}", place)
        .replace("{n}", String(int(rng, 2, 9))),
    );
  return out.join(" ");
}

function englishArticle(
  rng: Rng,
  i: number,
  image: string,
  dates: Dates,
  cover: boolean,
): { name: string; text: string } {
  const place = pick(rng, EN_PLACES);
  const [topic, short, tag] = pick(rng, EN_TOPICS);
  const [paper, host] = pick(rng, EN_PAPERS);
  const [author, translator, editor] = pickSome(rng, EN_PEOPLE, 3) as [string, string, string];
  const headline = pick(rng, [
    "What changed in {place}",
    "{place} tries a new {topic}",
    "A {topic} for {place}",
    "{place} and its {topic}",
  ]);
  const title = headline.replace("{place}", place).replace("{topic}", topic);
  const slug = `${place}-${topic}`
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-");
  const url = `https://${host}/${dates.day.replaceAll("-", "/")}/${slug}-${i}`;
  const authorSlug = author.toLowerCase().replace(/[^a-z]+/g, "-");

  const fm = [`title: "${title}"`, `date: ${dates.yaml}`, "lang: en"];
  if (dates.updatedYaml) fm.push(`updated: ${dates.updatedYaml}`);
  fm.push(`tags: [${[tag, ...pickSome(rng, EN_TAGS, int(rng, 0, 2)).filter((t) => t !== tag)].join(", ")}]`);
  if (rng() < 0.5) fm.push("author:", `  name: ${author}`, `  url: https://people.example.org/${authorSlug}`);
  else fm.push(`author: ${author}`);
  if (rng() < 0.2)
    fm.push(`summary: "A short report on the ${topic} in ${place}, and what residents make of it."`);
  if (rng() < 0.1) fm.push(`id: bench-${i}`);
  if (cover) fm.push(`cover: ${image}`, `cover_alt: The ${short} at ${place} seen from the water`);

  const draw = deck(rng, EN_SENTENCES);
  const body: string[] = [];
  const reprint = rng() < 0.6;
  if (reprint)
    body.push(`${pick(rng, ["Reprinted from", "Originally published in", "Via"])} [${paper}](${url}).`);
  for (let k = 0; k < 5; k++) body.push(enParagraph(rng, draw, place, int(rng, 3, 6)));
  const imgUrl =
    image !== "" ? image : `https://images.example.com/${host.split(".")[0]}/${dates.year}/${i}.jpg`;
  body.push(`![The ${short} at ${place}](${imgUrl})`);
  body.push(`Photo: the ${short} at ${place}, ${dates.day}.`);
  body.push(`## ${pick(rng, ["What comes next", "The cost", "Voices from the street"])}`);
  for (let k = 0; k < 4; k++) body.push(enParagraph(rng, draw, place, int(rng, 3, 6)));
  if (reprint) {
    body.push("## Source");
    body.push(`[${paper}: "${title}"](${url})`);
  }
  if (rng() < 0.3) body.push(`Translated by ${translator}, edited by ${editor}.`);

  return { name: `${pad(i, 5)}-${slug}`, text: `---\n${fm.join("\n")}\n---\n\n${body.join("\n\n")}\n` };
}

// ---------------------------------------------------------------------------------------------

/**
 * Writes `count` articles under `dir` (created if missing; existing files are overwritten, others
 * left alone). Articles go into year folders: `2024/00042-….md` or `2025/00043-…/index.md`.
 */
export function generateCorpus(dir: string, count: number, opts: { seed?: number } = {}): void {
  const rng = mulberry32(opts.seed ?? 1);
  png ??= makePng(96, 54);
  const made = new Set<string>();
  for (let i = 0; i < count; i++) {
    const dates = makeDates(rng);
    const folder = rng() < 0.2;
    const image = folder ? "photo.png" : "";
    const cover = folder && rng() < 0.6;
    const { name, text } =
      i % 2 === 0 ? chineseArticle(rng, i, image, dates, cover) : englishArticle(rng, i, image, dates, cover);
    const yearDir = join(dir, String(dates.year));
    if (!made.has(yearDir)) {
      mkdirSync(yearDir, { recursive: true });
      made.add(yearDir);
    }
    if (folder) {
      const bundle = join(yearDir, name);
      mkdirSync(bundle, { recursive: true });
      writeFileSync(join(bundle, "index.md"), text);
      writeFileSync(join(bundle, image), png);
    } else {
      writeFileSync(join(yearDir, `${name}.md`), text);
    }
  }
}

if (import.meta.main) {
  const [dirArg, countArg, seedArg] = process.argv.slice(2);
  const count = Number(countArg);
  if (!dirArg || !Number.isInteger(count) || count < 0) {
    console.error("Usage: node bench/generate.ts DIR COUNT [SEED]");
    process.exit(2);
  }
  const t = performance.now();
  generateCorpus(resolve(dirArg), count, { seed: seedArg === undefined ? 1 : Number(seedArg) });
  console.log(`Wrote ${count} articles to ${resolve(dirArg)} in ${(performance.now() - t).toFixed(0)} ms.`);
}
