// The editor's field safety net, run in the app's own page (Streamlit components v2).
// Drafts: every pin form is copied to localStorage as it is typed, keyed by
// server, user, area and form, and offered back when the form comes back empty.
// Outbox: a Save pressed while the server is unreachable is kept on the device
// with the version the edit began from, and sent when the server answers again.
// Offline, the form's choosers get plain stand-ins; the entry's point (a map tap or the
// device's GPS) is kept by field_point.js, appended to this file; the layer chooser's
// stand-in, another layer's short form and the position box's note by field_layers.js.
// Feedback: a Polish/English banner replaces Streamlit's developer dialog, a
// "saving" sign shows while a save runs, confirmations appear at the top of the
// viewport. Everything typed by people is written with textContent, never HTML.
const G = (window.__calmapField = window.__calmapField || {
  online: true, outboxSending: false, applied: {}, forms: {}, api: null, data: null,
  saving: false, timer: null, loadId: Math.random().toString(36).slice(2),
  fixed: {}, fixedOrder: [],
});

function store(data) { return data.store; }
function read(key, fallback) {
  try { const raw = localStorage.getItem(key); return raw ? JSON.parse(raw) : fallback; }
  catch (e) { return fallback; }
}
function write(key, value) {
  try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* full: keep going */ }
}
function draftKey(data, form) { return `${store(data)}.draft.${data.area}.${form.draft}`; }
function outboxKey(data) { return `${store(data)}.outbox`; }
function outbox(data) { return read(outboxKey(data), []); }
function say(data, key, count) {
  const text = (data.text || {})[key] || key;
  return count === undefined ? text : text.replace("{count}", String(count));
}
function cls(name) { return "." + name.replace(/[^a-zA-Z0-9_-]/g, "-"); }

