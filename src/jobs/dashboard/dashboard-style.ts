// The dashboard's stylesheet: system font, a calm palette, one colour per task status, light and dark.

/** Inlined into the page by `dashboardHtml()`; its hash goes into the page's Content-Security-Policy. */
export const DASHBOARD_STYLE = `
:root {
  color-scheme: light dark;
  --bg: #f5f6f8; --card: #ffffff; --text: #1f2933; --muted: #6b7785; --line: #e3e7ec; --soft: #f0f2f5;
  --accent: #2f6fdb; --accent-text: #ffffff; --danger: #c2410c; --focus: #93b4f0;
  --queued: #64748b; --delayed: #7c5cc4; --running: #2f6fdb; --paused: #c98a0b;
  --succeeded: #1f9d55; --failed: #d64545; --cancelled: #8a94a3;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #14171c; --card: #1c2027; --text: #e4e8ee; --muted: #97a1ae; --line: #2c323b; --soft: #242932;
    --accent: #5b8ff0; --focus: #3d5f9e; --danger: #f08a5d;
  }
}
* { box-sizing: border-box; }
html, body { margin: 0; }
body {
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Ubuntu, Cantarell, "Noto Sans", sans-serif;
  background: var(--bg); color: var(--text);
}
header.top {
  display: flex; align-items: center; gap: 16px; padding: 14px 24px;
  background: var(--card); border-bottom: 1px solid var(--line);
}
header.top h1 { font-size: 17px; margin: 0; font-weight: 600; letter-spacing: .01em; }
header.top h1 .brand { color: var(--accent); }
.conn { display: inline-flex; align-items: center; gap: 6px; color: var(--muted); font-size: 12.5px; }
.conn::before { content: ""; width: 8px; height: 8px; border-radius: 50%; background: var(--cancelled); }
.conn[data-state="live"]::before { background: var(--succeeded); }
.conn[data-state="connecting"]::before { background: var(--paused); }
.conn[data-state="offline"]::before { background: var(--failed); }
.spacer { flex: 1; }
.summary { color: var(--muted); font-size: 12.5px; }
main { display: grid; grid-template-columns: minmax(0, 1fr) 380px; gap: 20px; padding: 20px 24px; align-items: start; }
@media (min-width: 1001px) { .side { position: sticky; top: 20px; max-height: calc(100vh - 40px); overflow-y: auto; } }
@media (max-width: 1000px) { main { grid-template-columns: minmax(0, 1fr); } }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; }
.card > h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 0; padding: 14px 16px 0; font-weight: 600; }
.side { display: grid; gap: 20px; }
.banner { grid-column: 1 / -1; padding: 10px 14px; border-radius: 8px; background: #fdecea; color: #8a1c1c; border: 1px solid #f5c2bd; }
.banner[hidden] { display: none; }
.tabs { display: flex; flex-wrap: wrap; gap: 6px; padding: 12px 12px 10px; border-bottom: 1px solid var(--line); }
.tab {
  border: 1px solid transparent; background: none; color: var(--muted); font: inherit; font-size: 13px;
  padding: 4px 10px; border-radius: 999px; cursor: pointer; display: inline-flex; gap: 6px; align-items: center;
}
.tab:hover { background: var(--soft); color: var(--text); }
.tab[aria-selected="true"] { background: var(--soft); color: var(--text); border-color: var(--line); font-weight: 600; }
.tab .n { font-variant-numeric: tabular-nums; font-size: 12px; color: var(--muted); font-weight: 400; }
.tab .dot { width: 7px; height: 7px; border-radius: 50%; background: var(--c, var(--muted)); }
table { width: 100%; border-collapse: collapse; }
.table-wrap { overflow-x: auto; }
@media (max-width: 820px) { .created { display: none; } .msg { max-width: 180px; } }
th { text-align: left; font-weight: 500; font-size: 12px; color: var(--muted); padding: 8px 12px; border-bottom: 1px solid var(--line); white-space: nowrap; }
td { padding: 9px 12px; border-bottom: 1px solid var(--line); vertical-align: middle; }
tbody tr { cursor: pointer; }
tbody tr:hover { background: var(--soft); }
tbody tr[aria-selected="true"] { background: color-mix(in srgb, var(--accent) 9%, var(--card)); }
tbody tr:last-child td { border-bottom: none; }
.type { font-weight: 600; }
.id { font-family: var(--mono); font-size: 11.5px; color: var(--muted); }
.num { font-variant-numeric: tabular-nums; white-space: nowrap; color: var(--muted); font-size: 13px; }
.pill {
  display: inline-block; font-size: 12px; font-weight: 600; padding: 1px 9px; border-radius: 999px; white-space: nowrap;
  color: var(--c); background: color-mix(in srgb, var(--c) 14%, transparent);
}
[data-status="queued"] { --c: var(--queued); } [data-status="delayed"] { --c: var(--delayed); }
[data-status="running"] { --c: var(--running); } [data-status="paused"] { --c: var(--paused); }
[data-status="succeeded"] { --c: var(--succeeded); } [data-status="failed"] { --c: var(--failed); }
[data-status="cancelled"] { --c: var(--cancelled); }
.progress { display: grid; grid-template-columns: minmax(80px, 1fr) 42px; gap: 8px; align-items: center; min-width: 160px; }
.bar { height: 7px; border-radius: 999px; background: var(--soft); overflow: hidden; border: 1px solid var(--line); }
.fill { height: 100%; width: 0; background: var(--c, var(--accent)); transition: width .25s ease; }
.pct { font-variant-numeric: tabular-nums; font-size: 12px; color: var(--muted); text-align: right; }
.msg { grid-column: 1 / -1; font-size: 12px; color: var(--muted); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 320px; }
.actions { white-space: nowrap; text-align: right; }
button.btn, .btn {
  font: inherit; font-size: 12.5px; padding: 4px 10px; border-radius: 6px; cursor: pointer;
  border: 1px solid var(--line); background: var(--card); color: var(--text);
}
.btn:hover { border-color: var(--muted); }
.btn:focus-visible, .tab:focus-visible, tbody tr:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible { outline: 2px solid var(--focus); outline-offset: 1px; }
.btn + .btn { margin-left: 6px; }
.btn.danger { color: var(--danger); }
.btn.primary { background: var(--accent); border-color: var(--accent); color: var(--accent-text); font-weight: 600; padding: 7px 14px; }
.btn:disabled { opacity: .55; cursor: default; }
.empty td { text-align: center; color: var(--muted); padding: 36px 12px; cursor: default; }
.empty:hover { background: none; }
.more { padding: 10px; text-align: center; border-top: 1px solid var(--line); }
.more[hidden] { display: none; }
form.create { display: grid; gap: 10px; padding: 12px 16px 16px; }
label { display: grid; gap: 4px; font-size: 12.5px; color: var(--muted); }
input, select, textarea {
  width: 100%; min-width: 0; font: inherit; color: var(--text); background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 6px 8px;
}
textarea { font-family: var(--mono); font-size: 12.5px; min-height: 96px; resize: vertical; }
.row { display: grid; grid-template-columns: 1fr 110px; gap: 10px; }
.hint { font-size: 12px; color: var(--muted); min-height: 1em; }
.hint.error { color: var(--danger); }
.detail { padding: 4px 16px 16px; }
.detail .placeholder { color: var(--muted); padding: 18px 0 6px; }
.detail h3 { margin: 12px 0 2px; font-size: 15px; display: flex; gap: 8px; align-items: center; }
dl { display: grid; grid-template-columns: 92px 1fr; gap: 4px 10px; margin: 12px 0; font-size: 13px; }
dt { color: var(--muted); }
dd { margin: 0; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.section { font-size: 12px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 14px 0 4px; }
pre {
  margin: 0; padding: 8px 10px; background: var(--soft); border: 1px solid var(--line); border-radius: 6px;
  font: 12px/1.45 var(--mono); white-space: pre-wrap; overflow-wrap: anywhere; max-height: 260px; overflow: auto;
}
pre.error { color: var(--failed); }
.detail .actions { text-align: left; margin-top: 12px; }
.toast { position: fixed; right: 20px; bottom: 20px; background: var(--text); color: var(--card); padding: 8px 14px; border-radius: 8px; font-size: 13px; opacity: 0; transition: opacity .2s; pointer-events: none; }
.toast.show { opacity: .92; }
`;
