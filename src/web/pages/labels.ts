// The pages' own words, in the site's language: English, Simplified or Traditional Chinese.

export interface Labels {
  skip: string;
  home: string;
  feeds: string;
  mainNav: string;
  latest: string;
  follow: string;
  followIntro: string;
  copy: string;
  copied: string;
  yourInstance: string;
  instanceHint: string;
  followButton: string;
  subscribe: string;
  subscribeIntro: string;
  jsonFeed: string;
  by: string;
  tags: string;
  taggedWith: (tag: string) => string;
  tagFeedsIntro: (tag: string) => string;
  pageOf: (page: number, pages: number) => string;
  newer: string;
  older: string;
  pagination: string;
  noArticles: string;
  notFoundTitle: string;
  notFoundText: string;
  goneTitle: string;
  goneText: string;
  badInstanceTitle: string;
  badInstanceText: string;
  backHome: string;
  poweredBy: string;
  listSeparator: string;
  conversation: string;
  likes: (n: number) => string;
  boosts: (n: number) => string;
  noReplies: string;
  replyIntro: string;
  replyButton: string;
  copyPostIntro: string;
}

const EN: Labels = {
  skip: "Skip to content",
  home: "Home",
  feeds: "Feeds",
  mainNav: "Site",
  latest: "Latest articles",
  follow: "Follow on the fediverse",
  followIntro: "Follow this account from Mastodon or any other fediverse server:",
  copy: "Copy",
  copied: "Copied",
  yourInstance: "Your server",
  instanceHint: "for example mastodon.social",
  followButton: "Follow",
  subscribe: "Subscribe",
  subscribeIntro: "Or read it in your feed reader:",
  jsonFeed: "JSON Feed",
  by: "By ",
  tags: "Tags",
  taggedWith: (tag) => `Articles tagged “${tag}”`,
  tagFeedsIntro: (tag) => `Follow “${tag}” in your feed reader:`,
  pageOf: (page, pages) => `Page ${page} of ${pages}`,
  newer: "Newer articles",
  older: "Older articles",
  pagination: "Pages",
  noArticles: "Nothing published yet.",
  notFoundTitle: "Page not found",
  notFoundText: "There is nothing at this address. It may have moved, or the link may be mistyped.",
  goneTitle: "Article removed",
  goneText: "This article was removed by the publisher and is no longer available.",
  badInstanceTitle: "Which server?",
  badInstanceText:
    "That does not look like a server name. Type the address of your own server, like mastodon.social.",
  backHome: "Back to the home page",
  poweredBy: "Published with Herald",
  listSeparator: ", ",
  conversation: "From the fediverse",
  likes: (n) => (n === 1 ? "1 like" : `${n} likes`),
  boosts: (n) => (n === 1 ? "1 boost" : `${n} boosts`),
  noReplies: "No replies yet.",
  replyIntro: "Reply from your own server:",
  replyButton: "Reply",
  copyPostIntro: "Or search your server for this post's address:",
};

const ZH_HANS: Labels = {
  skip: "跳到正文",
  home: "首页",
  feeds: "订阅源",
  mainNav: "站点导航",
  latest: "最新文章",
  follow: "在联邦宇宙关注",
  followIntro: "可以用 Mastodon 或其他联邦宇宙（Fediverse）服务器上的帐号关注：",
  copy: "复制",
  copied: "已复制",
  yourInstance: "你所在的服务器",
  instanceHint: "例如 mastodon.social",
  followButton: "关注",
  subscribe: "订阅",
  subscribeIntro: "也可以在阅读器中订阅：",
  jsonFeed: "JSON Feed",
  by: "作者：",
  tags: "标签",
  taggedWith: (tag) => `标签“${tag}”下的文章`,
  tagFeedsIntro: (tag) => `在阅读器中订阅标签“${tag}”：`,
  pageOf: (page, pages) => `第 ${page} 页，共 ${pages} 页`,
  newer: "较新的文章",
  older: "较早的文章",
  pagination: "分页",
  noArticles: "还没有发布文章。",
  notFoundTitle: "找不到页面",
  notFoundText: "这个地址没有内容。页面可能已经移动，或者链接有误。",
  goneTitle: "文章已撤下",
  goneText: "发布者已撤下这篇文章，无法再阅读。",
  badInstanceTitle: "是哪个服务器？",
  badInstanceText: "这看起来不像服务器地址。请输入你自己所在服务器的地址，例如 mastodon.social。",
  backHome: "返回首页",
  poweredBy: "由 Herald 发布",
  listSeparator: "、",
  conversation: "来自联邦宇宙",
  likes: (n) => `${n} 个喜欢`,
  boosts: (n) => `${n} 次转嘟`,
  noReplies: "还没有回复。",
  replyIntro: "用你自己服务器上的帐号回复：",
  replyButton: "回复",
  copyPostIntro: "或者在你的服务器上搜索这篇帖子的地址：",
};

const ZH_HANT: Labels = {
  ...ZH_HANS,
  skip: "跳到正文",
  home: "首頁",
  feeds: "訂閱源",
  mainNav: "網站導覽",
  latest: "最新文章",
  follow: "在聯邦宇宙關注",
  followIntro: "可以用 Mastodon 或其他聯邦宇宙（Fediverse）伺服器上的帳號關注：",
  copy: "複製",
  copied: "已複製",
  yourInstance: "你所在的伺服器",
  instanceHint: "例如 mastodon.social",
  followButton: "關注",
  subscribe: "訂閱",
  subscribeIntro: "也可以在閱讀器中訂閱：",
  by: "作者：",
  tags: "標籤",
  taggedWith: (tag) => `標籤「${tag}」下的文章`,
  tagFeedsIntro: (tag) => `在閱讀器中訂閱標籤「${tag}」：`,
  pageOf: (page, pages) => `第 ${page} 頁，共 ${pages} 頁`,
  newer: "較新的文章",
  older: "較早的文章",
  pagination: "分頁",
  noArticles: "還沒有發布文章。",
  notFoundTitle: "找不到頁面",
  notFoundText: "這個網址沒有內容。頁面可能已經移動，或者連結有誤。",
  goneTitle: "文章已撤下",
  goneText: "發布者已撤下這篇文章，無法再閱讀。",
  badInstanceTitle: "是哪個伺服器？",
  badInstanceText: "這看起來不像伺服器網址。請輸入你自己所在伺服器的網址，例如 mastodon.social。",
  backHome: "返回首頁",
  poweredBy: "由 Herald 發布",
  conversation: "來自聯邦宇宙",
  likes: (n) => `${n} 個喜歡`,
  boosts: (n) => `${n} 次轉嘟`,
  noReplies: "還沒有回覆。",
  replyIntro: "用你自己伺服器上的帳號回覆：",
  replyButton: "回覆",
  copyPostIntro: "或者在你的伺服器上搜尋這篇貼文的地址：",
};

export function labelsFor(lang: string): Labels {
  const tag = lang.toLowerCase();
  if (!tag.startsWith("zh")) return EN;
  return /^zh-(hant|tw|hk|mo)\b/.test(tag) ? ZH_HANT : ZH_HANS;
}