// --- reading and writing a form's values ------------------------------------------------
function fieldValue(box, field) {
  if (!box) return undefined;
  const own = box.querySelector(".calmap-offline-field");
  if (own) return ownValue(own, field);
  const label = (text) => {
    const hit = field.options.find((o) => o[1] === text);
    return hit ? hit[0] : null;
  };
  switch (field.kind) {
    case "text": { const i = box.querySelector("input"); return i ? i.value : undefined; }
    case "area": { const i = box.querySelector("textarea"); return i ? i.value : undefined; }
    case "date": { const i = box.querySelector("input"); return i && i.value ? i.value : null; }
    case "check": { const i = box.querySelector("input[type=checkbox]"); return i ? i.checked : undefined; }
    case "radio": {
      const all = [...box.querySelectorAll("input[type=radio]")];
      const at = all.findIndex((i) => i.checked);
      return at >= 0 && field.options[at] ? field.options[at][0] : null;
    }
    case "select": {
      const i = box.querySelector("input[role=combobox]");
      return i && i.value ? label(i.value) : null;
    }
    case "multi": {
      const tags = box.querySelectorAll('[data-testid="stMultiSelectTag"], [data-baseweb="tag"]');
      return [...tags].map((t) => label((t.getAttribute("title") || t.innerText).trim()))
        .filter((v) => v !== null);
    }
    default: return undefined;
  }
}
// --- choices offline: Streamlit's choosers cannot be used without the server -----------
// Streamlit disables its widgets while the server is away; its selects, radios and
// checkboxes stay shut even when re-enabled (React keeps them disabled). Each gets a
// plain one of ours in its place, holding the same choice; it is read for the draft and
// the outbox until the server answers again.
function ownValue(own, field) {
  const pick = (i) => (field.options[Number(i)] ? field.options[Number(i)][0] : null);
  if (field.kind === "select") return own.value === "" ? null : pick(own.value);
  if (field.kind === "check") return own.querySelector("input").checked;
  if (field.kind === "radio") {
    const on = own.querySelector("input:checked");
    return on ? pick(on.value) : null;
  }
  return [...own.querySelectorAll("input[type=checkbox]")].filter((i) => i.checked)
    .map((i) => pick(i.value));
}
function ownField(box, field, value) {
  const label = box.querySelector(field.kind === "check" ? "label" : '[data-testid="stWidgetLabel"], label');
  const name = label ? label.innerText.trim() : field.name;
  const at = (code) => field.options.findIndex((o) => same(o[0], code));
  const style = "min-height:44px;font:inherit;box-sizing:border-box;";
  let own;
  if (field.kind === "select") {
    own = document.createElement("select");
    own.setAttribute("aria-label", name);
    own.style.cssText = style + "width:100%;padding:.3rem .5rem;border-radius:.5rem;" +
      "border:1px solid #888;background:#fff;color:inherit";
    const empty = document.createElement("option");
    empty.value = "";
    empty.textContent = "—";
    own.appendChild(empty);
    field.options.forEach((o, i) => {
      const option = document.createElement("option");
      option.value = String(i);
      option.textContent = o[1];
      own.appendChild(option);
    });
    own.value = value === null || value === undefined || at(value) < 0 ? "" : String(at(value));
  } else if (field.kind === "check") {
    own = document.createElement("label");
    own.style.cssText = style + "display:flex;align-items:center;gap:.6rem;cursor:pointer";
    const tick = document.createElement("input");
    tick.type = "checkbox";
    tick.checked = Boolean(value);
    tick.style.cssText = "width:22px;height:22px;margin:0";
    own.appendChild(tick);
    own.appendChild(document.createTextNode(name));
  } else {
    own = document.createElement("fieldset");
    own.setAttribute("aria-label", name);
    own.style.cssText = "border:1px solid #888;border-radius:.5rem;margin:0;padding:.2rem .5rem";
    const chosen = new Set((field.kind === "radio" ? [value] : value || []).map((v) => at(v)));
    const group = `calmap-offline-${field.name}-${Math.random().toString(36).slice(2)}`;
    field.options.forEach((o, i) => {
      const row = document.createElement("label");
      row.style.cssText = style + "display:flex;align-items:center;gap:.6rem;cursor:pointer";
      const box2 = document.createElement("input");
      box2.type = field.kind === "radio" ? "radio" : "checkbox";
      box2.name = group;
      box2.value = String(i);
      box2.checked = chosen.has(i);
      box2.style.cssText = "width:22px;height:22px;margin:0";
      row.appendChild(box2);
      row.appendChild(document.createTextNode(o[1]));
      own.appendChild(row);
    });
  }
  own.className = "calmap-offline-field";
  own.setAttribute("data-testid", "calmap-offline-" + field.name);
  return own;
}
function ownChoices() {
  const form = G.data && G.data.form;
  const root = form && formRoot(form);
  if (!root) return;
  for (const field of form.fields) {
    if (!["select", "multi", "radio", "check"].includes(field.kind)) continue;
    const box = root.querySelector(cls(field.cls));
    if (!box || box.querySelector(".calmap-offline-field")) continue;
    const own = ownField(box, field, fieldValue(box, field));
    box.classList.add("calmap-offline-box");
    box.appendChild(own);
  }
}
function dropOwnChoices() {
  // The server is back and draws the form again (a draft holds any choice made meanwhile).
  document.querySelectorAll(".calmap-offline-field").forEach((n) => n.remove());
  document.querySelectorAll(".calmap-offline-box").forEach((n) => n.classList.remove("calmap-offline-box"));
}

function formRoot(form) {
  // Streamlit names a form's widgets by key, not the form: find it from its Save button.
  const save = document.querySelector(cls(form.save));
  return save ? save.closest('[data-testid="stForm"]') : null;
}
function collect(form) {
  const root = formRoot(form);
  if (!root) return null;
  const values = {};
  for (const field of form.fields) {
    const v = fieldValue(root.querySelector(cls(field.cls)), field);
    if (v !== undefined) values[field.name] = v;
  }
  return values;
}
function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }
function meaningful(values, base) {
  return Object.keys(values).some((k) => !same(values[k], base[k]));
}

