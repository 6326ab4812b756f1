// Offline, another layer's entry and an honest "Położenie" box (appended to field_sync.js
// and field_point.js, whose G, say, button, ownField, ownValue, formRoot, outbox, write,
// read, toast, drawPanel and tappedText it uses).
// The server draws each layer's form, so without it the layer chooser ("Zasoby /
// Partnerzy / Potrzeby") is locked. Offline it gets a plain stand-in like the form's other
// choosers; picking another layer than the form on screen shows a short form of that
// layer built here from the catalogue sent with the page (describe_form's
// offline_layers). Its Save keeps an entry in the outbox as that layer's new pin, sent
// later through the same checks as any other. What it cannot hold (contacts, hours, a
// need's plan) is said on it, and added online. Its draft is kept under the same name as
// that layer's own new-pin form, so online the full form offers it back.

function offlineLayers() {
  const form = G.data && G.data.form;
  return (form && form.offline_layers) || [];
}
function chosenLayer() {
  const form = G.data && G.data.form;
  return G.offlineLayer || (form ? form.layer : null);
}
function randomToken() {
  // editor_state.new_token's form: 32 hex digits.
  const bytes = new Uint8Array(16);
  (window.crypto || {}).getRandomValues ? crypto.getRandomValues(bytes)
    : bytes.forEach((_, i) => { bytes[i] = Math.floor(Math.random() * 256); });
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// --- the layer chooser ------------------------------------------------------------------
function layerChooser(name) {
  const field = { name: "layer", kind: "radio",
    options: offlineLayers().map((l) => [l.layer, l.label]) };
  const box = document.createElement("div");
  const label = document.createElement("label");
  label.textContent = name;
  box.appendChild(label);
  const own = ownField(box, field, chosenLayer());
  own.setAttribute("data-testid", "calmap-offline-layer");
  // In a row, as Streamlit draws this chooser (horizontal), wrapping on a phone.
  own.style.cssText += ";display:flex;flex-wrap:wrap;column-gap:1.5rem;width:max-content;" +
    "max-width:100%;box-sizing:border-box";
  own.addEventListener("change", () => {
    G.offlineLayer = ownValue(own, field);
    showChosenLayer();
    drawPanel();
  });
  return own;
}
function ownLayers() {
  // The stand-in goes where Streamlit's chooser is; without it, into the offline panel.
  const form = G.data && G.data.form;
  if (!form || !offlineLayers().length) return;
  const box = document.querySelector(cls(form.layer_radio));
  if (box && !box.querySelector('[data-testid="calmap-offline-layer"]')) {
    const label = box.querySelector('[data-testid="stWidgetLabel"], label');
    box.classList.add("calmap-offline-box");
    box.appendChild(layerChooser(label ? label.innerText.trim() : ""));
  }
  showChosenLayer();
}
function drawLayerFallback(root) {
  const form = G.data && G.data.form;
  if (!form || !offlineLayers().length || document.querySelector(cls(form.layer_radio))) return;
  root.appendChild(layerChooser(say(G.data, "offline_new").replace("{layer}", "")));
}
function dropOwnLayers() {
  // The server is back: its own chooser and forms again (the short form's draft is offered
  // back by that layer's full form).
  G.offlineLayer = null;
  document.querySelectorAll('[data-testid="calmap-offline-layer"], .calmap-mini')
    .forEach((n) => n.remove());
  document.querySelectorAll(".calmap-offline-hidden")
    .forEach((n) => n.classList.remove("calmap-offline-hidden"));
  dropWhere();
}

// --- the short form of another layer ----------------------------------------------------
function showChosenLayer() {
  const form = G.data && G.data.form;
  const root = form && formRoot(form);
  if (!root) return;
  const layer = chosenLayer();
  const mini = document.querySelector(".calmap-mini");
  const heading = form.heading && [...document.querySelectorAll('[data-testid="stHeading"]')]
    .find((h) => (h.innerText || "").trim() === form.heading);
  if (heading) heading.classList.toggle("calmap-offline-hidden", layer !== form.layer);
  if (layer === form.layer) {
    root.classList.remove("calmap-offline-hidden");
    if (mini) mini.remove();
  } else if (!mini || mini.getAttribute("data-layer") !== layer) {
    if (mini) mini.remove();
    const spec = offlineLayers().find((l) => l.layer === layer);
    if (!spec) return;
    root.classList.add("calmap-offline-hidden");
    root.parentElement.appendChild(miniForm(spec));
  }
}
function miniDraftKey(spec) { return `${store(G.data)}.draft.${G.data.area}.${spec.draft}`; }
function miniForm(spec) {
  const data = G.data;
  const kept = read(miniDraftKey(spec), null);
  const values = { ...spec.values, ...((kept && kept.values) || {}) };
  const box = document.createElement("div");
  box.className = "calmap-mini";
  box.setAttribute("data-layer", spec.layer);
  box.setAttribute("data-testid", "calmap-mini");
  box.style.cssText = "border:1px solid #8a1c1c;border-radius:.5rem;padding:.75rem;" +
    "margin:.5rem 0;display:flex;flex-direction:column;gap:.6rem";
  const head = document.createElement("div");
  head.style.cssText = "font-weight:600;font-size:1.1rem";
  head.textContent = say(data, "offline_new").replace("{layer}", spec.label);
  const note = document.createElement("div");
  note.style.cssText = "font-size:.95rem;color:#555";
  note.textContent = say(data, "offline_note");
  box.appendChild(head);
  box.appendChild(note);
  const inputs = [];
  for (const field of spec.fields) {
    const row = document.createElement("div");
    let own;
    if (field.kind === "text" || field.kind === "area") {
      const label = document.createElement("label");
      label.style.cssText = "display:flex;flex-direction:column;gap:.25rem";
      label.appendChild(document.createTextNode(field.label));
      own = document.createElement(field.kind === "text" ? "input" : "textarea");
      own.value = values[field.name] || "";
      own.style.cssText = "min-height:44px;font:inherit;padding:.4rem .5rem;border-radius:.5rem;" +
        "border:1px solid #888;box-sizing:border-box;width:100%";
      if (field.kind === "area") own.rows = 3;
      label.appendChild(own);
      row.appendChild(label);
    } else {
      const label = document.createElement("label");
      label.textContent = field.label;
      row.appendChild(label);
      own = ownField(row, field, values[field.name]);
      if (field.kind === "check") label.remove();  // the tick box carries its own label
      row.appendChild(own);
    }
    own.setAttribute("data-testid", "calmap-mini-" + field.name);
    inputs.push([field, own]);
    box.appendChild(row);
  }
  const problem = document.createElement("div");
  problem.setAttribute("role", "alert");
  problem.setAttribute("data-testid", "calmap-mini-problem");
  problem.style.cssText = "color:#8a1c1c;font-weight:600;display:none";
  box.appendChild(problem);
  const valuesNow = () => {
    const out = { ...spec.values };
    for (const [field, own] of inputs) {
      out[field.name] = field.kind === "text" || field.kind === "area"
        ? own.value : ownValue(own, field);
    }
    return out;
  };
  // Typed text is kept as that layer's new-pin draft (nothing typed is lost).
  box.addEventListener("input", () => {
    write(miniDraftKey(spec), { values: valuesNow(), version: null, token: null, at: Date.now() });
  });
  box.addEventListener("change", () => {
    write(miniDraftKey(spec), { values: valuesNow(), version: null, token: null, at: Date.now() });
  });
  const save = button(spec.save, () => {
    const now = valuesNow();
    const missing = inputs.filter(([field]) => field.required &&
      (now[field.name] === null || now[field.name] === undefined ||
       String(now[field.name]).trim() === "")).map(([field]) => field.label);
    const form = data.form || {};
    const point = G.tapped || form.point || null;
    const pointNeeded = spec.layer === "resource" || (spec.layer === "need" && !now.whole_area);
    if (missing.length || (pointNeeded && !point)) {
      const parts = missing.length ? [say(data, "offline_missing") + " " + missing.join(", ")] : [];
      if (pointNeeded && !point) parts.push(say(data, "no_point_offline"));
      problem.textContent = parts.join(" ");
      problem.style.display = "block";
      return;
    }
    problem.style.display = "none";
    const entry = {
      id: (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random()),
      user: data.user, area_id: data.area, layer: spec.layer, pin_id: null, version: null,
      is_new: true, token: randomToken(), draft: spec.draft, point,
      accuracy: G.tapped ? G.tappedAccuracy : form.accuracy,
      loaded_resource_ids: [], values: now, title: now.name || spec.label,
      at: Date.now(), state: "pending",
    };
    write(outboxKey(data), [...outbox(data), entry]);
    localStorage.removeItem(miniDraftKey(spec));
    box.replaceWith(miniForm(spec));  // a fresh short form for the next entry
    toast(say(data, "kept_here"));
    drawPanel();
  }, "calmap-mini-save");
  save.style.background = "#8a1c1c";
  save.style.color = "#fff";
  box.appendChild(save);
  return box;
}

// --- the "Położenie" box ----------------------------------------------------------------
// Offline, the editor's note under the position box ("Nie zaznaczono jeszcze punktu",
// "Zaznaczony punkt: …") is the server's last word and may be untrue: hidden, with the
// offline point written in the box and said under it.
function pointNotes(data) {
  const openings = (data.point_notes || []).map((s) => s.trim()).filter((s) => s.length >= 6);
  return [...document.querySelectorAll('[data-testid="stCaptionContainer"], [data-testid="stAlert"]')]
    .filter((el) => !el.closest(".calmap-mini") && openings.some((o) =>
      (el.innerText || "").trim().startsWith(o.slice(0, 24))));
}
function showWhere(data) {
  const form = data.form;
  const box = form && document.querySelector(cls(form.coords));
  if (!box) return;
  const isNew = chosenLayer() !== form.layer || form.is_new;
  // A point marked online before the signal went, and nothing since: the server's note holds.
  if (!G.tapped && form.point && isNew) { dropWhere(); return; }
  pointNotes(data).forEach((el) => el.classList.add("calmap-offline-hidden"));
  let note = box.querySelector('[data-testid="calmap-offline-where"]');
  if (!note) {
    note = document.createElement("div");
    note.setAttribute("data-testid", "calmap-offline-where");
    note.style.cssText = "margin-top:.3rem;font-size:.95rem;color:#8a1c1c";
    box.appendChild(note);
  }
  let text = G.tapped ? tappedText(data) : say(data, "no_point_offline");
  if (G.tapped && G.tappedAccuracy) {
    const metres = String(Math.round(G.tappedAccuracy));
    text += " · " + say(data, G.tappedAccuracy > LOW_ACCURACY_M ? "gps_low" : "gps_accuracy")
      .replace("{metres}", metres);
  }
  if (!isNew) text = say(data, "offline_edit_note") + (G.tapped ? " " + text : "");
  note.textContent = text;
  const input = box.querySelector("input");
  if (input && G.tapped) {
    if (G.coordsBefore === undefined) G.coordsBefore = input.value;
    // As the box shows a point online, in the worker's language.
    input.value = pointText(data, ...G.tapped);
  }
}
function dropWhere() {
  document.querySelectorAll('[data-testid="calmap-offline-where"]').forEach((n) => n.remove());
  pointNotes(G.data || {}).forEach((el) => el.classList.remove("calmap-offline-hidden"));
  const form = G.data && G.data.form;
  const box = form && document.querySelector(cls(form.coords));
  const input = box && box.querySelector("input");
  if (input && G.coordsBefore !== undefined) input.value = G.coordsBefore;
  G.coordsBefore = undefined;
}
