// The status page as a Hono sub-app, mounted by each host at /ui (the agent's --http listener, the
// worker, the mesh admin API):
//   GET  /ui            the page (server-rendered; ?ip=A fills the route lookup box)
//   GET  /ui/fragment   the panels alone (what the page's script swaps in on updates)
//   GET  /ui/data       the same data as JSON
//   GET  /ui/watch      WebSocket: the store's watch stream (hosts that have a store)
//   GET  /ui/app.css, /ui/app.js    the page's stylesheet and script
//   POST /ui/login, /ui/logout     set / clear the session cookie
// Access: when the host has a token (the agent's --http-token, the worker's STORE_TOKEN), every route but
// the assets and the login needs it, as `Authorization: Bearer <token>` or as the session cookie the login
// form sets. The cookie holds a SHA-256 digest of the token (never the token: it can read the page, not
// write to the store), HttpOnly, SameSite=Strict, Path=/ui, Secure over https. A browser without it gets
// the login form (401); anything else gets the JSON error shape. The page is read-only.
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { bearerMatches } from "../api/index.ts";
import type { RouteMatch } from "../state/index.ts";
import { GossamerError, timingSafeEqual } from "../util/index.ts";
import { UI_CSS, UI_JS } from "./assets.ts";
import { renderLogin, renderPage } from "./page.ts";
import { renderPanels } from "./panels.ts";
import type { UiData, UiLookup } from "./types.ts";

export const UI_BASE = "/ui";
export const UI_COOKIE = "gossamer_ui";
const MAX_IP_QUERY = 100;
const MAX_LOGIN_BODY = 4096;

export interface UiHost {
  /** The token the UI needs, or undefined when it is open (the agent without --http-token). */
  token(c: Context): string | undefined;
  /** Where the token is configured, named on the login page ("--http-token", "STORE_TOKEN"). */
  tokenSetting: string;
  /** The page's data; `ip` is the lookup box's query, when given. */
  data(c: Context, ip: string | undefined): Promise<UiData>;
  /** Upgrades /ui/watch to the store's watch stream; absent: the page polls only. */
  watch?(c: Context): Response | Promise<Response>;
  /** How often the page re-fetches its panels, ms (members and relay peers are not in the stream). */
  pollMs: number;
}

const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

const enc = new TextEncoder();

/** The session cookie's value for a token: hex SHA-256 of a fixed prefix and the token. */
export async function sessionValue(token: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(`gossamer-ui\u0000${token}`)));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

function cookieOf(c: Context, name: string): string | undefined {
  for (const part of (c.req.header("cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

async function authorized(c: Context, token: string): Promise<boolean> {
  if (await bearerMatches(c.req.header("authorization"), token)) return true;
  const cookie = cookieOf(c, UI_COOKIE);
  if (!cookie || cookie.length !== 64) return false;
  return timingSafeEqual(enc.encode(cookie), enc.encode(await sessionValue(token)));
}

const wantsHtml = (c: Context) => (c.req.header("accept") ?? "").includes("text/html");

export function uiRoutes(host: UiHost, base: string = UI_BASE): Hono {
  const app = new Hono();
  const title = "gossamer";

  app.get(`${base}/app.css`, (c) => c.body(UI_CSS, 200, { "content-type": "text/css; charset=utf-8", "cache-control": "max-age=300" }));
  app.get(`${base}/app.js`, (c) => c.body(UI_JS, 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "max-age=300" }));

  app.post(`${base}/login`, async (c) => {
    const token = host.token(c);
    if (!token) return c.redirect(base, 303);
    if (Number(c.req.header("content-length") ?? "0") > MAX_LOGIN_BODY) return c.json({ error: { code: "too_large", message: "login form over 4 KiB" } }, 413);
    const form = await c.req.parseBody();
    const given = typeof form["token"] === "string" ? form["token"] : "";
    if (!(await bearerMatches(`Bearer ${given}`, token))) {
      return c.html(renderLogin({ base, title, setting: host.tokenSetting, failed: true }), 401, SECURITY_HEADERS);
    }
    const secure = new URL(c.req.url).protocol === "https:" ? "; Secure" : "";
    c.header("set-cookie", `${UI_COOKIE}=${await sessionValue(token)}; Path=${base}; HttpOnly; SameSite=Strict${secure}`);
    return c.redirect(base, 303);
  });
  app.post(`${base}/logout`, (c) => {
    c.header("set-cookie", `${UI_COOKIE}=; Path=${base}; HttpOnly; SameSite=Strict; Max-Age=0`);
    return c.redirect(base, 303);
  });

  const guard: MiddlewareHandler = async (c, next) => {
    const token = host.token(c);
    if (token && !(await authorized(c, token))) {
      if (wantsHtml(c)) return c.html(renderLogin({ base, title, setting: host.tokenSetting, failed: false }), 401, SECURITY_HEADERS);
      return c.json({ error: { code: "unauthorized", message: `the status page needs the token (${host.tokenSetting}) as a bearer token or a session` } }, 401, {
        "WWW-Authenticate": 'Bearer realm="gossamer-ui"',
      });
    }
    await next();
  };
  for (const p of [base, `${base}/fragment`, `${base}/data`, `${base}/watch`]) app.use(p, guard);

  const ipOf = (c: Context): string | undefined => {
    const ip = c.req.query("ip")?.trim();
    return ip ? ip.slice(0, MAX_IP_QUERY) : undefined;
  };
  app.get(base, async (c) => {
    const d = await host.data(c, ipOf(c));
    return c.html(renderPage(d, { base, watch: host.watch !== undefined, pollMs: host.pollMs, loggedIn: host.token(c) !== undefined }), 200, SECURITY_HEADERS);
  });
  app.get(`${base}/fragment`, async (c) => c.html(renderPanels(await host.data(c, ipOf(c)), base).value, 200, SECURITY_HEADERS));
  app.get(`${base}/data`, async (c) => c.json(await host.data(c, ipOf(c)), 200, { "cache-control": "no-store" }));
  app.get(`${base}/watch`, (c) => {
    if (!host.watch) return c.json({ error: { code: "not_found", message: "this host has no watch stream" } }, 404);
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") return c.json({ error: { code: "upgrade_required", message: "the watch stream is a WebSocket" } }, 426);
    return host.watch(c);
  });
  return app;
}

/** The lookup box's answer: the store's route for `ip`, or its typed error in the JSON error shape. */
export function lookupRoute(ip: string, route: (ip: string) => RouteMatch | null): UiLookup {
  try {
    return { ip, match: route(ip) };
  } catch (e) {
    if (e instanceof GossamerError) return { ip, error: { code: e.code, message: e.message } };
    throw e;
  }
}