// --- the interface: banner, pending list, draft offer, toast -----------------------------
function ensureChrome(data) {
  if (!document.getElementById("calmap-field-style")) {
    const style = document.createElement("style");
    style.id = "calmap-field-style";
    // Streamlit's own "Connection error" dialog and its "CONNECTING" status are for
    // developers, in English: hidden while the banner says the same in the worker's language.
    style.textContent = `
      html.calmap-offline .stDialog:not([data-testid="stDialog"]),
      html.calmap-offline .calmap-connection-dialog,
      html.calmap-offline [data-testid="stStatusWidget"] { display: none !important; }
      html.calmap-offline { overflow: auto !important; }
      html.calmap-offline [data-stale="true"] { opacity: 1 !important; }
      .calmap-offline-box [data-testid="stSelectbox"] > :not(label),
      .calmap-offline-box [data-testid="stMultiSelect"] > :not(label),
      .calmap-offline-box [data-testid="stRadio"] > :not(label),
      .calmap-offline-box [data-testid="stCheckbox"],
      .calmap-offline-box [data-baseweb="select"] { display: none !important; }
      .calmap-offline-hidden { display: none !important; }
      #calmap-banner { position: fixed; top: 0; left: 0; right: 0; z-index: 1000200;
        background: #8a1c1c; color: #fff; font: 600 1rem/1.4 sans-serif; padding: .7rem 1rem;
        text-align: center; display: none; }
      html.calmap-offline #calmap-banner, html.calmap-pending #calmap-banner { display: block; }
      html.calmap-pending:not(.calmap-offline) #calmap-banner { background: #6b4e00; }
      #calmap-toast { position: fixed; top: .75rem; left: 50%; transform: translateX(-50%);
        z-index: 1000300; background: #1d6b35; color: #fff; font: 600 1rem/1.4 sans-serif;
        padding: .7rem 1.2rem; border-radius: .5rem; box-shadow: 0 2px 8px rgba(0,0,0,.3);
        display: none; width: max-content; max-width: 90vw; box-sizing: border-box; }
      .calmap-saving { display: block; margin-top: .4rem; font-weight: 600; color: #8a5a00; }
      .calmap-saving::before { content: ""; display: inline-block; width: .9em; height: .9em;
        margin-right: .5em; border: .18em solid currentColor; border-right-color: transparent;
        border-radius: 50%; vertical-align: -.1em; animation: calmap-spin 1s linear infinite; }
      @keyframes calmap-spin { to { transform: rotate(360deg); } }`;
    document.head.appendChild(style);
  }
  let banner = document.getElementById("calmap-banner");
  if (!banner) {
    banner = document.createElement("div");
    banner.id = "calmap-banner";
    banner.setAttribute("role", "alert");
    banner.setAttribute("data-testid", "calmap-offline-banner");
    document.body.appendChild(banner);
  }
  drawBanner(data);
  if (!document.getElementById("calmap-toast")) {
    const toast = document.createElement("div");
    toast.id = "calmap-toast";
    toast.setAttribute("role", "status");
    toast.setAttribute("data-testid", "calmap-toast");
    document.body.appendChild(toast);
  }
}
function drawBanner(data) {
  // The worker always sees what waits on the device: in the banner, wherever they scroll.
  const banner = document.getElementById("calmap-banner");
  if (!banner) return;
  const count = outbox(data).length;
  const parts = G.online ? [] : [say(data, "offline")];
  if (count) parts.push(say(data, "pending", count));
  banner.textContent = parts.join(" · ");
  banner.setAttribute("data-count", String(count));
  document.documentElement.classList.toggle("calmap-pending", count > 0);
}
function toast(text) {
  const box = document.getElementById("calmap-toast");
  if (!box || !text) return;
  box.textContent = text;
  // Just under the banner (which wraps to several lines on a phone).
  const banner = document.getElementById("calmap-banner");
  const below = banner && banner.offsetHeight ? banner.offsetHeight : 0;
  box.style.top = `${below + 10}px`;
  box.style.display = "block";
  clearTimeout(G.toastTimer);
  G.toastTimer = setTimeout(() => { box.style.display = "none"; }, 6000);
}
function button(text, onClick, testid) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = text;
  b.setAttribute("data-testid", testid);
  b.style.cssText = "min-height:44px;margin:.25rem .5rem .25rem 0;padding:.4rem 1rem;" +
    "border-radius:.5rem;border:1px solid #888;background:#fff;font:inherit;cursor:pointer";
  b.addEventListener("click", onClick);
  return b;
}
function drawPanel() {
  const data = G.data, root = G.root;
  if (!data || !root) return;
  root.textContent = "";
  root.style.cssText = "font-family: inherit; font-size: 1rem;";
  const entries = outbox(data);
  const status = document.createElement("div");
  status.setAttribute("data-testid", "calmap-pending");
  status.setAttribute("data-count", String(entries.length));
  status.style.cssText = "padding:.5rem .75rem;border-radius:.5rem;margin-bottom:.25rem;" +
    (entries.length ? "background:#fff4d6;border:1px solid #d9a400" : "display:none");
  status.textContent = say(data, "pending", entries.length);
  drawBanner(data);
  root.appendChild(status);
  if (!G.online) { drawOfflinePoint(data, root); drawLayerFallback(root); showWhere(data); }
  for (const entry of entries) {
    const row = document.createElement("div");
    row.setAttribute("data-testid", "calmap-entry");
    row.setAttribute("data-state", entry.state);
    row.style.cssText = "padding:.4rem .75rem;border-left:4px solid " +
      (entry.state === "conflict" || entry.state === "error" ? "#b00020" : "#d9a400");
    const head = document.createElement("div");
    head.textContent = `${entry.title} — ${say(data, "state_" + entry.state)}` +
      (entry.text ? `: ${entry.text}` : "");
    row.appendChild(head);
    if (entry.rows && entry.rows.length) {
      const table = document.createElement("table");
      table.setAttribute("data-testid", "calmap-conflict");
      table.style.cssText = "border-collapse:collapse;margin:.3rem 0;font-size:.95rem";
      const head2 = [say(data, "col_field"), say(data, "col_seen"), say(data, "col_now"),
        say(data, "col_yours")];
      for (const cells of [head2, ...entry.rows]) {
        const tr = document.createElement("tr");
        for (const cell of cells) {
          const td = document.createElement(cells === head2 ? "th" : "td");
          td.textContent = cell;
          td.style.cssText = "border:1px solid #ccc;padding:.2rem .5rem;text-align:left";
          tr.appendChild(td);
        }
        table.appendChild(tr);
      }
      row.appendChild(table);
    }
    if (entry.state === "conflict" || entry.state === "error") {
      row.appendChild(button(say(data, "discard_entry"), () => {
        write(outboxKey(data), outbox(data).filter((e) => e.id !== entry.id));
        drawPanel();
      }, "calmap-discard-entry"));
    }
    root.appendChild(row);
  }
  const form = data.form;
  if (form && G.offer && G.offer.draft === form.draft) {
    const offer = document.createElement("div");
    offer.setAttribute("data-testid", "calmap-draft-offer");
    offer.style.cssText = "padding:.5rem .75rem;background:#e8f0fe;border:1px solid #4a78c2;" +
      "border-radius:.5rem;margin:.25rem 0";
    const text = document.createElement("div");
    text.textContent = say(data, "draft_offer").replace("{when}", G.offer.when);
    offer.appendChild(text);
    offer.appendChild(button(say(data, "draft_restore"), () => {
      const d = read(draftKey(data, form), null);
      G.offer = null;
      drawPanel();
      if (d && G.api) G.api.setTriggerValue("restore", { draft: form.draft, values: d.values,
        version: d.version, token: d.token });
    }, "calmap-draft-restore"));
    offer.appendChild(button(say(data, "draft_discard"), () => {
      localStorage.removeItem(draftKey(data, form));
      G.offer = null;
      drawPanel();
    }, "calmap-draft-discard"));
    root.appendChild(offer);
  }
}

