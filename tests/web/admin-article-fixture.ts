// A Chinese reprint as editors paste them, written for the article view's tests: a 转载自 line
// with its link, an editor's note, a local picture with its caption on the image's line, a remote
// picture, and 编辑/发布 credits.
import { pngBytes } from "../content/factories.ts";

export const REPRINT_ID = "boatyard";

export const REPRINT_FILES: Record<string, string | Uint8Array> = {
  "boatyard/index.md": `---
title: 老码头边的修船铺
date: 2026-09-12 08:00
tags: [渔港, 手艺]
---

转载自[东岸周报](https://weekly.example.net/2026/09/boatyard)

**编者按：** 沿海小镇的木船越来越少，会修木船的人也越来越少。这篇报道记录了一家开了四十年的修船铺，经作者同意转载，标题为编辑所加。

清晨六点，潮水刚退，陈师傅已经蹲在船底，一下一下敲打松动的船板。他今年六十八岁，十六岁跟父亲学手艺，修过的渔船自己也数不清。

![](photo.png) 退潮后的船坞里，陈师傅正在换一块船板（摄影：林舟）

如今镇上的渔船大多换成了钢壳和玻璃钢，来找他修木船的人一年比一年少。老伴劝他歇一歇，他说：“船还在水里，我就歇不下来。”

![旧工具挂在修船铺的墙上](https://photos.example.org/boatyard/tools.jpg)

作者：海生

编辑：小禾
发布：潮声编译组/阿岚
`,
  "boatyard/photo.png": pngBytes(480, 270),
};
