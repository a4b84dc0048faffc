// The console's one stylesheet, served from /ui/style.css (the CSP allows styles from this origin only).

export const STYLE_CSS = `
:root { --fg: #1d2330; --muted: #5b6475; --line: #d8dde6; --accent: #1f5fbf; --bad: #b42318; --good: #067647; --bg: #f6f7f9; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; padding: .6rem 1.2rem; background: #fff; border-bottom: 1px solid var(--line); }
header .brand { margin-right: .5rem; }
nav { display: flex; gap: .2rem; flex-wrap: wrap; }
nav a { padding: .3rem .6rem; border-radius: 6px; color: var(--fg); text-decoration: none; }
nav a.current, nav a:hover { background: #e8eefb; color: var(--accent); }
form.signout { margin-left: auto; display: flex; gap: .6rem; align-items: center; }
.who { color: var(--muted); font-size: .85rem; }
main { padding: 1rem 1.2rem 3rem; max-width: 1100px; }
h1 { font-size: 1.35rem; margin: .3rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 1.4rem 0 .6rem; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #eef1f5; font-weight: 600; font-size: .9rem; }
td form.inline { display: inline; }
.badge { display: inline-block; padding: 0 .5rem; border-radius: 999px; font-size: .85rem; }
.badge.good { background: #dcfae6; color: var(--good); }
.badge.bad { background: #fee4e2; color: var(--bad); }
.badge.muted { background: #eef1f5; color: var(--muted); }
.notice { padding: .6rem .8rem; border-radius: 6px; background: #fff; border: 1px solid var(--line); }
.notice.error { border-color: #fda29b; background: #fef3f2; color: var(--bad); }
.notice.ok { border-color: #75e0a7; background: #ecfdf3; color: var(--good); }
form.filters { display: flex; flex-wrap: wrap; gap: .6rem; align-items: end; margin-bottom: 1rem; }
label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); gap: .2rem; }
input[type=text], input[type=password], input[type=search], input[type=datetime-local], select { font: inherit; padding: .35rem .5rem; border: 1px solid var(--line); border-radius: 6px; min-width: 12rem; }
button { font: inherit; padding: .35rem .8rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
button.danger { border-color: var(--bad); background: var(--bad); }
button.secondary, a.button { border: 1px solid var(--line); background: #fff; color: var(--fg); padding: .35rem .8rem; border-radius: 6px; text-decoration: none; }
.login { max-width: 34rem; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1.2rem; }
.login input { width: 100%; }
.muted { color: var(--muted); }
form.create { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: .4rem 1.2rem 1rem; margin-bottom: 1.4rem; max-width: 44rem; display: flex; flex-direction: column; gap: .6rem; }
fieldset { border: 1px solid var(--line); border-radius: 6px; padding: .4rem .8rem .6rem; margin: 0; }
legend { font-size: .85rem; color: var(--muted); padding: 0 .3rem; }
fieldset p.muted { margin: .2rem 0 .4rem; font-size: .85rem; }
label.check { flex-direction: row; align-items: center; gap: .45rem; color: var(--fg); font-size: .95rem; }
ul.problems { margin: 0; color: var(--bad); }
.once .notice { border-color: #f5c26b; background: #fffaeb; color: #7a4a00; }
code.secret { display: inline-block; margin-top: .3rem; padding: .5rem .7rem; background: #fff; border: 2px dashed var(--accent); border-radius: 6px; font-size: 1rem; user-select: all; word-break: break-all; }
.row { display: flex; gap: .6rem; align-items: center; flex-wrap: wrap; margin: .8rem 0; }
`;
