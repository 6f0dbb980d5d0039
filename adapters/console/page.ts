// The console page: one HTML document, no build step. Talks to /console/api.
/** `nonce` marks the page's own script and style; the CSP header refuses everything else inline. */
export function consolePage(nonce: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>CRM console</title><link rel="icon" href="data:,">
<style nonce="${nonce}">
body{font:15px/1.45 system-ui,sans-serif;margin:0;background:#f5f5f7;color:#1d1d1f}
header{display:flex;gap:.75rem;align-items:center;flex-wrap:wrap;padding:.75rem 1rem;background:#1d1d1f;color:#fff}
header h1{font-size:1rem;margin:0 1rem 0 0}
header select,header input,header button{font:inherit;padding:.25rem .5rem}
main{max-width:52rem;margin:0 auto;padding:1rem}
#log{display:flex;flex-direction:column;gap:.75rem;margin-bottom:5rem}
.you{align-self:flex-end;background:#0b63ce;color:#fff;border-radius:.75rem;padding:.4rem .75rem;font-family:ui-monospace,monospace}
.reply{background:#fff;border-radius:.75rem;padding:.5rem .9rem;box-shadow:0 1px 2px #0002}
.reply.error{border-left:4px solid #d70015}
.reply h3{margin:.3rem 0}.reply p{margin:.35rem 0}.ctx{color:#6e6e73;font-size:.85rem}
dl{display:grid;grid-template-columns:repeat(auto-fill,minmax(11rem,1fr));gap:.4rem;margin:.4rem 0}
dt{font-size:.75rem;color:#6e6e73}dd{margin:0}
.actions{display:flex;gap:.4rem;flex-wrap:wrap;margin:.5rem 0}
.actions button{font:inherit;border:1px solid #c7c7cc;background:#fff;border-radius:.4rem;padding:.2rem .6rem;cursor:pointer}
.actions button.primary{background:#0b63ce;color:#fff;border-color:#0b63ce}.actions button.danger{color:#d70015}
form#cmd{position:fixed;bottom:0;left:0;right:0;display:flex;gap:.5rem;padding:.75rem 1rem;background:#fff;border-top:1px solid #ddd}
form#cmd input{flex:1;font:15px ui-monospace,monospace;padding:.5rem}
img{max-width:100%}
</style></head>
<body>
<header><h1>CRM console</h1>
<label>Workspace <select id="ws"></select></label>
<label>Member <select id="member"></select></label>
<button id="newWs" type="button">New workspace…</button>
<button id="newMember" type="button">Add member…</button>
</header>
<main><div id="log"><div class="reply"><p>Pick a workspace and a member, then type a command such as <code>/crm help</code>. Replies are shown as your chat apps would show them; buttons work.</p></div></div></main>
<form id="cmd"><input id="text" autocomplete="off" placeholder="/crm help" aria-label="command"><button type="submit">Send</button></form>
<script nonce="${nonce}">
const $ = (id) => document.getElementById(id);
const api = async (path, body) => {
  const res = await fetch('/console/api' + path, body ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {});
  const data = await res.json().catch(() => ({ error: 'bad response' }));
  if (!res.ok) throw new Error(data.error || 'HTTP ' + res.status);
  return data;
};
const params = new URLSearchParams(location.search);
const has = (sel, value) => [...sel.options].some((o) => o.value === value);
/** Returns false when select is not among the workspaces (the first one stays selected). */
async function loadWorkspaces(select) {
  const list = await api('/workspaces');
  $('ws').innerHTML = list.map((w) => '<option value="' + esc(w.id) + '">' + esc(w.name) + (w.links.length ? ' (' + esc(w.links.map((l) => l.platform).join('+')) + ')' : '') + '</option>').join('');
  const found = !select || has($('ws'), select);
  if (select && found) $('ws').value = select;
  await loadMembers();
  return found;
}
async function loadMembers(select) {
  if (!$('ws').value) { $('member').innerHTML = ''; return; }
  const list = await api('/workspaces/' + encodeURIComponent($('ws').value) + '/members');
  $('member').innerHTML = list.map((m) => '<option value="' + esc(m.id) + '">' + esc(m.name) + ' · ' + esc(m.role) + '</option>').join('');
  if (select && has($('member'), select)) $('member').value = select;
}
const esc = (t) => String(t).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
function show(html, cls) { const d = document.createElement('div'); d.className = cls || ''; d.innerHTML = html; $('log').appendChild(d); d.scrollIntoView({ block: 'end' }); return d; }
async function run(text) {
  if (!$('ws').value || !$('member').value) { show('<div class="reply error"><p>Pick a workspace and a member first.</p></div>'); return; }
  show(esc(text), 'you');
  try {
    const r = await api('/command', { workspaceId: $('ws').value, memberId: $('member').value, text });
    show(r.html, 'out');
  } catch (e) { show('<div class="reply error"><p>' + esc(e.message) + '</p></div>'); }
}
$('cmd').addEventListener('submit', (e) => { e.preventDefault(); const t = $('text').value.trim(); if (t) { $('text').value = ''; run(t); } });
$('log').addEventListener('click', (e) => {
  const b = e.target.closest('button[data-command]'); if (b) { run('/crm ' + b.dataset.command); return; }
  const f = e.target.closest('button[data-fill]'); if (f) { $('text').value = '/crm ' + f.dataset.fill + ' '; $('text').focus(); }
});
$('ws').addEventListener('change', () => loadMembers());
$('newWs').addEventListener('click', async () => {
  const name = prompt('Workspace name'); if (!name) return;
  const adminName = prompt('Your name (the first member is the admin)'); if (!adminName) return;
  try { const r = await api('/workspaces', { name, adminName }); await loadWorkspaces(r.workspace.id); await loadMembers(r.admin.id); } catch (e) { alert(e.message); }
});
$('newMember').addEventListener('click', async () => {
  if (!$('ws').value) return;
  const name = prompt('Member name'); if (!name) return;
  try { const m = await api('/workspaces/' + encodeURIComponent($('ws').value) + '/members', { name }); await loadMembers(m.id); } catch (e) { alert(e.message); }
});
// ?ws=…&cmd=… (record links): only "<kind> show <KEY>" runs by itself; anything else waits in the input
const SHOW = /^(contact|company|deal|ticket) show [CADT]-\\d{1,9}$/i;
loadWorkspaces(params.get('ws')).then((found) => {
  const cmd = (params.get('cmd') || '').trim();
  if (!found) show('<div class="reply error"><p>This link is for a workspace this console does not have.</p></div>');
  else if (SHOW.test(cmd)) run('/crm ' + cmd);
  else if (cmd) $('text').value = '/crm ' + cmd;
}).catch((e) => show('<div class="reply error"><p>' + esc(e.message) + '</p></div>'));
</script></body></html>`;
}