// --- the connection ---------------------------------------------------------------------
function setOnline(online) {
  if (G.online === online) return;
  G.online = online;
  document.documentElement.classList.toggle("calmap-offline", !online);
  if (!online) { unlockForm(); ownChoices(); ownLayers(); } else { dropOwnChoices(); dropOwnLayers(); }
  drawPanel();
}
function unlockForm() {
  // Streamlit disables every widget while the server is away; the form stays usable,
  // and its Save goes to the outbox (see onClick).
  const form = G.data && G.data.form;
  const root = form && formRoot(form);
  if (!root) return;
  root.querySelectorAll("input, textarea, button").forEach((el) => { el.disabled = false; });
  freePage();
}
function connectionDialogs() {
  // Newer Streamlit draws its (English-only) connection dialog as any st.dialog: told
  // apart by its words, so the app's own dialogs stay visible.
  const found = [...document.querySelectorAll(".stDialog")].filter((d) =>
    d.classList.contains("calmap-connection-dialog") ||
    /Connection error|server is not responding/i.test(d.textContent || ""));
  found.forEach((d) => d.classList.add("calmap-connection-dialog"));
  return found.length > 0;
}
function freePage() {
  // Streamlit's connection dialog (hidden, see ensureChrome) makes the page behind it
  // inert: nothing could be typed or tapped. Offline, the page stays the worker's.
  if (G.online) return;
  connectionDialogs();
  document.querySelectorAll("[inert]").forEach((el) => {
    if (!el.closest(".stDialog")) el.removeAttribute("inert");
  });
}
async function ping() {
  const data = G.data;
  if (!data) return;
  let ok = false;
  try {
    const reply = await fetch(data.health, { cache: "no-store" });
    ok = reply.ok;
  } catch (e) { ok = false; }
  // Streamlit's own dialog means the websocket is gone even when HTTP answers.
  const dialog = connectionDialogs() ||
    [...document.querySelectorAll(".stDialog:not([data-testid='stDialog'])")].length > 0;
  setOnline(ok && !dialog);
  if (ok && !dialog) sendOutbox();
  if (!G.online) { unlockForm(); ownChoices(); ownLayers(); }
}
function sendOutbox() {
  const data = G.data;
  // A send lost with a dropped connection is tried again after a while; the server
  // answers an entry it already took with its first answer (outbox.py).
  if (!data || !G.api || (G.outboxSending && Date.now() - G.sentAt < 10000)) return;
  const waiting = outbox(data).filter((e) => e.state === "pending" || e.state === "sending");
  if (!waiting.length) return;
  G.outboxSending = true;
  G.sentAt = Date.now();
  write(outboxKey(data), outbox(data).map((e) => (e.state === "pending" ? { ...e, state: "sending" } : e)));
  drawPanel();
  G.api.setTriggerValue("send", waiting.map((e) => ({ ...e, state: "sending" })));
}
function applyResults(data) {
  const results = data.results || {};
  let entries = outbox(data), changed = false;
  for (const [id, result] of Object.entries(results)) {
    const at = entries.findIndex((e) => e.id === id);
    if (at < 0) continue;
    changed = true;
    if (result.status === "saved") {
      const entry = entries[at];
      entries.splice(at, 1);
      // The form's draft goes only if it is not newer than the entry: a form typed after
      // the entry was kept (the same new-pin form, offline) is another entry to be.
      const key = `${store(data)}.draft.${entry.area_id}.${entry.draft}`;
      const draft = read(key, null);
      if (draft && !(draft.at > entry.at)) localStorage.removeItem(key);
      toast(result.text);
    } else {
      entries[at] = { ...entries[at], state: result.status, text: result.text, rows: result.rows };
    }
  }
  if (changed) write(outboxKey(data), entries);
  G.outboxSending = false;
}

