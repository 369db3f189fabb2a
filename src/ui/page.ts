// The status page document and the login page. The page is complete without JavaScript (everything is
// rendered here); /ui/app.js only keeps it current. The body's data attributes tell the script where the
// UI is mounted, whether a watch stream exists and how often to poll.
import { h, type Html } from "./html.ts";
import { renderPanels } from "./panels.ts";
import type { UiData } from "./types.ts";

export interface PageOptions {
  /** Where the UI is mounted ("/ui"). */
  base: string;
  /** Whether /ui/watch streams store changes. */
  watch: boolean;
  pollMs: number;
  /** Show the log-out button (the UI is behind a token). */
  loggedIn: boolean;
}

export function renderPage(d: UiData, o: PageOptions): string {
  const [product, ...rest] = d.title.split(" · ");
  const page: Html = h`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${d.title}</title><link rel="icon" href="data:,"><link rel="stylesheet" href="${o.base}/app.css"></head>
<body data-base="${o.base}" data-watch="${o.watch ? "1" : "0"}" data-poll="${o.pollMs}" data-kind="${d.kind}" data-refreshes="0">
<header><h1>${product}${rest.length > 0 ? h` <span>· ${rest.join(" · ")}</span>` : ""}</h1><span class="live" id="live-status">static</span><span class="updated" id="updated"></span><span class="spacer"></span>${
    o.loggedIn ? h`<form method="post" action="${o.base}/logout"><button type="submit">Log out</button></form>` : ""
  }</header>
<main id="live">${renderPanels(d, o.base)}</main>
<script src="${o.base}/app.js" defer></script>
</body></html>`;
  return page.value;
}

export function renderLogin(o: { base: string; title: string; setting: string; failed: boolean }): string {
  return h`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${o.title} · sign in</title><link rel="icon" href="data:,"><link rel="stylesheet" href="${o.base}/app.css"></head>
<body><form class="login" method="post" action="${o.base}/login"><h1>${o.title}</h1>
<p>This status page needs the token set with ${o.setting}.</p>${o.failed ? h`<p class="bad" id="login-error">That token is not right.</p>` : ""}
<input type="password" name="token" id="token" placeholder="token" autocomplete="current-password" autofocus required>
<button type="submit">Open the status page</button></form></body></html>`.value;
}
