/** The web console's stylesheet, inlined in the page by `console-page.ts` (and hashed for its CSP). */
export const CONSOLE_STYLE = `
:root {
  --bg: #f5f6f8; --panel: #ffffff; --ink: #1d2330; --muted: #667085; --line: #e3e6eb;
  --accent: #3056d3; --accent-ink: #ffffff; --warn: #b54708; --warn-bg: #fef0c7;
  --ok-bg: #e7eefc; --err: #b42318; --err-bg: #fee4e2; --user: #3056d3; --radius: 10px;
  color-scheme: light;
}
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--ink); }
button, input, select, textarea { font: inherit; color: inherit; }
button { cursor: pointer; border: 1px solid var(--line); background: var(--panel); border-radius: 8px; padding: .45rem .8rem; }
button.primary { background: var(--accent); border-color: var(--accent); color: var(--accent-ink); }
button.danger { color: var(--err); border-color: #f4b4ad; }
button:disabled { opacity: .5; cursor: not-allowed; }
input, select, textarea { border: 1px solid var(--line); border-radius: 8px; padding: .45rem .6rem; background: #fff; min-width: 0; }
input:focus, select:focus, textarea:focus, button:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
header { display: flex; align-items: center; gap: 1rem; padding: .7rem 1.2rem; background: var(--panel); border-bottom: 1px solid var(--line); }
header h1 { font-size: 1.05rem; margin: 0; letter-spacing: .01em; }
header h1 span { color: var(--accent); }
header .who { margin-left: auto; color: var(--muted); font-size: .85rem; font-family: ui-monospace, monospace; }
main { display: grid; grid-template-columns: 260px minmax(0, 1fr) 300px; gap: 1rem; padding: 1rem; height: calc(100% - 54px); }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); display: flex; flex-direction: column; min-height: 0; }
.panel > h2 { font-size: .78rem; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 0; padding: .8rem 1rem .4rem; }
.panel .body { padding: .4rem 1rem 1rem; overflow: auto; }
#login { max-width: 420px; margin: 12vh auto; padding: 1.5rem; }
#login p { color: var(--muted); margin-top: 0; }
#login form { display: flex; gap: .5rem; }
#login input { flex: 1; }
.error { color: var(--err); background: var(--err-bg); border-radius: 8px; padding: .4rem .6rem; margin-top: .6rem; font-size: .9rem; }
.error:empty { display: none; }
#new-thread { width: 100%; margin-bottom: .6rem; }
#threads { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: .2rem; }
#threads li button { width: 100%; text-align: left; border: 1px solid transparent; background: none; padding: .5rem .6rem; display: block; }
#threads li button:hover { background: var(--bg); }
#threads li button[aria-current="true"] { background: var(--ok-bg); border-color: #c7d5f7; }
#threads .title { display: block; font-weight: 550; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
#threads .meta { display: block; color: var(--muted); font-size: .78rem; font-family: ui-monospace, monospace; }
.chat { min-height: 0; }
.chat-head { display: flex; align-items: center; gap: .6rem; padding: .7rem 1rem; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
.chat-head .name { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 45%; }
.badge { display: inline-flex; align-items: center; gap: .35rem; border-radius: 999px; padding: .15rem .65rem; font-size: .82rem; background: var(--ok-bg); color: var(--accent); }
.badge::before { content: ""; width: .5rem; height: .5rem; border-radius: 50%; background: currentColor; }
.badge.handoff { background: var(--warn-bg); color: var(--warn); }
#messages { flex: 1; overflow: auto; padding: 1rem; display: flex; flex-direction: column; gap: .6rem; }
.msg { max-width: 78%; padding: .55rem .8rem; border-radius: 12px; white-space: pre-wrap; overflow-wrap: anywhere; }
.msg .who { display: block; font-size: .74rem; color: var(--muted); margin-bottom: .15rem; }
.msg.user { align-self: flex-end; background: var(--user); color: #fff; border-bottom-right-radius: 4px; }
.msg.user .who { color: #dbe4ff; }
.msg.assistant { align-self: flex-start; background: var(--bg); border: 1px solid var(--line); border-bottom-left-radius: 4px; }
.msg.system { align-self: center; color: var(--muted); font-size: .84rem; background: none; padding: .1rem .4rem; }
.msg.asking { border-color: var(--accent, #2563eb); }
.msg .asking-note { display: block; margin-top: .35rem; font-size: .8rem; color: var(--muted); font-style: italic; }
.msg.streaming::after { content: "\\258D"; animation: blink 1s steps(2) infinite; color: var(--accent); }
.msg.failed { border-color: #f4b4ad; background: var(--err-bg); }
@keyframes blink { 50% { opacity: 0; } }
.empty { color: var(--muted); text-align: center; margin: auto; }
#composer { display: flex; gap: .5rem; padding: .8rem 1rem; border-top: 1px solid var(--line); }
#composer textarea { flex: 1; resize: vertical; min-height: 2.6rem; max-height: 10rem; }
.side { display: flex; flex-direction: column; gap: 1rem; min-height: 0; overflow: auto; }
.field { display: flex; flex-direction: column; gap: .3rem; margin-bottom: .6rem; }
.field label { font-size: .8rem; color: var(--muted); }
.row { display: flex; gap: .5rem; flex-wrap: wrap; }
.timing { margin-bottom: .55rem; }
.timing .label { display: flex; justify-content: space-between; font-size: .85rem; gap: .5rem; }
.timing .label .agent { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.timing .label .ms { font-family: ui-monospace, monospace; color: var(--muted); }
.bar { height: .45rem; border-radius: 999px; background: var(--bg); overflow: hidden; margin-top: .2rem; }
.bar > span { display: block; height: 100%; background: var(--accent); border-radius: 999px; }
.bar > span.fail { background: var(--err); }
.hint { color: var(--muted); font-size: .84rem; }
[hidden] { display: none !important; }
@media (max-width: 980px) {
  main { grid-template-columns: 1fr; height: auto; }
  .chat { height: 70vh; }
  #threads { max-height: 30vh; }
}
`;
