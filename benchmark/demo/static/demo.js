// AIMI demo page. Every text from the user or the server is put in the page with textContent
// (never innerHTML), so an instruction like <script>...</script> shows as text.
"use strict";

const state = { info: null, history: [], current: -1, busy: false, replaying: false };
const $ = (id) => document.getElementById(id);

function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "text") node.textContent = value;
    else if (key === "class") node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.appendChild(child);
  return node;
}

async function api(path, body) {
  const response = await fetch(path, body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  const data = await response.json();
  if (!response.ok) throw new Error(data.error || `HTTP ${response.status}`);
  return data;
}

function setStatus(text, isError = false, working = false) {
  $("status").textContent = text;
  $("status").className = isError ? "error" : working ? "working" : "";
}

function figure(src, caption, filename) {
  const img = el("img", { src, alt: caption, width: "160", height: "160" });
  const link = el("a", { href: src, download: filename, text: "download" });
  return el("figure", {}, [img, el("figcaption", {}, [el("span", { text: caption + " " }), link])]);
}

function selectedModels() {
  return [...document.querySelectorAll("#models input:checked")].map((box) => box.value);
}

function renderCurrent() {
  const step = state.history[state.current];
  $("current-image").src = step.image;
  $("current-download").href = step.image;
  $("current-download").setAttribute("download", `aimi-step-${state.current}.png`);
  $("step-label").textContent = `(step ${state.current} of ${state.history.length - 1})`;
  $("back").disabled = state.current === 0;
  const list = $("history");
  list.replaceChildren();
  state.history.forEach((entry, index) => {
    const caption = index === 0 ? "start" : `${index}. "${entry.instruction}" (${entry.model})`;
    const parts = [el("img", { src: entry.image, alt: caption })];
    if (entry.truth) parts.push(el("img", { src: entry.truth, alt: "ground truth", class: "truth", title: "ground truth" }));
    parts.push(el("span", { class: "caption", text: entry.truth ? `${caption} | right: ground truth` : caption }));
    const item = el("li", { class: index === state.current ? "history-step current" : "history-step",
                            "data-step": String(index), title: "go to this step" }, parts);
    item.addEventListener("click", () => { state.current = index; renderCurrent(); });
    list.appendChild(item);
  });
}

function start(image, spec) {
  state.history = [{ image, spec, instruction: null, model: null, truth: null }];
  state.current = 0;
  $("results").replaceChildren();
  $("results-instruction").textContent = "";
  $("unknown").hidden = true;
  if (spec) for (const [name, value] of Object.entries(spec)) {
    const select = $(`attr-${name}`);
    if (select) select.value = value;
  }
  renderCurrent();
}

async function randomAvatar() {
  const seed = Math.floor(Math.random() * 2 ** 31);
  const answer = await api("/api/avatar", { seed });
  start(answer.image, answer.spec);
}

async function fromAttributes() {
  const spec = {};
  for (const select of document.querySelectorAll("#attributes select")) spec[select.name] = select.value;
  const answer = await api("/api/avatar", { spec });
  start(answer.image, answer.spec);
}

async function apply(event) {
  event.preventDefault();
  if (state.busy || state.replaying) return;
  await applyInstruction($("instruction").value, null);
}

// one edit of the current step; ``truth`` (a data URL or null) is shown beside it (session replay).
// Returns whether it succeeded.
async function applyInstruction(instruction, truth) {
  const models = selectedModels();
  if (!instruction.trim()) { setStatus("Type an instruction first.", true); return false; }
  if (!models.length) { setStatus("Tick at least one model.", true); return false; }
  state.busy = true;
  $("apply").disabled = true;
  $("replay-button").disabled = true;
  // the server queues edits for its models: a busy server answers late, not never
  setStatus("Editing… (waiting for the models)", false, true);
  try {
    const source = state.history[state.current];
    const answer = await api("/api/edit", { image: source.image, instruction, models });
    const unknown = $("unknown");
    unknown.hidden = answer.unknown_words.length === 0;
    unknown.textContent = answer.unknown_words.length
      ? `Not in the training vocabulary: ${answer.unknown_words.join(", ")} (word-id models read them as <unk>; subword models by their letters)` : "";
    $("results-instruction").textContent = `"${answer.instruction}"`;
    const box = $("results");
    box.replaceChildren();
    const next = state.current + 1;
    for (const result of answer.results) {
      const figures = [figure(result.output, "output", `aimi-step-${next}-${result.name}.png`)];
      if (result.mask) figures.push(figure(result.mask, "mask", `aimi-step-${next}-${result.name}-mask.png`));
      figures.push(figure(result.change, "change map", `aimi-step-${next}-${result.name}-change.png`));
      box.appendChild(el("div", { class: "result", "data-model": result.model }, [
        el("h3", { text: `${result.model}: ${(100 * result.changed_share).toFixed(1)}% of pixels changed` }),
        ...(result.read_as ? [el("p", { class: "read-as", text: `read as: "${result.read_as}"` })] : []),
        ...figures]));
    }
    if (truth) {
      box.appendChild(el("div", { class: "result truth-result" }, [
        el("h3", { text: "ground truth of this turn (rendered from the session's spec)" }),
        figure(truth, "ground truth", `aimi-step-${next}-truth.png`)]));
    }
    // the first model's output is the next step; later steps replace any steps after this one
    state.history = state.history.slice(0, state.current + 1);
    state.history.push({ image: answer.results[0].output, instruction: answer.instruction,
                         model: answer.results[0].model, truth });
    state.current = state.history.length - 1;
    renderCurrent();
    setStatus(`Applied with ${answer.results.length} model(s).`);
    return true;
  } catch (error) {
    setStatus(error.message, true);
    return false;
  } finally {
    state.busy = false;
    $("apply").disabled = false;
    $("replay-button").disabled = false;
  }
}

async function replay(event) {
  event.preventDefault();
  if (state.busy || state.replaying) return;
  state.replaying = true;       // no other edit or replay until this one is done
  try {
    const session = await api("/api/session", { index: Number($("session-index").value) });
    start(session.start, null);
    for (const [k, turn] of session.turns.entries()) {
      $("instruction").value = turn.instruction;
      setStatus(`Session ${session.id}, turn ${k + 1} of ${session.turns.length}…`, false, true);
      if (!(await applyInstruction(turn.instruction, turn.image))) return;
    }
    setStatus(`Replayed session ${session.id}: ${session.turns.length} turns, each from the previous output ` +
              "(instructions simulated); the ground truth is beside each step in the history.");
  } catch (error) {
    setStatus(error.message, true);
  } finally {
    state.replaying = false;
  }
}

async function init() {
  try {
    state.info = await api("/api/info");
  } catch (error) {
    setStatus(`The demo server did not answer: ${error.message}`, true);
    return;
  }
  const models = $("models");
  state.info.models.forEach((model, index) => {
    const box = el("input", { type: "checkbox", value: model.id, id: `model-${index}` });
    box.checked = true;
    const label = el("label", { for: `model-${index}`,
                                text: ` ${model.id} (${model.preset}, phase ${model.phase}${model.sim ? ", SIM" : ""})` });
    models.appendChild(el("div", {}, [box, label]));
  });
  const attributes = $("attributes");
  for (const attribute of state.info.attributes) {
    const select = el("select", { id: `attr-${attribute.name}`, name: attribute.name });
    for (const value of attribute.values) select.appendChild(el("option", { value, text: value }));
    select.addEventListener("change", () => fromAttributes().catch((e) => setStatus(e.message, true)));
    attributes.appendChild(el("label", { text: attribute.name }, [select]));
  }
  $("random").addEventListener("click", () => randomAvatar().catch((e) => setStatus(e.message, true)));
  $("edit").addEventListener("submit", apply);
  $("replay").addEventListener("submit", replay);
  $("back").addEventListener("click", () => {
    if (state.current > 0) { state.current -= 1; renderCurrent(); }
  });
  await randomAvatar().catch((e) => setStatus(e.message, true));
  document.body.dataset.ready = "1";
}

init();
