// The status page's stylesheet and script, served as /ui/app.css and /ui/app.js (same origin, so the page
// runs under a strict Content-Security-Policy with no inline code). The script is small and optional:
// without it the page is a complete server-rendered snapshot and the lookup box a plain GET form. With
// it, the page follows the store's watch stream (/ui/watch, a WebSocket) and re-fetches the panels
// (/ui/fragment) after each change, and also every few seconds for what the stream does not carry
// (members, relay peers, the mesh).

export const UI_CSS = `:root{--bg:#f6f7f9;--fg:#1d2330;--mut:#667085;--line:#e3e6eb;--card:#fff;--head:#111827;--ok:#137333;--okb:#e6f4ea;--warn:#8a5a00;--warnb:#fff4d6;--bad:#b3261e;--badb:#fce8e6;--off:#5f6368;--offb:#eceff1;--acc:#2563eb}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
header{background:var(--head);color:#fff;padding:10px 20px;display:flex;align-items:center;gap:16px;flex-wrap:wrap}
header h1{font-size:17px;margin:0;font-weight:600}
header h1 span{color:#9ca3af;font-weight:400}
header .spacer{flex:1}
header form{margin:0}
header button{background:transparent;color:#d1d5db;border:1px solid #4b5563;border-radius:6px;padding:3px 10px;cursor:pointer}
.live{font-size:12px;padding:2px 10px;border-radius:999px;background:#374151;color:#e5e7eb}
.live::before{content:"";display:inline-block;width:8px;height:8px;border-radius:50%;margin-right:6px;background:#9ca3af;vertical-align:0}
.live.ok::before{background:#22c55e}.live.warn::before{background:#f59e0b}
.updated{font-size:12px;color:#9ca3af}
main{padding:16px 20px;max-width:1400px;margin:0 auto}
.facts{display:flex;flex-wrap:wrap;gap:8px;margin:0 0 16px}
.facts div{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:6px 12px}
.facts dt{font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:var(--mut)}
.facts dd{margin:0;font-weight:600;font-variant-numeric:tabular-nums}
.panel{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 16px;margin:0 0 16px;overflow-x:auto}
.panel h2{font-size:16px;margin:0 0 10px}
.panel h2 small,.panel h3 small{color:var(--mut);font-weight:400;margin-left:6px;font-size:13px}
.panel h3{font-size:13px;margin:16px 0 6px;color:var(--mut);text-transform:uppercase;letter-spacing:.04em}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th{text-align:left;font-size:12px;color:var(--mut);font-weight:600;border-bottom:1px solid var(--line);padding:6px 10px 6px 0;white-space:nowrap}
td{border-bottom:1px solid #f0f2f5;padding:6px 10px 6px 0;vertical-align:top}
tbody tr:hover{background:#fafbfc}
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,monospace}
.badge{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12px;font-weight:600}
.badge.ok{background:var(--okb);color:var(--ok)}.badge.warn{background:var(--warnb);color:var(--warn)}
.badge.bad{background:var(--badb);color:var(--bad)}.badge.off{background:var(--offb);color:var(--off)}
.tag{display:inline-block;background:#eef2ff;color:#3730a3;border-radius:4px;padding:0 6px;margin:1px 0;font-size:12px}
.counts span{margin-right:14px;color:var(--mut)}.counts b{color:var(--fg);font-size:15px}
.empty,.more{color:var(--mut);margin:4px 0}
.lookup{display:flex;gap:8px;align-items:center;margin:8px 0 4px;flex-wrap:wrap}
.lookup label{font-weight:600}
.lookup input{font:13px ui-monospace,monospace;padding:5px 8px;border:1px solid #cbd5e1;border-radius:6px;min-width:280px}
.lookup button,.login button{background:var(--acc);color:#fff;border:0;border-radius:6px;padding:6px 14px;cursor:pointer}
.lookup-result{margin:4px 0 8px;padding:6px 10px;border-radius:6px}
.lookup-result.ok{background:var(--okb)}.lookup-result.off{background:var(--offb)}.lookup-result.bad{background:var(--badb)}
.graph-wrap{overflow:auto}
svg.graph .edge{stroke:#94a3b8;stroke-width:1.5}
svg.graph .node circle{fill:#fff;stroke:var(--acc);stroke-width:2}
svg.graph .node.self circle{fill:var(--acc)}
svg.graph text{font:12px system-ui,sans-serif;fill:var(--fg)}
svg.graph .more{fill:var(--mut)}
.absent h2{color:var(--mut)}
.login{max-width:380px;margin:80px auto;background:var(--card);border:1px solid var(--line);border-radius:10px;padding:24px}
.login h1{font-size:18px;margin:0 0 6px}.login p{color:var(--mut);margin:0 0 14px}
.login input{width:100%;font:14px ui-monospace,monospace;padding:7px 9px;border:1px solid #cbd5e1;border-radius:6px;margin:0 0 12px}
.login .bad{color:var(--bad)}
`;

export const UI_JS = `(function () {
  "use strict";
  var body = document.body;
  var base = body.getAttribute("data-base") || "/ui";
  var poll = Number(body.getAttribute("data-poll") || "5000");
  var live = document.getElementById("live");
  var status = document.getElementById("live-status");
  var updated = document.getElementById("updated");
  var timer = 0, busy = false, again = false;
  function setStatus(text, cls) { status.textContent = text; status.className = "live " + cls; }
  function stamp() { updated.textContent = "updated " + new Date().toLocaleTimeString(); }
  function swap(html) {
    var input = document.getElementById("ip");
    var focused = input && document.activeElement === input;
    var value = input ? input.value : null;
    var start = input ? input.selectionStart : null, end = input ? input.selectionEnd : null;
    live.innerHTML = html;
    var next = document.getElementById("ip");
    if (next && value !== null) {
      next.value = value;
      if (focused) { next.focus(); try { next.setSelectionRange(start, end); } catch (e) {} }
    }
    stamp();
    body.setAttribute("data-refreshes", String(Number(body.getAttribute("data-refreshes") || "0") + 1));
  }
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(base + "/fragment" + location.search, { headers: { accept: "text/html" }, credentials: "same-origin" })
      .then(function (r) {
        if (r.status === 401) { location.reload(); return null; }
        return r.ok ? r.text() : null;
      })
      .then(function (html) { if (html !== null) swap(html); })
      .catch(function () { if (status.className.indexOf("ok") >= 0 && !watching) setStatus("unreachable", "warn"); })
      .then(function () { busy = false; if (again) { again = false; schedule(100); } });
  }
  function schedule(ms) { clearTimeout(timer); timer = setTimeout(refresh, ms); }
  setInterval(refresh, poll);
  var watching = body.getAttribute("data-watch") === "1";
  if (!watching) { setStatus("polling every " + Math.round(poll / 1000) + " s", "ok"); return; }
  var ping = 0;
  function connect() {
    var ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + base + "/watch");
    ws.onopen = function () { setStatus("live", "ok"); ping = setInterval(function () { ws.send("ping"); }, 25000); };
    ws.onmessage = function (e) {
      if (e.data === "pong") return;
      try { var f = JSON.parse(e.data); if (f.type === "changes" || f.type === "reset") schedule(100); } catch (err) {}
    };
    ws.onclose = function () { clearInterval(ping); setStatus("reconnecting", "warn"); setTimeout(function () { refresh(); connect(); }, 2000); };
  }
  connect();
})();
`;