// --- the forms --------------------------------------------------------------------------
function watchForm(data) {
  const form = data.form;
  if (!form) return;
  const seen = G.forms[form.key];
  if (!seen) {
    const base = collect(form);
    if (!base) return;
    G.forms[form.key] = { base, touched: false };
    const draft = read(draftKey(data, form), null);
    G.offer = draft && meaningful(draft.values, base)
      ? { draft: form.draft, when: new Date(draft.at).toLocaleString(data.lang === "en" ? "en-GB" : "pl-PL") } : null;
  }
}
function keepDraft() {
  const data = G.data, form = data && data.form;
  const seen = form && G.forms[form.key];
  if (!seen || !seen.touched || G.signedOut) return;
  const values = collect(form);
  if (!values) return;
  if (meaningful(values, seen.base)) {
    write(draftKey(data, form), { values, version: form.version, token: form.token,
      at: Date.now() });
  } else {
    localStorage.removeItem(draftKey(data, form));
  }
}
function onEdit(event) {
  const data = G.data, form = data && data.form;
  const root = form && formRoot(form);
  if (!root || !event.target.closest || !root.contains(event.target)) return;
  const seen = G.forms[form.key];
  if (seen) seen.touched = true;
  clearTimeout(G.timer);
  G.timer = setTimeout(keepDraft, 300);
}
function onClick(event) {
  const data = G.data, form = data && data.form;
  if (data && event.target.closest && event.target.closest(".st-key-calmap-logout")) {
    // Signing out on a shared tablet: this user's drafts leave the device.
    Object.keys(localStorage).filter((k) => k.startsWith(store(data) + ".draft."))
      .forEach((k) => localStorage.removeItem(k));
    G.signedOut = true;  // and no form of theirs is copied again before the next page
  }
  if (!form || !event.target.closest) return;
  const save = event.target.closest(cls(form.save));
  if (!save) return;
  keepDraft();
  if (G.online) {
    G.saving = true;
    showSaving(data, form);
    return;
  }
  // The server is away: the entry goes to the outbox instead.
  event.preventDefault();
  event.stopPropagation();
  const values = collect(form) || {};
  const seen = G.forms[form.key] || { base: {}, queued: 0 };
  // The first entry of a form keeps its token (a save that reached the server just
  // before the connection dropped is then not saved twice); later ones get their own.
  const token = form.token && seen.queued ? `${form.token}.${seen.queued}` : form.token;
  seen.queued = (seen.queued || 0) + 1;
  const entry = {
    id: (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random()),
    user: data.user, area_id: data.area, layer: form.layer, pin_id: form.pin_id,
    version: form.version, is_new: form.is_new, token, draft: form.draft,
    point: G.tapped || form.point, loaded_resource_ids: form.loaded_resource_ids, values,
    // A GPS fix's accuracy, stored with a new pin as online (outbox.py); a tap has none.
    accuracy: G.tapped ? G.tappedAccuracy : form.accuracy,
    title: values.name || form.title, at: Date.now(), state: "pending",
  };
  write(outboxKey(data), [...outbox(data), entry]);
  // The entry holds what was typed: the draft would only offer it a second time.
  localStorage.removeItem(draftKey(data, form));
  seen.base = values;
  seen.touched = false;
  toast(say(data, "kept_here"));
  drawPanel();
  if (G.root) G.root.scrollIntoView({ block: "nearest" });
}
function showSaving(data, form) {
  const box = document.querySelector(cls(form.save));
  if (!box || box.querySelector(".calmap-saving")) return;
  const note = document.createElement("span");
  note.className = "calmap-saving";
  note.setAttribute("role", "status");
  note.setAttribute("data-testid", "calmap-saving");
  note.textContent = say(data, "saving");
  box.appendChild(note);
}

// The data's fixed part (texts, the form's choices, the other layers' short forms) comes
// once, then by its digest only (field_drafts.mount): kept here by digest, the latest few.
function withFixed(component) {
  const raw = component.data;
  const digest = raw.fixed_digest;
  let fixed = raw.fixed;
  if (fixed) {
    G.fixed[digest] = fixed;
  } else {
    fixed = G.fixed[digest];
    // Never received (a lost message): the server sends it again.
    if (!fixed) { component.setTriggerValue("missing", digest); return null; }
  }
  G.fixedOrder = [...G.fixedOrder.filter((d) => d !== digest), digest];
  while (G.fixedOrder.length > 4) delete G.fixed[G.fixedOrder.shift()];
  const form = raw.form && { ...raw.form, offline_layers: fixed.offline_layers,
    // Each field's widget has the key <form's key>.<field's name>.
    fields: fixed.fields.map((f) => ({ ...f, cls: `${raw.form.key}.${f.name}` })) };
  return { ...raw, form, text: fixed.text, point_notes: fixed.point_notes };
}

export default function (component) {
  const { parentElement } = component;
  const data = withFixed(component);
  if (!data) return;
  G.api = component;
  G.data = data;
  G.signedOut = false;
  let root = parentElement.querySelector("#calmap-field-root");
  if (!root) {
    root = document.createElement("div");
    root.id = "calmap-field-root";
    parentElement.appendChild(root);
  }
  G.root = root;
  ensureChrome(data);
  // This render means the run (and any save in it) is over, and any tap has reached it.
  G.saving = false;
  settleTapped(data);
  if (G.online) {
    // A render while the page believes the server away (a stale one, a reconnect the
    // ping has not seen yet) is no such proof: the offline point stays for the entry.
    G.tapped = null;
    G.tappedAccuracy = null;
    G.gpsNote = null;
    if (G.tappedMark) { try { G.tappedMark.remove(); } catch (e) { /* map redrawn */ } G.tappedMark = null; }
  }
  document.querySelectorAll(".calmap-saving").forEach((n) => n.remove());
  for (const item of data.cleared || []) {
    if (G.applied[item.seq]) continue;
    G.applied[item.seq] = true;
    localStorage.removeItem(`${store(data)}.draft.${data.area}.${item.draft}`);
  }
  if (data.confirm && !G.applied["confirm." + data.confirm.seq]) {
    G.applied["confirm." + data.confirm.seq] = true;
    toast(data.confirm.text);
  }
  applyResults(data);
  // The form's widgets are drawn in the same run; read them once they are in the page.
  setTimeout(() => { watchForm(data); drawPanel(); }, 400);
  if (!G.listening) {
    G.listening = true;
    document.addEventListener("input", onEdit, true);
    document.addEventListener("change", onEdit, true);
    document.addEventListener("click", onEdit, true);
    document.addEventListener("keyup", onEdit, true);
    document.addEventListener("click", onClick, true);
    window.addEventListener("message", onMapMessage);
    new MutationObserver(freePage).observe(document.body,
      { attributes: true, attributeFilter: ["inert"], subtree: true });
    setInterval(() => { ping(); if (G.data) { watchForm(G.data); } }, 2000);
    setInterval(keepDraft, 3000);
  }
  drawPanel();
  ping();
}
