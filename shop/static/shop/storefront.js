// The web shop: a single page over the public API (/api/v1/), the same API every client uses.
// No build step, no framework: hash routes (#/, #/p/<slug>, #/cart, #/checkout, #/orders,
// #/orders/<id>, #/login, #/register, #/forgot-password, #/reset-password?uid=&token= (the
// emailed link), #/account), DOM built with h() (text is never parsed as HTML).

const PINCODE_KEY = "shop.pincode";
const CHECKOUT_KEY = "shop.checkout"; // {body, key}: a retried submission reuses its Idempotency-Key
const RECENT_ORDERS_KEY = "shop.recentOrders"; // {order id: when checkout took it}: orders worth waiting for
/** Checkout answers before the saga places the order (a second or two, longer with a backlog):
 * the order page waits this long for an order this browser checked out, no more. */
const PLACING_PATIENCE_MS = 3 * 60 * 1000;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Nothing more that the customer waits for will happen: delivered, or cancelled with any payment back. */
const settled = (order) =>
  order.status === "delivered" || (order.status === "cancelled" && order.totals.refunded_paise >= order.totals.paid_paise);
/** Orders whose lines "Buy again" puts back in the cart: the ones that are over. */
const BUY_AGAIN = new Set(["delivered", "cancelled"]);
const CUSTOMER_CAN_CANCEL = new Set(["pending", "awaiting_payment", "confirmed", "picking"]);
const STEPS = ["pending", "awaiting_payment", "confirmed", "picking", "packed", "out_for_delivery", "delivered"];
const STATUS_LABEL = {
  pending: "Placed",
  awaiting_payment: "Awaiting payment",
  confirmed: "Confirmed",
  picking: "Being picked",
  packed: "Packed",
  out_for_delivery: "Out for delivery",
  delivered: "Delivered",
  cancelled: "Cancelled",
};
const STATES = [
  "Andaman and Nicobar Islands", "Andhra Pradesh", "Arunachal Pradesh", "Assam", "Bihar", "Chandigarh",
  "Chhattisgarh", "Dadra and Nagar Haveli and Daman and Diu", "Delhi", "Goa", "Gujarat", "Haryana",
  "Himachal Pradesh", "Jammu and Kashmir", "Jharkhand", "Karnataka", "Kerala", "Ladakh", "Lakshadweep",
  "Madhya Pradesh", "Maharashtra", "Manipur", "Meghalaya", "Mizoram", "Nagaland", "Odisha", "Puducherry",
  "Punjab", "Rajasthan", "Sikkim", "Tamil Nadu", "Telangana", "Tripura", "Uttar Pradesh", "Uttarakhand",
  "West Bengal",
];

const state = {
  me: null, cart: null, serviceability: null, categories: null, skus: new Map(), leave: null,
  notice: null, // a message for the next render of the page (e.g. about an address just saved)
  // The prepaid order this page load just checked out: its page goes on to the pay page by
  // itself, once. Kept in memory, not in storage: a reload, Back from Razorpay or a later
  // visit (from Your orders, another tab) finds it empty and shows "Pay now" instead.
  payOnArrival: null,
  pending: new Set(), // sku ids whose "Add" is on its way
  buyingAgain: false, // a "Buy again" is putting an order's lines in the cart
  buyAgain: null, // what the last "Buy again" did, shown on the cart page until it is left
  retried: false, // a Retry is on its way: a page that fails again says "Still no answer"
};
const $ = (selector, root = document) => root.querySelector(selector);

// --- small helpers ---------------------------------------------------------------------

/** An element: h("a", {href: "#/"}, "text", child, ...). Attributes starting with "on" are listeners. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "class") el.className = value;
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const inr = new Intl.NumberFormat("en-IN", { style: "currency", currency: "INR" });
/** Integer paise as rupees, e.g. 123450 -> ₹1,234.50. */
const rupees = (paise) => inr.format((paise || 0) / 100);
// The shop's clock is India's, wherever the customer's browser is.
const when = (iso, options) => new Date(iso).toLocaleString("en-IN", { timeZone: "Asia/Kolkata", ...options });
const time = (iso) => when(iso, { hour: "numeric", minute: "2-digit" });
const day = (iso) => when(iso, { weekday: "short", day: "numeric", month: "short" });
const slotLabel = (start, end) => `${day(start)}, ${time(start)} – ${time(end)}`;
/** When a slot stops taking orders: "3:30 pm", with the day when that is not the slot's own. */
const cutoffLabel = (slot) => (day(slot.cutoff_at) === day(slot.starts_at) ? time(slot.cutoff_at) : `${time(slot.cutoff_at)} ${day(slot.cutoff_at)}`);

function quantityLabel(quantity, soldBy) {
  if (soldBy !== "weight") return String(quantity);
  return quantity >= 1000 ? `${(quantity / 1000).toLocaleString("en-IN")} kg` : `${quantity} g`;
}

function cookie(name) {
  const match = document.cookie.match(new RegExp(`(?:^|; )${name}=([^;]*)`));
  return match ? decodeURIComponent(match[1]) : "";
}

class ApiError extends Error {
  constructor(status, message, fields, code) {
    super(message);
    this.status = status;
    this.fields = fields || {};
    this.code = code || "";
  }
}

/** A call to the shop's API: JSON in and out, the session cookie and its CSRF token; errors throw ApiError. */
async function api(path, { method = "GET", body, headers = {} } = {}) {
  const options = { method, credentials: "same-origin", headers: { Accept: "application/json", ...headers } };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  if (method !== "GET") options.headers["X-CSRFToken"] = cookie("csrftoken");
  let response;
  try {
    response = await fetch(path, options);
  } catch {
    throw new ApiError(0, "The shop cannot be reached. Check your connection and try again.");
  }
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const error = data && data.error;
    throw new ApiError(response.status, (error && error.message) || `The shop answered ${response.status}.`, error && error.fields, error && error.code);
  }
  return data;
}

let flashTimer;
function flash(message, kind = "info") {
  const box = $("#flash");
  box.textContent = message;
  box.className = kind;
  box.hidden = false;
  clearTimeout(flashTimer);
  flashTimer = setTimeout(() => (box.hidden = true), kind === "error" ? 8000 : 3500);
}

/** Tells screen-reader users what changed where they are not looking (the cart, an order's
 * status) in the page's hidden live region; the same words twice are read twice. */
let announceTimer;
function announce(message) {
  const box = $("#announce");
  box.textContent = "";
  clearTimeout(announceTimer);
  announceTimer = setTimeout(() => (box.textContent = message), 100);
}

/** The API names fields by their keys ("phone", "address_id"): customers read these labels. */
const FIELD_LABELS = {
  full_name: "Name", name: "Name", email: "Email", password: "Password", phone: "Phone",
  current_password: "Current password", new_password: "New password", new_password_again: "New password again",
  line1: "House, street", line2: "Area", landmark: "Landmark", city: "City", state: "State", pincode: "Pincode",
  address_id: "Delivery address", slot_id: "Delivery slot", payment_method: "Payment", quantity: "Quantity",
};
/** A choice left empty reads as what to do, not as a field that is "required". */
const CHOOSE = { address_id: "Choose a delivery address.", slot_id: "Choose a delivery slot.", payment_method: "Choose how to pay." };
const fieldLabel = (field) => FIELD_LABELS[field] || (field.charAt(0).toUpperCase() + field.slice(1)).replaceAll("_", " ");

const problemList = (problems) => (Array.isArray(problems) ? problems : Object.values(problems || {}).flat(Infinity)).map(String);

/** One field's problems as a sentence for the customer: "Phone: Enter a valid phone number.",
 * named by `label` (the form's own label for it) when given. */
function fieldMessage(field, problems, label = fieldLabel(field)) {
  const list = problemList(problems);
  if (CHOOSE[field] && (!list.length || list.some((problem) => /required|may not be null|blank/i.test(problem)))) return CHOOSE[field];
  return `${label}: ${list.join(" ") || "is not valid."}`;
}

/** The words the customer sees for an input: its label's own text ("Mobile"), not its options'
 * or a hint's; else its group's legend, else its aria-label. */
function visibleLabel(input) {
  const label = input.closest("label") || (input.id && document.querySelector(`label[for="${input.id}"]`));
  const own = label ? [...label.childNodes].filter((node) => node.nodeType === Node.TEXT_NODE).map((node) => node.textContent).join(" ") : "";
  const text = own.replace(/\s*\(.*?\)\s*/g, " ").replace(/[\s:*]+$/, "").replace(/\s+/g, " ").trim();
  if (text) return text;
  const legend = input.closest("fieldset")?.querySelector("legend");
  return (legend && legend.textContent.trim()) || input.getAttribute("aria-label") || "";
}

/** The words to show for a failure: a validation error is told again with field labels (its
 * message names the API's keys); a business rule's message is already written for people. */
function errorMessage(error) {
  if (!(error instanceof ApiError)) return "Something went wrong. Please try again.";
  const fields = Object.entries(error.fields || {});
  if (error.code === "validation_error" && fields.length) return fields.map(([field, problems]) => fieldMessage(field, problems)).join(" ");
  return error.message;
}

/** An input is described by its error (when it has one) and by its hint (data-hint: the id
 * of what the form says about it beforehand, "At least 8 characters"). */
function describeInput(input, errorId = "") {
  const ids = [errorId, input.dataset.hint].filter(Boolean).join(" ");
  if (ids) input.setAttribute("aria-describedby", ids);
  else input.removeAttribute("aria-describedby");
}

/** Clears the errors shown next to a form's fields. */
function clearFieldErrors(form) {
  for (const note of form.querySelectorAll(".field-error")) note.remove();
  for (const input of form.querySelectorAll("[aria-invalid]")) {
    input.removeAttribute("aria-invalid");
    describeInput(input);
  }
}

/** Shows a failed call: each field's problem next to its input, named as the form names it,
 * and on the form's own error line only what is not told there already; or the flash. */
function showError(error, form) {
  if (!(error instanceof ApiError)) console.error(error);
  const message = errorMessage(error);
  if (!form) return flash(message, "error");
  clearFieldErrors(form);
  const line = $(".error.form-error", form);
  const elsewhere = []; // the problems of fields this form does not have: on its error line
  const placed = []; // the problems told next to their fields
  let firstInvalid = null;
  for (const [field, problems] of Object.entries((error && error.fields) || {})) {
    const found = form.elements[field];
    // A hidden input is a field the customer sees only inside a group of its own (the slot list).
    const inputs = (!found ? [] : found instanceof RadioNodeList ? [...found] : [found])
      .filter((input) => input.type !== "hidden" || input.closest("fieldset"));
    if (!inputs.length) {
      // Unless it only says again what the error's message says.
      if (!problemList(problems).every((problem) => error.message.includes(problem))) elsewhere.push(fieldMessage(field, problems));
      continue;
    }
    placed.push(...problemList(problems));
    // Next to the input, or after a group of radios (their fieldset), so it is read with it.
    const group = inputs.length > 1 || inputs[0].type === "radio" ? inputs[0].closest("fieldset") : null;
    const label = visibleLabel(inputs[0]) || fieldLabel(field);
    const note = h("p", { class: "error field-error", id: `${form.id || "form"}-${field}-error`, "data-field": field }, fieldMessage(field, problems, label));
    if (!firstInvalid && inputs[0].type !== "hidden") firstInvalid = inputs[0];
    if (group) group.append(note);
    else (inputs[0].closest("label") || inputs[0]).after(note);
    for (const input of inputs) {
      input.setAttribute("aria-invalid", "true");
      describeInput(input, note.id);
      input.addEventListener("input", () => {
        note.remove();
        for (const each of inputs) {
          each.removeAttribute("aria-invalid");
          describeInput(each);
        }
      }, { once: true });
    }
  }
  // A rule's message is told on the form's line, unless it only repeats a field's problem; a
  // validation error's fields are all told next to them (those the form lacks, on the line).
  const fieldsOnly = error instanceof ApiError && (error.code === "validation_error" || placed.includes(error.message));
  const text = placed.length || elsewhere.length ? [fieldsOnly ? "" : message, ...elsewhere].filter(Boolean).join(" ") : message;
  line.textContent = text;
  line.hidden = !text;
  // Nothing on the line to read: the first field in error is where the customer goes (and
  // hears its problem, its description).
  if (!text && firstInvalid) firstInvalid.focus();
}

function formData(form) {
  return Object.fromEntries([...new FormData(form)].map(([key, value]) => [key, String(value).trim()]));
}

async function busy(button, work) {
  button.disabled = true;
  try {
    return await work();
  } finally {
    button.disabled = false;
  }
}

// --- session, cart, pincode ----------------------------------------------------------------

async function loadMe() {
  try {
    state.me = await api("/api/v1/auth/me/");
  } catch (error) {
    if (error.status !== 401 && error.status !== 403) throw error;
    state.me = null;
  }
  showMe();
}

function showMe() {
  $("#login-link").hidden = !!state.me;
  $("#logout-button").hidden = !state.me;
  $("#orders-link").hidden = !state.me;
  $("#account-link").hidden = !state.me;
  if (state.me) $("#logout-button").textContent = `Log out (${state.me.full_name || state.me.email})`;
}

/** Focus back on the control with the same label (or id, or the page's heading) after a
 * re-render (keyboard users stay put, also when the order's page updates live); when that
 * control is gone (Add became − 1 +, or − to zero became Add), on the one that took its place
 * for the same SKU. */
function keepFocus(render) {
  const active = document.activeElement;
  const focused = active && active !== document.body ? active : null;
  const label = focused ? focused.getAttribute("aria-label") : null;
  const id = focused && !label ? focused.id : "";
  const heading = focused && !label && !id && focused.matches("#app h1");
  const tabindex = focused ? focused.getAttribute("tabindex") : null; // a heading or status focused on purpose
  const holder = active && active.closest ? active.closest("[data-sku-controls]") : null;
  const skuId = holder ? holder.dataset.skuControls : null;
  render();
  const same = id ? document.getElementById(id) : heading ? $("#app h1") : null;
  if (same && same !== focused) {
    if (tabindex !== null && !same.hasAttribute("tabindex")) same.setAttribute("tabindex", tabindex);
    return same.focus({ preventScroll: true });
  }
  if (!label) return;
  const again = [...document.querySelectorAll("[aria-label]")].find((el) => el.getAttribute("aria-label") === label);
  if (again) return again.focus();
  if (!skuId) return;
  const place = document.querySelector(`[data-sku-controls="${skuId}"]`);
  const instead = place && (place.querySelector('[aria-label^="One more"]') || place.querySelector("button"));
  if (instead) instead.focus();
}

function setCart(cart) {
  state.cart = cart;
  const count = cart.lines.filter((line) => line.sold_by !== "weight").reduce((sum, line) => sum + line.quantity, 0)
    + cart.lines.filter((line) => line.sold_by === "weight").length;
  $("#cart-count").textContent = count;
  // The items' worth, as shops show it beside the cart; fees are told in the cart and at checkout.
  $("#cart-total").textContent = rupees(cart.lines.length ? cart.subtotal_paise : 0);
  // Read out as "Cart 2 items, ₹520.00", not "Cart 2 dot ₹520.00".
  const words = $("#cart-count-words"); // (a page cached from before it had them: none)
  if (words) words.textContent = count === 1 ? " item, " : " items, ";
  $("#pincode-label").textContent = cart.pincode || "set pincode";
  keepFocus(() => {
    for (const holder of document.querySelectorAll("[data-sku-controls]")) {
      const sku = state.skus.get(holder.dataset.skuControls);
      if (sku) holder.replaceChildren(skuControls(sku));
    }
  });
}

// Every read and write of the cart runs after the one before, each from the cart the
// previous one answered: two quick taps on + add two steps, and no late answer
// overwrites a newer cart.
let cartQueue = Promise.resolve();
function queued(work) {
  const run = cartQueue.then(work);
  cartQueue = run.catch(() => {});
  return run;
}

const loadCart = () => queued(async () => setCart(await api("/api/v1/cart/")));

const storeId = () => (state.cart && state.cart.store_id) || "";

async function choosePincode(pincode) {
  const where = await api(`/api/v1/delivery/serviceability/?pincode=${encodeURIComponent(pincode)}`);
  if (!where.serviceable) throw new ApiError(422, where.message || `We do not deliver to ${pincode} yet.`);
  setCart(await api("/api/v1/cart/", { method: "PATCH", body: { pincode } }));
  state.serviceability = where;
  localStorage.setItem(PINCODE_KEY, pincode);
  flash(where.message);
  return where;
}

/** Asks for the pincode in the dialog; resolves true once one that we deliver to is set. */
function askPincode() {
  const dialog = $("#pincode-dialog");
  const form = $("#pincode-form");
  const error = $("#pincode-error");
  form.elements.pincode.value = (state.cart && state.cart.pincode) || "";
  form.elements.pincode.removeAttribute("aria-invalid");
  error.textContent = "";
  error.hidden = true;
  dialog.showModal();
  return new Promise((resolve) => {
    let answered = false;
    const done = (ok) => {
      if (answered) return;
      answered = true;
      form.onsubmit = null;
      form.elements.pincode.oninput = null;
      $("#pincode-cancel").onclick = null;
      dialog.onclose = null;
      if (dialog.open) dialog.close();
      resolve(ok);
    };
    $("#pincode-cancel").onclick = () => done(false);
    // Closed any other way (Escape, the browser's close request): as Cancel, so an "Add" that
    // asked for the pincode is given back.
    dialog.onclose = () => done(false);
    // A message is about the pincode it was given for: another one typed (or sent) clears it.
    const input = form.elements.pincode;
    const clear = () => {
      error.textContent = "";
      error.hidden = true;
      input.removeAttribute("aria-invalid");
    };
    input.oninput = clear;
    form.onsubmit = async (event) => {
      event.preventDefault();
      clear();
      const pincode = input.value.trim();
      try {
        await choosePincode(pincode);
        done(true);
        route();
      } catch (failure) {
        if (input.value.trim() !== pincode) return; // typed on meanwhile: about an old pincode
        error.textContent = failure.message;
        error.hidden = false;
        input.setAttribute("aria-invalid", "true");
      }
    };
  });
}

// --- adding to the cart -------------------------------------------------------------------

const lineOf = (skuId) => state.cart && state.cart.lines.find((line) => line.sku_id === skuId);

/** Re-draws the controls of one SKU wherever they are on the page (focus stays put). */
function refreshControls(skuId) {
  const sku = state.skus.get(skuId);
  if (!sku) return;
  keepFocus(() => {
    for (const holder of document.querySelectorAll(`[data-sku-controls="${skuId}"]`)) holder.replaceChildren(skuControls(sku));
  });
}

async function changeLine(sku, delta) {
  const adding = !lineOf(sku.id);
  if (adding) {
    if (state.pending.has(sku.id)) return; // already on its way: a second tap adds nothing
    state.pending.add(sku.id);
    refreshControls(sku.id);
  }
  try {
    if (!storeId() && !(await askPincode())) return;
    await queued(() => applyChange(sku, delta));
  } finally {
    if (adding) {
      state.pending.delete(sku.id);
      refreshControls(sku.id);
    }
  }
  if (location.hash.startsWith("#/cart")) route(); // line totals and fees change with it
}

/** The most a line may hold now, as the cart says (`max_quantity`: the SKU's max per order
 * and the store's stock), and why, in words; null when the cart does not know. */
function lineLimit(line) {
  if (!line || line.max_quantity === null || line.max_quantity === undefined) return null;
  const max = line.max_quantity;
  const why = max === 0 ? "Out of stock at your store."
    : max < (state.skus.get(line.sku_id)?.max_per_order ?? Infinity) ? `Only ${quantityLabel(max, line.sold_by)} left at your store.`
    : `At most ${quantityLabel(max, line.sold_by)} per order.`;
  return { max, why };
}

async function applyChange(sku, delta) {
  const line = lineOf(sku.id);
  const was = line ? line.quantity : 0;
  const quantity = Math.min(was + delta * sku.step, sku.max_per_order);
  const limit = lineLimit(line);
  if (delta > 0 && limit && quantity > limit.max) return flash(`${sku.name}: ${limit.why}`, "error");
  try {
    let cart;
    if (!line) cart = await api("/api/v1/cart/lines/", { method: "POST", body: { sku_id: sku.id, quantity } });
    else if (quantity <= 0) cart = await api(`/api/v1/cart/lines/${line.id}/`, { method: "DELETE" });
    else cart = await api(`/api/v1/cart/lines/${line.id}/`, { method: "PATCH", body: { quantity } });
    cart = cart || (await api("/api/v1/cart/"));
    // A first add learns the store's stock from the answer: a step past it goes back.
    const now = cart.lines.find((each) => each.sku_id === sku.id);
    const over = delta > 0 && now ? lineLimit(now) : null;
    if (over && now.quantity > over.max && (!line || line.orderable)) {
      cart = was > 0
        ? await api(`/api/v1/cart/lines/${now.id}/`, { method: "PATCH", body: { quantity: was } })
        : (await api(`/api/v1/cart/lines/${now.id}/`, { method: "DELETE" })) || (await api("/api/v1/cart/"));
      flash(`${sku.name}: ${over.why}`, "error");
    }
    setCart(cart);
    announce(cartChange(sku.name, cart.lines.find((each) => each.sku_id === sku.id), cart));
  } catch (error) {
    showError(error);
  }
}

/** A change to a line in words, for the live region: "Toned Milk 500 ml: 2 in your cart. Items ₹60.00." */
function cartChange(name, line, cart) {
  const items = cart.lines.length ? ` Items ${rupees(cart.subtotal_paise)}.` : " Your cart is empty.";
  return line ? `${name}: ${quantityLabel(line.quantity, line.sold_by)} in your cart.${items}` : `${name} removed from your cart.${items}`;
}

/** Why + cannot add one more step of a line, or null. */
function noMore(sku, line) {
  const next = line.quantity + sku.step;
  if (next > sku.max_per_order) return `At most ${quantityLabel(sku.max_per_order, line.sold_by)} per order.`;
  const limit = lineLimit(line);
  if (limit && next > limit.max) return limit.why;
  return null;
}

/** "Add", or − quantity + once the SKU is in the cart. Buttons that cannot act say so with
 * aria-disabled (not disabled), so a keyboard user's focus stays on them. */
function skuControls(sku) {
  if (!sku.in_stock && !lineOf(sku.id)) return h("span", { class: "out" }, "Out of stock");
  const line = lineOf(sku.id);
  if (!line) {
    const pending = state.pending.has(sku.id);
    return h("button", {
      type: "button", class: "add", "aria-label": `Add ${sku.name}`, "aria-disabled": pending ? "true" : null, "aria-busy": pending ? "true" : null,
      onclick: () => changeLine(sku, 1),
    }, pending ? "Adding…" : "Add");
  }
  const limit = noMore(sku, line);
  return h("span", { class: "stepper" },
    h("button", { type: "button", "aria-label": `One less ${sku.name}`, onclick: () => changeLine(sku, -1) }, "−"),
    h("span", { class: "quantity" }, quantityLabel(line.quantity, line.sold_by)),
    h("button", {
      type: "button", "aria-label": `One more ${sku.name}`, "aria-disabled": limit ? "true" : null, title: limit,
      onclick: () => (limit ? flash(`${sku.name}: ${limit}`, "error") : changeLine(sku, 1)),
    }, "+"));
}

/** Words for screen readers only, where the eye reads a sign ("/", a struck-out price). */
const spoken = (text) => h("span", { class: "visually-hidden" }, text);

/** A SKU's price as shops show it: the price (of one step of a weighed SKU, with its price per
 * kg), the MRP struck out and the discount. A screen reader hears it as a sentence: "₹8.00 per
 * 250 g (approx.), ₹32.00 per kg, instead of MRP ₹10.00, 20% off" (a strike-through is not read). */
function priceBlock(sku) {
  const perStep = sku.sold_by === "weight";
  const mrp = perStep ? Math.round((sku.mrp_paise * sku.step) / 1000) : sku.mrp_paise;
  return h("div", { class: "price" },
    h("strong", {}, rupees(perStep ? sku.step_price_paise : sku.price_paise)),
    perStep ? h("span", { class: "muted" }, " ", h("span", { "aria-hidden": "true" }, "/"), spoken("per"), ` ${quantityLabel(sku.step, "weight")}${sku.approx ? " (approx.)" : ""}`) : null,
    perStep && sku.step !== 1000 ? h("span", { class: "per-kg muted" }, h("span", { "aria-hidden": "true" }, " · "), spoken(", "), rupees(sku.price_paise), h("span", { "aria-hidden": "true" }, "/kg"), spoken(" per kg")) : null,
    sku.mrp_paise > sku.price_paise
      ? h("span", { class: "mrp" }, spoken(", instead of "), "MRP ", h("s", {}, rupees(mrp)))
      : null,
    sku.discount_percent ? h("span", { class: "off" }, spoken(", "), `${sku.discount_percent}% off`) : null);
}

function remember(product, sku) {
  const known = { ...sku, name: `${product.title} ${sku.pack_label}`.trim() };
  state.skus.set(sku.id, known);
  return known;
}

/** The catalog's diet codes in words; "na" (not food) has none. */
const DIET_LABEL = { veg: "Veg", non_veg: "Non-veg", egg: "Egg" };
/** India's food mark: a green square with a dot (veg), a brown one (non-veg, egg). Its text
 * alternative is the diet in words, unless the words are next to it (`decorative`). */
function dietMark(diet, { decorative = false } = {}) {
  const label = DIET_LABEL[diet];
  if (!label) return null;
  return h("span", {
    class: `diet diet-${diet.replace("_", "-")}`, title: label,
    ...(decorative ? { "aria-hidden": "true" } : { role: "img", "aria-label": label }),
  });
}

function productCard(product) {
  const skus = product.skus.map((sku) => remember(product, sku));
  let chosen = skus.find((sku) => lineOf(sku.id)) || skus.find((sku) => sku.in_stock) || skus[0];
  const controls = h("div", { class: "controls", "data-sku-controls": chosen.id }, skuControls(chosen));
  const price = h("div", {}, priceBlock(chosen));
  const picker = skus.length > 1
    ? h("select", {
        "aria-label": `Pack of ${product.title}`,
        onchange: (event) => {
          chosen = state.skus.get(event.target.value);
          controls.dataset.skuControls = chosen.id;
          controls.replaceChildren(skuControls(chosen));
          price.replaceChildren(priceBlock(chosen));
        },
      }, skus.map((sku) => h("option", { value: sku.id, selected: sku === chosen }, sku.pack_label + (sku.in_stock ? "" : " (out of stock)"))))
    : h("span", { class: "pack" }, chosen.pack_label);
  // The link is named by the title below the picture: the picture's alt text would only say it
  // twice ("Toned Milk Toned Milk"), so it has none here; the product's page gives it.
  return h("article", { class: "card", "data-product": product.slug, "aria-labelledby": `title-${product.slug}` },
    h("a", { href: `#/p/${product.slug}` },
      product.image ? h("img", { src: product.image.medium, alt: "", loading: "lazy", width: 160, height: 160 }) : h("div", { class: "noimg" }),
      h("h2", { id: `title-${product.slug}` }, product.title)),
    h("p", { class: "muted" }, dietMark(product.diet), product.brand ? product.brand.name : product.category.name),
    picker, price, controls);
}

// --- pages --------------------------------------------------------------------------------

async function homePage(params) {
  if (!state.categories) state.categories = await api("/api/v1/catalog/categories/");
  const q = params.get("q") || "";
  const category = params.get("category") || "";
  const page = Number(params.get("page") || 1);
  $("#search-input").value = q;
  const query = new URLSearchParams({ page_size: "24", page: String(page) });
  if (q) query.set("q", q);
  if (category) query.set("category", category);
  if (storeId()) query.set("store", storeId());
  const products = await api(`/api/v1/catalog/products/?${query}`);
  const link = (changes) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) value ? next.set(key, value) : next.delete(key);
    return `#/?${next}`;
  };
  const current = state.categories.find((top) => top.slug === category || top.children.some((child) => child.slug === category));
  const chips = state.categories.map((top) =>
    h("a", { class: `chip${top === current ? " on" : ""}`, href: link({ category: top.slug, page: "" }), "aria-current": top.slug === category ? "page" : null }, top.name));
  const subchips = current
    ? current.children.map((child) => h("a", { class: `chip small${child.slug === category ? " on" : ""}`, href: link({ category: child.slug, page: "" }), "aria-current": child.slug === category ? "page" : null }, child.name))
    : [];
  const pages = Math.max(1, Math.ceil(products.count / 24));
  const heading = q ? `Results for “${q}”` : current ? (current.children.find((child) => child.slug === category) || current).name : "All products";
  return [
    h("h1", { class: "visually-hidden" }, page > 1 ? `${heading}, page ${page}` : heading),
    storeId() ? null : h("p", { class: "notice" }, "Set your pincode to see the prices and stock of the store that delivers to you. ",
      h("button", { type: "button", class: "primary", onclick: askPincode }, "Set pincode")),
    h("nav", { class: "chips", "aria-label": "Categories" },
      h("a", { class: `chip${category ? "" : " on"}`, href: link({ category: "", page: "" }), "aria-current": category ? null : "page" }, "All"), chips),
    subchips.length ? h("nav", { class: "chips", "aria-label": `In ${current.name}` }, subchips) : null,
    h("p", { class: "muted" }, q ? `${products.count} results for “${q}”` : `${products.count} products`),
    products.results.length
      ? h("section", { class: "grid" }, products.results.map(productCard))
      : h("p", {}, "Nothing matches. Try another word, or ", h("a", { href: "#/" }, "browse everything"), "."),
    pages > 1 ? h("nav", { class: "pager", "aria-label": "Pages" },
      page > 1 ? h("a", { href: link({ page: String(page - 1) }) }, "← Previous") : null,
      h("span", {}, `Page ${page} of ${pages}`),
      page < pages ? h("a", { href: link({ page: String(page + 1) }) }, "Next →") : null) : null,
  ];
}

async function productPage(slug) {
  const query = storeId() ? `?store=${storeId()}` : "";
  const product = await api(`/api/v1/catalog/products/${encodeURIComponent(slug)}/${query}`);
  const rows = product.skus.map((sku) => remember(product, sku)).map((sku) =>
    h("li", { class: "sku-row" }, h("span", { class: "pack" }, sku.pack_label), priceBlock(sku),
      h("div", { class: "controls", "data-sku-controls": sku.id }, skuControls(sku))));
  const image = product.images && product.images[0] ? product.images[0] : product.image;
  return h("article", { class: "product" },
    image ? h("img", { src: image.large, alt: image.alt, width: 320, height: 320 }) : null,
    h("div", {},
      h("p", { class: "muted" }, h("a", { href: `#/?category=${product.category.slug}` }, product.category.name)),
      h("h1", {}, product.title),
      product.brand ? h("p", { class: "muted" }, product.brand.name) : null,
      h("ul", { class: "skus" }, rows),
      h("p", {}, product.description),
      h("dl", { class: "facts" },
        h("dt", {}, "GST"), h("dd", {}, `${product.gst_rate_bp / 100}% (HSN ${product.hsn_code}), included in the price`),
        h("dt", {}, "Storage"), h("dd", {}, product.storage),
        product.shelf_life_days ? [h("dt", {}, "Shelf life"), h("dd", {}, `${product.shelf_life_days} days`)] : null,
        dietFacts(product))));
}

/** The product page's diet row: the mark and its words ("Non-veg, organic"); none for what is not food. */
function dietFacts(product) {
  const words = [DIET_LABEL[product.diet], product.is_vegan ? "vegan" : null, product.is_organic ? "organic" : null].filter(Boolean);
  if (!words.length) return null;
  return [h("dt", {}, "Diet"), h("dd", { id: "diet" }, dietMark(product.diet, { decorative: true }), words.join(", "))];
}

/** The bill: every row above Total adds up to Total; what is saved on MRP (already in the
 * items' prices) and other notes come after it, outside the sum. */
function totals(summary, { before = [], after = [], notes = [] } = {}) {
  const coupon = summary.coupon_code || (summary.coupon && summary.coupon.code) || "";
  const rows = [
    ["Items", summary.subtotal_paise],
    [`Coupon ${coupon}`.trim(), -(summary.discount_paise || 0), "save"],
    ["Delivery fee", summary.delivery_fee_paise],
    ["Small cart fee", summary.small_cart_fee_paise],
    ["Late night fee", summary.late_night_fee_paise],
    ["Express delivery fee", summary.express_fee_paise],
    ...before,
  ];
  const row = ([label, paise, kind]) =>
    [h("dt", {}, label), h("dd", { class: kind || "", "data-paise": paise }, kind === "save" ? `− ${rupees(-paise)}` : rupees(paise))];
  const total = summary.final_total_paise ?? summary.total_paise;
  return [
    h("dl", { class: "totals" },
      rows.filter(([, paise]) => paise).map(row),
      h("dt", { class: "grand" }, "Total"), h("dd", { class: "grand", id: "grand-total", "data-paise": total }, rupees(total)),
      h("dt", { class: "muted" }, "GST included"), h("dd", { class: "muted" }, rupees(summary.tax_included_paise)),
      after.filter(([, paise]) => paise).map(row)),
    summary.savings_paise > 0 ? h("p", { class: "save savings-note", id: "savings-note" }, `You save ${rupees(summary.savings_paise)} on MRP`) : null,
    notes.filter(Boolean).map((note) => h("p", { class: "totals-note" }, note)),
  ];
}

/** The cart's coupon: a code to apply, or the one applied (what it does) and a way to remove it. */
function couponForm(cart) {
  const send = async (code, form) => {
    await queued(async () => {
      try {
        setCart(await api("/api/v1/cart/", { method: "PATCH", body: { coupon_code: code } }));
        route();
      } catch (error) {
        showError(error, form);
        if (form) $("#coupon-code", form).focus();
      }
    });
  };
  if (cart.coupon_code) {
    const applied = cart.coupon;
    return h("div", { class: "coupon", id: "coupon" },
      h("p", {}, h("strong", {}, `Coupon ${cart.coupon_code}`),
        applied ? `: ${applied.description || "applied"}` : " (does not apply yet: see below)"),
      h("button", { type: "button", class: "link", id: "remove-coupon", onclick: () => send("", null) }, `Remove coupon ${cart.coupon_code}`));
  }
  const form = h("form", {
    class: "coupon", id: "coupon-form", novalidate: true,
    onsubmit: (event) => {
      event.preventDefault();
      const code = $("#coupon-code", form).value.trim();
      if (code) send(code, form);
    },
  },
    h("label", {}, "Coupon code ", h("input", { id: "coupon-code", name: "coupon_code", autocomplete: "off", maxlength: 30 })),
    h("button", { type: "submit" }, "Apply"),
    h("p", { class: "error form-error", hidden: true, role: "alert" }));
  return form;
}

/** The cart's problems as the customer can act on them (a minimum order says how much is missing). */
function cartProblems(cart) {
  return [...cart.problems];
}

/** Why checkout is not open, in words, for the note beside the disabled button. */
function checkoutBlockers(cart) {
  const reasons = cartProblems(cart);
  for (const line of cart.lines) {
    if (!line.orderable) reasons.push(`${line.name}: ${line.problems.join(" ") || "cannot be ordered."}`);
  }
  return reasons.length ? reasons : ["This cart cannot be checked out yet."];
}

async function cartPage() {
  await loadCart();
  const cart = state.cart;
  const report = state.buyAgain ? buyAgainSummary(state.buyAgain) : null;
  if (!cart.lines.length) {
    return [h("h1", {}, "Your cart"), report, h("p", {}, "Your cart is empty. ", h("a", { href: "#/" }, "Start shopping"), ".")];
  }
  const lines = cart.lines.map((line) => {
    if (!state.skus.has(line.sku_id)) {
      // Not seen in the catalogue on this visit: its limit is checked by the cart API.
      state.skus.set(line.sku_id, { id: line.sku_id, name: line.name, step: line.step, sold_by: line.sold_by, max_per_order: 1e6, in_stock: true });
    }
    const sku = state.skus.get(line.sku_id);
    const offer = h("div", { class: "muted small", "data-offer": line.sku_id, "aria-live": "polite" }, offerText(line));
    const replacement = h("select", {
      "aria-label": `If ${line.name} is out of stock`,
      onchange: async (event) => {
        const value = event.target.value;
        const body = value.startsWith("sku:") ? { replacement: "specific", replacement_sku_id: value.slice(4) } : { replacement: value };
        await queued(async () => {
          try {
            const cart = await api(`/api/v1/cart/lines/${line.id}/`, { method: "PATCH", body });
            setCart(cart);
            const now = cart.lines.find((l) => l.id === line.id);
            if (now) offer.replaceChildren(offerText(now));
          } catch (error) {
            showError(error);
          }
        });
      },
    }, replacementOptions(line).map(([value, label]) => h("option", { value, selected: value === replacementValue(line) }, label)));
    return h("li", { class: `line${line.orderable ? "" : " problem"}`, "data-line": line.sku_id },
      line.image_url ? h("img", { src: line.image_url, alt: "", width: 64, height: 64 }) : h("div", { class: "noimg small" }),
      h("div", { class: "what" },
        h("strong", {}, line.name),
        h("div", { class: "muted" }, rupees(line.unit_price_paise),
          line.sold_by === "weight" ? [h("span", { "aria-hidden": "true" }, "/kg"), spoken(" per kg")] : " each", ` · GST ${line.gst_rate_bp / 100}%`),
        line.problems.map((problem) => h("div", { class: "warning" }, problem)),
        h("label", { class: "muted" }, "If out of stock: ", replacement),
        offer),
      h("div", { class: "controls", "data-sku-controls": line.sku_id }, skuControls(sku)),
      h("div", { class: "amount" }, rupees(line.line_total_paise),
        line.savings_paise ? h("div", { class: "save" }, `save ${rupees(line.savings_paise)}`) : null),
      h("button", {
        type: "button", class: "link", "aria-label": `Remove ${line.name}`,
        onclick: async () => {
          await queued(async () => {
            try {
              const cart = (await api(`/api/v1/cart/lines/${line.id}/`, { method: "DELETE" })) || (await api("/api/v1/cart/"));
              setCart(cart);
              announce(cartChange(line.name, null, cart));
            } catch (error) {
              showError(error);
            }
          });
          route();
        },
      }, "Remove"));
  });
  return [
    h("h1", {}, "Your cart"),
    report,
    h("p", { class: "muted" }, `Delivering to ${cart.pincode}. `, h("button", { type: "button", class: "link", onclick: askPincode }, "Change")),
    h("div", { class: "columns" },
      h("ul", { class: "lines" }, lines),
      h("aside", { class: "summary" },
        totals(cart, { notes: [cart.coupon && cart.coupon.delivery_fee_waived_paise
          ? `Delivery fee of ${rupees(cart.coupon.delivery_fee_waived_paise)} waived: coupon ${cart.coupon.code}.` : null] }),
        couponForm(cart),
        // A cart that cannot check out says why once, next to the button (below); one that can
        // still hears of its problems here.
        cart.can_check_out ? cartProblems(cart).map((problem) => h("p", { class: "warning" }, problem)) : null,
        h("a", {
          class: `button primary${cart.can_check_out ? "" : " disabled"}`, href: cart.can_check_out ? "#/checkout" : null, id: "to-checkout",
          "aria-disabled": cart.can_check_out ? null : "true", "aria-describedby": cart.can_check_out ? null : "checkout-blocked",
        }, "Check out"),
        cart.can_check_out ? null : h("p", { class: "warning blocked", id: "checkout-blocked" },
          h("strong", {}, "Checkout is not open yet: "), checkoutBlockers(cart).join(" ")))),
  ];
}

/** Whether a pincode is served, with its fee policy; the last answer is kept (null if unknown). */
async function serviceabilityOf(pincode) {
  if (!pincode) return null;
  if (state.serviceability && state.serviceability.pincode === pincode) return state.serviceability;
  try {
    const where = await api(`/api/v1/delivery/serviceability/?pincode=${encodeURIComponent(pincode)}`);
    if (where.serviceable) state.serviceability = where;
    return where;
  } catch {
    return null; // the page still works: fees are then not told beside the slots
  }
}

/** Whether a slot starts in the zone's late-night window (which may cross midnight). */
function lateNight(slot, policy) {
  if (!policy.late_night_start || !policy.late_night_end) return false;
  const at = when(slot.starts_at, { hour: "2-digit", minute: "2-digit", hour12: false }).replace(/^24/, "00");
  const [start, end] = [policy.late_night_start.slice(0, 5), policy.late_night_end.slice(0, 5)];
  return start <= end ? start <= at && at < end : at >= start || at < end;
}

/** What to tell the customer about an address just saved that this cart cannot use. */
async function addressNotice(address, cartPincode) {
  if (!address || address.pincode === cartPincode) return null;
  const where = await api(`/api/v1/delivery/serviceability/?pincode=${encodeURIComponent(address.pincode)}`).catch(() => null);
  if (where && !where.serviceable) {
    return `We don't deliver to ${address.pincode} yet; this address is saved but can't be used for this cart.`;
  }
  return `This address is saved. It is in ${address.pincode} and your cart is priced for ${cartPincode}: change the cart's pincode to ${address.pincode} to deliver there.`;
}

function addressForm(onSaved) {
  const form = h("form", { class: "address-form", id: "address-form" },
    h("h2", {}, "A new address"),
    h("label", {}, "Name ", h("input", { name: "name", required: true, autocomplete: "name", value: (state.me && state.me.full_name) || "" })),
    // Checkout refuses an order nobody can be called about: the phone is asked for here, not there.
    h("label", {}, "Phone (the rider calls it when they arrive) ",
      h("input", { name: "phone", type: "tel", required: true, inputmode: "tel", autocomplete: "tel", placeholder: "98765 43210", value: (state.me && state.me.phone) || "" })),
    h("label", {}, "House, street ", h("input", { name: "line1", required: true, autocomplete: "address-line1" })),
    h("label", {}, "Area ", h("input", { name: "line2", autocomplete: "address-line2" })),
    h("label", {}, "Landmark ", h("input", { name: "landmark" })),
    h("label", {}, "City ", h("input", { name: "city", required: true, autocomplete: "address-level2", value: "Bengaluru" })),
    h("label", {}, "State ", h("select", { name: "state", required: true }, STATES.map((name) => h("option", { selected: name === "Karnataka" }, name)))),
    h("label", {}, "Pincode ", h("input", { name: "pincode", required: true, inputmode: "numeric", pattern: "[1-9][0-9]{5}", value: state.cart.pincode || "" })),
    h("p", { class: "error form-error", hidden: true, role: "alert" }),
    h("button", { type: "submit" }, "Save address"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await busy($("button[type=submit]", form), async () => {
      try {
        onSaved(await api("/api/v1/addresses/", { method: "POST", body: formData(form) }));
      } catch (error) {
        showError(error, form);
      }
    });
  });
  return form;
}

async function checkoutPage() {
  if (!state.me) return redirect("#/login?next=/checkout");
  await loadCart();
  const cart = state.cart;
  if (!cart.lines.length) return redirect("#/cart");
  const [addresses, listed, where] = await Promise.all([
    api("/api/v1/addresses/?page_size=100"),
    api(`/api/v1/delivery/slots/?pincode=${cart.pincode}`),
    serviceabilityOf(cart.pincode),
  ]);
  let slots = listed; // listed again when checkout refuses a slot that has closed
  const policy = (where && where.fee_policy) || {};
  const notice = state.notice;
  state.notice = null; // told once, on the page that follows the change
  const usable = addresses.results.filter((address) => address.pincode === cart.pincode);
  // An address just saved here is the one chosen (when this cart can use it).
  const saved = usable.some((address) => address.id === state.savedAddress) ? state.savedAddress : null;
  state.savedAddress = null;
  const form = h("form", { id: "checkout-form" });
  const addressList = h("fieldset", {}, h("legend", {}, `Deliver to (pincode ${cart.pincode})`),
    usable.length ? usable.map((address, index) => h("label", { class: "choice" },
      h("input", {
        type: "radio", name: "address_id", value: address.id, required: true, "data-saved": address.id === saved,
        checked: saved ? address.id === saved : address.is_default || index === 0,
      }),
      ` ${address.name}, ${address.line1}${address.line2 ? `, ${address.line2}` : ""}, ${address.city} ${address.pincode}`))
      : h("p", { class: "muted" }, `No saved address in ${cart.pincode} yet: add one above.`),
    addresses.results.length > usable.length ? h("p", { class: "muted" }, "Addresses in other pincodes are served by another store: change the cart's pincode to use them.") : null);
  const byDay = new Map();
  const slotById = new Map();
  const sortSlots = () => {
    byDay.clear();
    slotById.clear();
    for (const slot of slots.slots) {
      if (!byDay.has(slot.date)) byDay.set(slot.date, []);
      byDay.get(slot.date).push(slot);
      slotById.set(slot.id, slot);
    }
  };
  sortSlots();
  // The default costs nothing extra: the earliest standard slot with room. An express slot
  // (it has a fee) is only ever the customer's own choice.
  const firstOpen = slots.slots.find((slot) => slot.remaining > 0 && slot.mode !== "express");
  let chosenSlot = firstOpen ? firstOpen.id : ""; // kept while the customer looks at other days
  const slotField = h("input", { type: "hidden", name: "slot_id", value: chosenSlot });
  const extraFees = (slot) => [
    slot.mode === "express" && policy.express_fee_paise ? `+${rupees(policy.express_fee_paise)} express fee` : null,
    lateNight(slot, policy) && policy.late_night_fee_paise ? `+${rupees(policy.late_night_fee_paise)} late night fee` : null,
  ].filter(Boolean);
  const describe = (slot) => [slotLabel(slot.starts_at, slot.ends_at), slot.mode === "express" ? " (express)" : "", ...extraFees(slot).map((fee) => `, ${fee}`)].join("");
  // Always on screen, whichever day's tab is open: the slot the order is placed for.
  const chosenLine = h("p", { id: "chosen-slot", "aria-live": "polite" });
  const showChosen = () => {
    const slot = slotById.get(chosenSlot);
    chosenLine.replaceChildren(...(slot ? ["Your slot: ", h("strong", {}, describe(slot))] : [h("span", { class: "warning" }, "Choose a delivery slot.")]));
    for (const tab of dayTabs.children) {
      const here = !!slot && tab.dataset.date === slot.date;
      tab.classList.toggle("chosen", here);
      tab.querySelector(".tick").textContent = here ? " ✓" : "";
    }
  };
  const dayPanel = h("div", { class: "day" });
  const showDay = (date) => {
    for (const tab of dayTabs.children) {
      tab.classList.toggle("on", tab.dataset.date === date);
      tab.setAttribute("aria-pressed", String(tab.dataset.date === date));
    }
    dayPanel.replaceChildren(...byDay.get(date).map((slot) => h("label", { class: `choice slot${slot.remaining ? "" : " full"}`, "data-mode": slot.mode },
      h("input", {
        type: "radio", name: "slot_pick", value: slot.id, disabled: !slot.remaining, checked: slot.id === chosenSlot,
        onchange: () => {
          chosenSlot = slotField.value = slot.id;
          showChosen();
          reprice(slot.id);
        },
      }),
      ` ${time(slot.starts_at)} – ${time(slot.ends_at)}`,
      slot.mode === "express" ? h("span", { class: "tag" }, "express") : null,
      extraFees(slot).map((fee) => h("span", { class: "fee" }, ` ${fee}`)),
      h("span", { class: "muted" }, slot.remaining ? ` ${slot.remaining} left` : " full"),
      slot.cutoff_at ? h("span", { class: "muted cutoff" }, ` · order by ${cutoffLabel(slot)}`) : null)));
  };
  const dayTabs = h("div", { class: "chips" });
  const showTabs = () => dayTabs.replaceChildren(...[...byDay.keys()].map((date) =>
    h("button", { type: "button", class: "chip", "data-date": date, onclick: () => showDay(date) }, day(byDay.get(date)[0].starts_at), h("span", { class: "tick" }))));
  showTabs();
  const noSlots = h("p", { class: "warning" }, "No delivery slots are open for this pincode right now.");
  const slotList = h("fieldset", { class: "slots" }, h("legend", {}, "Delivery slot"),
    slots.slots.length ? [slotField, chosenLine, dayTabs, dayPanel] : noSlots);
  // Checkout refused the slot (its orders closed while this page was open): the list as it is
  // now, and no slot chosen, so the customer picks one that still takes orders.
  form.refreshSlots = async () => {
    try {
      slots = await api(`/api/v1/delivery/slots/?pincode=${cart.pincode}`);
    } catch {
      slots = { slots: [...slotById.values()].filter((slot) => slot.id !== chosenSlot) };
    }
    chosenSlot = slotField.value = "";
    sortSlots();
    showTabs();
    if (!slots.slots.length) return slotList.replaceChildren(slotList.firstChild, slotField, noSlots);
    const shownDay = dayTabs.querySelector('[aria-pressed="true"]');
    const date = shownDay && byDay.has(shownDay.dataset.date) ? shownDay.dataset.date : slots.slots[0].date;
    showDay(date);
    showChosen();
  };
  const payment = h("fieldset", {}, h("legend", {}, "Payment"),
    h("label", { class: "choice" }, h("input", { type: "radio", name: "payment_method", value: "razorpay", checked: true }), " Pay now: UPI, cards, netbanking (Razorpay)"),
    h("label", { class: "choice" }, h("input", { type: "radio", name: "payment_method", value: "cod" }), " Cash on delivery"));
  const placeButton = h("button", { type: "submit", class: "primary", id: "place-order" }, `Place order · ${rupees(cart.total_paise)}`);
  const summaryOf = (priced) => [h("h2", {}, `${priced.lines.length} item${priced.lines.length === 1 ? "" : "s"}`), totals(priced),
    cartProblems(priced).map((problem) => h("p", { class: "warning" }, problem))];
  const summary = h("aside", { class: "summary" }, summaryOf(cart));
  // Late-night and express fees depend on the slot: the cart is priced again for the one chosen.
  const reprice = async (slotId) => {
    try {
      const priced = await api(`/api/v1/cart/?slot_id=${encodeURIComponent(slotId)}`);
      if (slotId !== chosenSlot) return; // another slot was chosen meanwhile
      summary.replaceChildren(...summaryOf(priced).flat(Infinity).filter(Boolean));
      placeButton.textContent = `Place order · ${rupees(priced.total_paise)}`;
    } catch {
      // the summary keeps the slot-free prices; checkout prices the slot itself
    }
  };
  if (slots.slots.length) {
    showDay(firstOpen ? firstOpen.date : slots.slots[0].date);
    showChosen();
  }
  if (firstOpen) reprice(firstOpen.id);
  form.append(addressList, slotList, payment, h("p", { class: "error form-error", hidden: true, role: "alert" }), placeButton);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await busy($("#place-order"), () => placeOrder(form));
  });
  const noticeLine = notice ? h("p", { class: "notice", id: "address-notice", role: "alert", tabindex: "-1" }, notice) : null;
  const newAddress = addressForm(async (address) => {
    state.notice = await addressNotice(address, cart.pincode);
    state.savedAddress = address.id;
    await route();
    // Keyboard users stay with what they did: on the new address, chosen; told it is saved.
    const radio = $("#checkout-form input[name=address_id][data-saved]");
    if (radio) {
      radio.focus();
      flash("Address saved");
    } else $("#address-notice")?.focus();
  });
  // No address here yet: the form for one comes first, on screen and in Tab order, so "Place
  // order" is not reached before the address it needs.
  return [
    h("h1", {}, "Checkout"),
    h("div", { class: "columns" },
      h("div", {}, usable.length ? [form, noticeLine, newAddress] : [noticeLine, newAddress, form]),
      summary),
  ];
}

/** A random UUID (crypto.randomUUID needs a secure context; plain HTTP on a LAN has none). */
function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

async function placeOrder(form) {
  const body = formData(form);
  delete body.slot_pick; // the radios of the day on screen; slot_id holds the choice
  if (!body.address_id) return showError(new ApiError(400, CHOOSE.address_id), form);
  if (!body.slot_id) return showError(new ApiError(400, CHOOSE.slot_id), form);
  const serial = JSON.stringify(body);
  // The same submission (a double click, a retry after a lost answer) keeps its key: one order.
  let saved = JSON.parse(sessionStorage.getItem(CHECKOUT_KEY) || "null");
  if (!saved || saved.body !== serial) saved = { body: serial, key: newKey() };
  sessionStorage.setItem(CHECKOUT_KEY, JSON.stringify(saved));
  try {
    const placed = await api("/api/v1/checkout/", { method: "POST", body, headers: { "Idempotency-Key": saved.key } });
    sessionStorage.removeItem(CHECKOUT_KEY);
    rememberCheckout(placed.order_id);
    state.payOnArrival = body.payment_method === "razorpay" ? placed.order_id : null;
    navigate(`#/orders/${placed.order_id}`);
    loadCart().catch(() => {});
  } catch (error) {
    if (error.status && error.status < 500) sessionStorage.removeItem(CHECKOUT_KEY); // refused: a new attempt is a new submission
    if (error.code === "cart_merged") { // the cart took in what was added before logging in: show it, then let them place it
      state.notice = error.message;
      return route();
    }
    showError(error, form);
    if (error.code === "phone_required") offerPhone(form, body.address_id);
    if (error.code === "slot_closed" && form.refreshSlots) await form.refreshSlots();
  }
}

/** Checkout refused the address for want of a phone (an address saved before the form asked
 * for one, say): the customer adds it right there, then places the order again. */
function offerPhone(form, addressId) {
  const line = $(".error.form-error", form);
  line.id = "checkout-form-error";
  // Not `required`: it sits inside the checkout form, whose own submission it must not block.
  const input = h("input", { type: "tel", inputmode: "tel", autocomplete: "tel", placeholder: "98765 43210", "aria-describedby": line.id });
  const status = h("p", { class: "error", role: "status" });
  const save = h("button", { type: "button" }, "Save phone");
  const box = h("div", { class: "phone-fix", id: "phone-fix" },
    h("label", {}, "Phone for this address (the rider calls it) ", input), save, status);
  $("#phone-fix", form)?.remove();
  line.after(box);
  // Enter saves the phone (it would place the order again); another address chosen drops the offer.
  input.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    save.click();
  });
  form.addEventListener("change", (event) => {
    if (event.target.name === "address_id") box.remove();
  });
  save.addEventListener("click", () => busy(save, async () => {
    if (!input.value.trim()) {
      status.textContent = "Enter a phone number.";
      return input.focus();
    }
    try {
      await api(`/api/v1/addresses/${addressId}/`, { method: "PATCH", body: { phone: input.value.trim() } });
      box.remove();
      line.textContent = "Phone saved: place your order again.";
      line.className = "save form-error";
      $("#place-order").focus();
    } catch (error) {
      status.textContent = errorMessage(error);
      input.focus();
    }
  }));
  input.focus();
}

/** Orders this browser checked out within the patience window, by id: when checkout took each. */
function recentCheckouts() {
  let recent = {};
  try {
    recent = JSON.parse(sessionStorage.getItem(RECENT_ORDERS_KEY) || "{}") || {};
  } catch {
    recent = {};
  }
  const now = Date.now();
  return Object.fromEntries(Object.entries(recent).filter(([, at]) => typeof at === "number" && now - at < PLACING_PATIENCE_MS));
}

function rememberCheckout(orderId) {
  sessionStorage.setItem(RECENT_ORDERS_KEY, JSON.stringify({ ...recentCheckouts(), [orderId]: Date.now() }));
}

/** When to stop waiting for an order that is not there yet: now, unless this browser just checked it out. */
function placingDeadline(orderId) {
  const at = recentCheckouts()[orderId];
  return at ? at + PLACING_PATIENCE_MS : Date.now();
}

function orderNotFound(waited) {
  return [h("h1", {}, "Order not found"),
    h("p", { class: "status", id: "order-status", "data-status": "not-found" }, waited
      ? "Your order has not reached us yet. It will appear in Your orders once it does."
      : "There is no order of yours with this number."),
    h("p", {}, h("a", { href: "#/orders" }, "Your orders"), " · ", h("a", { href: "#/" }, "Back to the shop"))];
}

/** How the order is paid, as far as it is: nothing reads "Paid" before the money is in. */
function paymentLabel(order) {
  const paymentState = order.payment ? order.payment.state : "";
  if (order.payment_method === "cod") return paymentState === "collected" ? "Cash on delivery: paid" : "Cash on delivery";
  if (paymentState === "refunded") return "Paid online (Razorpay), refunded";
  if (paymentState === "captured" || order.totals.paid_paise > 0) return "Paid online (Razorpay)";
  return order.status === "cancelled" ? "Pay online (Razorpay): not paid" : "Pay online (Razorpay): awaiting payment";
}

function progress(order) {
  if (order.status === "cancelled") return null;
  const steps = order.payment_method === "cod" ? STEPS.filter((step) => step !== "awaiting_payment") : STEPS;
  const at = steps.indexOf(order.status);
  // Colour tells sighted customers which steps are behind; a screen reader hears it in words.
  return h("ol", { class: "progress", "aria-label": "Progress" }, steps.map((step, index) =>
    h("li", { class: index < at ? "done" : index === at ? "now" : "", "aria-current": index === at ? "step" : null },
      STATUS_LABEL[step], index < at ? spoken(" (done)") : index === at ? spoken(" (now)") : null)));
}

/** Razorpay's details while the order can be paid from its page (awaiting payment, a pay page
 * to go to), else null. */
function payment(order) {
  const razorpay = order.payment && order.payment.razorpay;
  const payable = order.payment && ["requested", "failed"].includes(order.payment.state);
  return order.status === "awaiting_payment" && payable && razorpay && razorpay.pay_url ? razorpay : null;
}

/** A payment try that failed while the order still waits for the money: why, and that
 * another try (the same Razorpay order) is open. */
function failedAttempt(order, razorpay) {
  const failed = order.payment.failed_attempts || 0;
  if (!failed) return null;
  const left = razorpay.attempts_left;
  const tries = left === 1 ? "1 more try" : `${left} more tries`;
  return h("p", { class: "warning", id: "payment-failed", role: "alert" },
    `Your payment did not go through${order.payment.last_error ? `: ${order.payment.last_error}` : "."} `,
    `Nothing was charged. You can try again, with the same or another way to pay (${tries}).`);
}

/** The customer chose "Pay now" at checkout: once the order awaits payment, on to the pay page
 * (Razorpay's checkout opens there at once) without another click. Once per order: the flag
 * is taken here, so Back from Razorpay shows the "Pay now" button. Cancelled before it could be
 * paid (out of stock, a full slot), the page shows why, as for anyone. True when it has gone. */
function payOnArrival(order) {
  if (state.payOnArrival !== order.id) return false;
  const razorpay = payment(order);
  if (!razorpay && ["pending", "awaiting_payment"].includes(order.status)) return false; // not ready yet: keep waiting
  state.payOnArrival = null;
  if (!razorpay) return false;
  flash(`Taking you to Razorpay to pay ${rupees(razorpay.amount)}…`);
  location.assign(razorpay.pay_url); // a new history entry: Back returns to this order
  return true;
}

/** A cart line's replacement preference as its select's value: "sku:<id>" for a SKU named. */
function replacementValue(line) {
  return line.replacement === "specific" ? `sku:${line.replacement_sku_id}` : line.replacement;
}

/** The choices for "if out of stock": the best match, each other pack of the product the store
 * has (as the cart API lists them), a refund; and a SKU named elsewhere (the API) kept as it is. */
function replacementOptions(line) {
  const per = line.sold_by === "weight" ? " / kg" : "";
  const options = [
    ["best_match", "replace with the best match"],
    ...(line.replacement_choices || []).map((choice) => [`sku:${choice.sku_id}`, `replace with ${choice.name} (${rupees(choice.unit_price_paise)}${per})`]),
    ["refund", "refund it, no replacement"],
  ];
  if (line.replacement === "specific" && !options.some(([value]) => value === replacementValue(line))) {
    options.push([replacementValue(line), `replace with ${line.replacement_offer ? line.replacement_offer.name : "my choice"}`]);
  }
  return options;
}

/** What the picker would bring if a cart line is short, as the cart API offers it now. */
function offerText(line) {
  if (line.replacement === "refund") return "";
  return line.replacement_offer
    ? `We would bring ${line.replacement_offer.name}, at no more than this item's price.`
    : "Nothing similar in stock now: we would refund it.";
}

function renderOrder(order) {
  const razorpay = payment(order);
  const canPay = !!razorpay;
  // Cash on delivery: nothing was paid, so a short pick is not "refunded", it is not charged.
  const cod = order.payment_method === "cod";
  const short = order.totals.adjustment_paise;
  const lines = order.lines.map((line) => h("tr", {},
    h("td", {}, line.name, line.replaced_quantity
      ? h("div", { class: "warning" }, `replaced by ${line.offer_name} × ${quantityLabel(line.replaced_quantity, line.sold_by)} (${rupees(line.replacement_paise)})`)
      : line.offer_name && line.outcome === "pending" ? h("div", { class: "muted" }, `if out of stock: ${line.offer_name}`) : null),
    h("td", { class: "num" }, quantityLabel(line.quantity, line.sold_by),
      line.picked_quantity !== null && line.picked_quantity !== line.quantity ? h("div", { class: "warning" }, `picked ${quantityLabel(line.picked_quantity, line.sold_by)}`) : null),
    h("td", { class: "num" }, rupees(line.line_total_paise), line.refund_paise
      ? h("div", { class: "save" }, cod ? `${rupees(line.refund_paise)} not charged` : `refund ${rupees(line.refund_paise)}`) : null)));
  const extra = {
    before: [[cod ? "Not charged (picked short)" : "Back after picking", -short, "save"]],
    after: [["Paid", order.totals.paid_paise], ["Refunded", order.totals.refunded_paise]],
    notes: [cod && short > 0 && order.status !== "cancelled" && order.status !== "delivered"
      ? `You pay ${rupees(short)} less at the door: ${rupees(order.totals.final_total_paise)} in all.` : null],
  };
  return [
    h("p", {}, h("a", { href: "#/orders" }, "← Your orders")),
    h("h1", {}, "Order ", h("code", {}, order.id.slice(0, 8))),
    h("p", { class: `status status-${order.status}`, id: "order-status", "data-status": order.status },
      STATUS_LABEL[order.status] || order.status,
      order.cancel_reason ? h("span", { class: "reason" }, ` (${order.cancel_reason_label || order.cancel_reason.replaceAll("_", " ")})`) : null),
    progress(order),
    canPay ? h("div", { class: "notice" },
      failedAttempt(order, razorpay),
      h("a", { class: "button primary", href: razorpay.pay_url, id: "pay-now" }, `Pay ${rupees(razorpay.amount)} now`),
      order.payment_due_at ? h("span", { class: "muted" }, ` Unpaid orders are cancelled at ${time(order.payment_due_at)}.`) : null) : null,
    order.status === "pending" ? h("p", { class: "muted", id: "pending-note" }, "Checking stock, your slot and payment…",
      state.payOnArrival === order.id ? " Razorpay's checkout opens as soon as your order is ready to pay." : null) : null,
    h("div", { class: "columns" },
      h("div", {},
        h("table", { class: "order-lines" }, h("thead", {}, h("tr", {}, h("th", {}, "Item"), h("th", { class: "num" }, "Qty"), h("th", { class: "num" }, "Amount"))), h("tbody", {}, lines)),
        h("h2", {}, "Timeline"),
        h("ol", { class: "timeline" }, order.timeline.map((step) => h("li", {}, `${when(step.at, { dateStyle: "medium", timeStyle: "short" })}: ${STATUS_LABEL[step.to_status] || step.to_status}`, step.note ? h("span", { class: "muted" }, ` (${step.note})`) : null))),
        order.refunds.length ? [h("h2", {}, "Refunds"), h("ul", {}, order.refunds.map((refund) => h("li", {}, `${when(refund.at, { dateStyle: "medium" })}: ${rupees(refund.amount_paise)} ${refund.status}`, refund.reason ? h("span", { class: "muted" }, ` (${refund.reason})`) : null)))] : null),
      h("aside", { class: "summary" },
        totals(order.totals, extra),
        h("p", { id: "payment-method" }, paymentLabel(order)),
        order.slot_starts_at ? h("p", {}, "Slot: ", slotLabel(order.slot_starts_at, order.slot_ends_at)) : null,
        order.address ? h("p", { class: "muted" }, `${order.address.name}, ${order.address.line1}, ${order.address.city} ${order.address.pincode}`) : null,
        order.shipment && order.shipment.tracking_code && order.status !== "cancelled" ? h("p", {}, "Tracking code ", h("code", {}, order.shipment.tracking_code)) : null,
        order.status === "delivered" ? h("p", {},
          h("a", { href: `/api/v1/orders/${order.id}/invoice/`, target: "_blank", id: "invoice-link" }, "GST invoice", spoken(" (opens in a new tab)")), " · ",
          h("a", { href: `/api/v1/orders/${order.id}/invoice/?download=1`, "aria-label": "Download the GST invoice" }, "download")) : null,
        CUSTOMER_CAN_CANCEL.has(order.status) ? h("button", { type: "button", id: "cancel-order", onclick: (event) => cancelOrder(order, event.target) }, "Cancel order") : null,
        BUY_AGAIN.has(order.status) ? h("button", { type: "button", id: "order-again", class: "buy-again", onclick: (event) => buyAgain(order, event.currentTarget) },
          "Buy again") : null)),
  ];
}

/** "Buy again": each line of a past order goes into the cart through the cart API, at today's
 * prices and the cart's store. A line already in the cart gets the order's quantity on top
 * (the API adds to a line it has), keeping its replacement preference; a line the API or the
 * store's stock cannot take in full is added capped, or not at all, and the summary on the
 * cart page says which and why, in the API's words. Nothing is dropped without a word. */
async function buyAgain(listed, button) {
  let order = listed;
  if (state.buyingAgain) return; // a double click, or another order's button meanwhile
  state.buyingAgain = true;
  const label = button.textContent;
  // aria-disabled, not disabled: the button keeps the keyboard's focus while it works.
  button.setAttribute("aria-disabled", "true");
  button.setAttribute("aria-busy", "true");
  button.textContent = "Adding…";
  try {
    if (!order.lines) order = await api(`/api/v1/orders/${order.id}/`); // Your orders lists no lines
    const report = { orderId: order.id, added: [], capped: [], missed: [], pincodeNote: null };
    await queued(async () => {
      let cart = await api("/api/v1/cart/");
      if (!cart.store_id && order.pincode) {
        // No pincode yet: the order's own, where it was delivered.
        try {
          cart = await api("/api/v1/cart/", { method: "PATCH", body: { pincode: order.pincode } });
          localStorage.setItem(PINCODE_KEY, order.pincode);
        } catch {
          // the cart then asks for a pincode itself
        }
      }
      if (cart.pincode && order.pincode && cart.pincode !== order.pincode) {
        report.pincodeNote = `This order went to pincode ${order.pincode}${cart.store_id && order.store_id && cart.store_id !== order.store_id ? ", served by another store" : ""}; `
          + `your cart delivers to ${cart.pincode}, so the items were added at that store's prices and stock.`;
      }
      for (const [index, line] of order.lines.entries()) {
        try {
          cart = await buyLineAgain(line, cart, report);
        } catch (error) {
          // The shop stopped answering: the lines not tried yet are told as such, not dropped.
          for (const rest of order.lines.slice(index)) {
            report.missed.push({ name: rest.name, sku: rest.sku_id, text: `${quantityLabel(rest.quantity, rest.sold_by)} not added: ${errorMessage(error)}` });
          }
          cart = await api("/api/v1/cart/").catch(() => cart);
          break;
        }
      }
      setCart(cart);
    });
    state.buyAgain = report;
    const count = report.added.length + report.capped.length;
    const items = (n) => `${n} item${n === 1 ? "" : "s"}`;
    flash(report.missed.length || report.capped.length
      ? `${count} of ${items(order.lines.length)} added to your cart; see the summary.`
      : `${items(count)} added to your cart.`, report.missed.length ? "error" : "info");
    navigate("#/cart");
  } catch (error) {
    showError(error);
  } finally {
    state.buyingAgain = false;
    button.removeAttribute("aria-disabled");
    button.removeAttribute("aria-busy");
    button.textContent = label;
  }
}

/** One order line into the cart (`cart` is the latest answer); returns the cart after it. */
async function buyLineAgain(line, cart, report) {
  const what = (quantity) => quantityLabel(quantity, line.sold_by);
  const before = cart.lines.find((each) => each.sku_id === line.sku_id);
  const was = before ? before.quantity : 0;
  const body = { sku_id: line.sku_id, quantity: line.quantity };
  // The cart's own choice for a line it holds; else what the customer chose on that order.
  const chosen = before || (line.replacement ? line : null);
  if (chosen) Object.assign(body, { replacement: chosen.replacement, replacement_sku_id: chosen.replacement_sku_id || null });
  try {
    cart = await api("/api/v1/cart/lines/", { method: "POST", body });
  } catch (error) {
    if (!(error instanceof ApiError) || error.status === 0 || error.status >= 500) throw error; // the shop is down: say so, stop
    // Over the most per order with what the cart has: topped up to the most it may hold.
    const max = before && before.max_quantity;
    const top = max ? max - (max % (before.step || 1)) : 0;
    if (error.fields.quantity && was + line.quantity > max && top > was) {
      try {
        cart = await api(`/api/v1/cart/lines/${before.id}/`, { method: "PATCH", body: { quantity: top } });
        report.capped.push({ name: line.name, sku: line.sku_id, text: `${what(top - was)} of ${what(line.quantity)} added (${what(top)} in your cart): ${error.message}` });
        return cart;
      } catch (again) {
        if (!(again instanceof ApiError) || again.status === 0 || again.status >= 500) throw again;
      }
    }
    const why = error.code === "unknown_sku" ? "no longer sold." : errorMessage(error);
    report.missed.push({ name: line.name, sku: line.sku_id, text: `${what(line.quantity)} not added: ${why}` });
    return cart;
  }
  // Taken: the answer says whether the store has that much (max_quantity is the most the line
  // may hold now, its stock and the max per order); what it cannot hold goes back.
  const now = cart.lines.find((each) => each.sku_id === line.sku_id);
  if (!now || now.max_quantity === null || now.max_quantity === undefined || now.quantity <= now.max_quantity) {
    report.added.push({ name: line.name, sku: line.sku_id, text: before ? `${what(line.quantity)} added to the ${what(was)} in your cart` : `${what(line.quantity)} added` });
    return cart;
  }
  const why = now.problems.join(" ") || `At most ${what(now.max_quantity)} now.`;
  const top = Math.max(was, now.max_quantity - (now.max_quantity % (now.step || 1)));
  if (top === 0) cart = (await api(`/api/v1/cart/lines/${now.id}/`, { method: "DELETE" })) || (await api("/api/v1/cart/"));
  else cart = await api(`/api/v1/cart/lines/${now.id}/`, { method: "PATCH", body: { quantity: top } });
  if (top > was) report.capped.push({ name: line.name, sku: line.sku_id, text: `${what(top - was)} of ${what(line.quantity)} added${was ? ` (${what(top)} in your cart)` : ""}: ${why}` });
  else report.missed.push({ name: line.name, sku: line.sku_id, text: `${what(line.quantity)} not added: ${why}` });
  return cart;
}

/** What "Buy again" did, at the top of the cart until dismissed or the cart is left. */
function buyAgainSummary(report) {
  const list = (id, title, items) => items.length ? [
    h("h3", {}, `${title} (${items.length})`),
    h("ul", { id }, items.map((item) => h("li", { "data-sku": item.sku }, h("strong", {}, item.name), `: ${item.text}`))),
  ] : null;
  const added = report.added.length + report.capped.length;
  return h("section", { class: `notice buy-again${report.missed.length ? " has-missed" : ""}`, id: "buy-again-summary", role: "status", tabindex: "-1", "aria-labelledby": "buy-again-title", "data-focus-first": true },
    h("div", {},
      h("h2", { id: "buy-again-title" }, `Buy again, order ${report.orderId.slice(0, 8)}: `,
        added ? `${added} item${added === 1 ? "" : "s"} added` : "nothing could be added",
        report.missed.length ? `, ${report.missed.length} not added` : ""),
      report.pincodeNote ? h("p", { class: "warning", id: "buy-again-pincode" }, report.pincodeNote) : null,
      list("buy-again-added", "Added", report.added),
      list("buy-again-capped", "Added, but fewer", report.capped),
      list("buy-again-missed", "Not added", report.missed),
      h("p", { class: "muted" }, "Items that were already in your cart got the order's quantity on top. Prices are today's."),
      h("button", {
        type: "button", class: "link",
        onclick: (event) => {
          state.buyAgain = null;
          event.currentTarget.closest("section").remove();
          const heading = $("#app h1");
          heading.setAttribute("tabindex", "-1");
          heading.focus(); // the summary and its button are gone: keyboard users stay on the page
        },
      }, "Hide this summary")));
}

async function cancelOrder(order, button) {
  const paid = order.totals.paid_paise > 0;
  if (!confirm(paid ? "Cancel this order? What you paid is refunded to your payment method." : "Cancel this order?")) return;
  await busy(button, async () => {
    try {
      const updated = await api(`/api/v1/orders/${order.id}/cancel/`, { method: "POST" });
      keepFocus(() => showView(renderOrder(updated)));
      // The button is gone with what it did: the keyboard goes on from the status it changed.
      const status = $("#order-status");
      if (status && (!document.activeElement || document.activeElement === document.body)) {
        status.setAttribute("tabindex", "-1");
        status.focus();
      }
      flash(paid ? "Order cancelled; your refund is on its way." : "Order cancelled.");
    } catch (error) {
      showError(error);
    }
  });
}

/** A page that could not load (the network dropped, the shop failed to answer): what happened
 * and a Retry button, instead of a dead page; back online, it tries again by itself. */
function failedView(error, retry) {
  const offline = error instanceof ApiError && error.status === 0;
  const again = state.retried;
  state.retried = false;
  const button = h("button", {
    type: "button", class: "primary", id: "retry",
    onclick: async () => {
      if (button.getAttribute("aria-busy") === "true") return;
      button.setAttribute("aria-busy", "true");
      button.setAttribute("aria-disabled", "true");
      button.textContent = "Retrying…";
      state.retried = true;
      try {
        await retry();
      } finally {
        state.retried = false;
      }
    },
  }, "Retry");
  if (!(error instanceof ApiError)) console.error(error);
  const words = offline
    ? "Check your internet connection (mobile data or Wi-Fi), then try again. Your cart is kept."
    : error instanceof ApiError ? `${error.message} Please try again in a moment.` : "Please try again in a moment.";
  return [
    h("h1", {}, offline ? "The shop cannot be reached" : "Something went wrong"),
    h("p", { class: "error", id: "load-error" }, again ? "Still no answer. " : "", words),
    h("p", {}, button, " ", h("a", { href: "#/", class: "button" }, "Back to the shop")),
  ];
}

const showView = (view) => $("#app").replaceChildren(...[view].flat(Infinity).filter(Boolean));

/** The order's page; it follows the order's websocket, reconnecting with a growing pause and
 * polling meanwhile. Checkout answers before the saga places the order: for an order this
 * browser just checked out the page says so and waits, for a while; any other id that is not
 * there (someone else's, unknown, malformed) is not found at once. */
async function orderPage(orderId) {
  if (!state.me) return redirect(`#/login?next=/orders/${orderId}`);
  if (!UUID_PATTERN.test(orderId)) return orderNotFound(false);
  const here = `#/orders/${orderId}`;
  const deadline = placingDeadline(orderId);
  let socket = null;
  let timer = null;
  let retry = null;
  let closed = false;
  let missing = 0;
  let asked = 0; // answers are shown in the order the questions were asked: a late one is dropped
  let shown = 0;
  let pause = 1000;
  let lastStatus = null; // the status on screen: a new one is announced
  const stop = () => {
    closed = true;
    clearInterval(timer);
    clearTimeout(retry);
    if (!socket) return;
    socket.onmessage = null;
    // Closing a socket still connecting makes the browser log a failed connection: it closes once open.
    if (socket.readyState === WebSocket.CONNECTING) socket.onopen = () => socket.close();
    else socket.close();
  };
  state.leave = () => {
    stop();
    // Left for another page before it was ready to pay: coming back later shows "Pay now".
    if (location.hash !== here && state.payOnArrival === orderId) state.payOnArrival = null;
  }; // before any wait: leaving while the first answer is on its way stops it all
  const giveUp = (waited) => {
    stop();
    if (location.hash !== here) return;
    showView(orderNotFound(waited));
    document.title = "Order not found · Grocery shop";
  };
  const poll = (every) => {
    clearInterval(timer);
    if (!closed) timer = setInterval(refresh, every);
  };
  const connect = () => {
    if (closed) return;
    try {
      socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/v1/orders/${orderId}/`);
    } catch {
      return poll(3000);
    }
    socket.onopen = () => (pause = 1000);
    socket.onmessage = refresh;
    socket.onclose = (event) => {
      if (closed) return;
      if (event.code === 4401) { // signed out meanwhile
        stop();
        return redirect(`#/login?next=/orders/${orderId}`);
      }
      if (event.code === 4404) return giveUp(false); // not this customer's order
      poll(3000);
      retry = setTimeout(connect, pause); // a deploy or a network blip: back on the socket soon
      pause = Math.min(pause * 2, 60000);
    };
  };
  async function refresh() {
    const mine = ++asked;
    try {
      const fresh = await api(`/api/v1/orders/${orderId}/`);
      if (closed || location.hash !== here || mine < shown) return;
      shown = mine;
      keepFocus(() => showView(renderOrder(fresh)));
      // The page changed by itself: a screen reader is told the news, not left to find it.
      if (lastStatus && fresh.status !== lastStatus) announce(`Your order is now: ${STATUS_LABEL[fresh.status] || fresh.status}.`);
      lastStatus = fresh.status;
      if (payOnArrival(fresh) || settled(fresh)) stop();
      else if (socket && socket.readyState === WebSocket.OPEN) clearInterval(timer); // the socket carries on
    } catch (error) {
      if (closed) return;
      if (error.status === 401 || error.status === 403) return stop();
      if (error.status === 404 && Date.now() >= deadline) return giveUp(true);
      if (error.status === 404 && ++missing === 40 && !closed && location.hash === here) {
        // Checkout said yes, so the order comes; keep waiting, a little less often.
        poll(10000);
        const note = $("#placing-note");
        if (note) note.textContent = "This is taking longer than usual. Your order will appear here and in Your orders.";
      }
    }
  }
  let order = null;
  try {
    order = await api(`/api/v1/orders/${orderId}/`);
  } catch (error) {
    if (error.status !== 404) {
      stop();
      throw error;
    }
  }
  if (closed) return null; // left meanwhile
  if (!order && Date.now() >= deadline) {
    stop();
    return orderNotFound(false);
  }
  if (!order || !settled(order)) {
    connect();
    if (!order) poll(1500); // until the order exists, also when its first push is missed
  }
  if (order) {
    lastStatus = order.status;
    const view = renderOrder(order);
    if (payOnArrival(order)) stop();
    return view;
  }
  lastStatus = "placing"; // the order's first answer is told as news ("now: Placed")
  return [h("h1", {}, "Placing your order…"),
    h("p", { class: "status", id: "order-status", "data-status": "placing" }, "We are checking stock, your slot and payment."),
    h("p", { class: "muted", id: "placing-note" }, "This page updates by itself.",
      state.payOnArrival === orderId ? " Razorpay's checkout opens as soon as your order is ready to pay." : null)];
}

async function ordersPage() {
  if (!state.me) return redirect("#/login?next=/orders");
  const orders = await api("/api/v1/orders/?page_size=50");
  if (!orders.results.length) return [h("h1", {}, "Your orders"), h("p", {}, "No orders yet. ", h("a", { href: "#/" }, "Start shopping"), ".")];
  return [
    h("h1", {}, "Your orders"),
    h("table", { class: "orders" },
      h("thead", {}, h("tr", {}, h("th", {}, "Placed"), h("th", {}, "Order"), h("th", {}, "Status"), h("th", {}, "Delivery"), h("th", { class: "num" }, "Total"))),
      h("tbody", {}, orders.results.map((order) => h("tr", { "data-order": order.id },
        h("td", {}, when(order.placed_at, { dateStyle: "medium", timeStyle: "short" })),
        // "Buy again" under the order's number: a column of its own does not fit a phone.
        h("td", {}, h("a", { href: `#/orders/${order.id}` }, order.id.slice(0, 8)),
          BUY_AGAIN.has(order.status) ? h("div", {}, h("button", {
            type: "button", class: "buy-again small", "aria-label": `Buy again: order ${order.id.slice(0, 8)}`,
            onclick: (event) => buyAgain(order, event.currentTarget),
          }, "Buy again")) : null),
        h("td", { class: `status-${order.status}` }, STATUS_LABEL[order.status] || order.status),
        h("td", {}, order.slot_starts_at ? slotLabel(order.slot_starts_at, order.slot_ends_at) : ""),
        h("td", { class: "num" }, rupees(order.final_total_paise)))))),
  ];
}

function authPage(kind, params) {
  const next = params.get("next") || "/";
  const registering = kind === "register";
  const notice = state.notice;
  state.notice = null;
  const form = h("form", { class: "auth", id: `${kind}-form` },
    h("h1", {}, registering ? "Create your account" : "Log in"),
    notice ? h("p", { class: "notice", role: "status", id: "login-notice" }, notice) : null,
    registering ? h("label", {}, "Name ", h("input", { name: "full_name", autocomplete: "name" })) : null,
    h("label", {}, "Email ", h("input", { name: "email", type: "email", required: true, autocomplete: "email", value: params.get("email") || null })),
    registering ? h("label", {}, "Mobile ", h("input", { name: "phone", type: "tel", inputmode: "tel", autocomplete: "tel", placeholder: "98765 43210" })) : null,
    h("label", {}, "Password ", h("input", {
      name: "password", type: "password", required: true, minlength: registering ? 8 : null, autocomplete: registering ? "new-password" : "current-password",
      "data-hint": registering ? "password-hint" : null, "aria-describedby": registering ? "password-hint" : null,
    })),
    // Told before the first try, not only after a refusal.
    registering ? h("p", { class: "muted hint", id: "password-hint" }, "At least 8 characters, not only digits, not a common password.") : null,
    registering ? null : h("p", { class: "forgot" }, h("a", { href: "#/forgot-password", id: "forgot-link" }, "Forgot your password?")),
    h("p", { class: "error form-error", hidden: true, role: "alert" }),
    h("button", { type: "submit", class: "primary" }, registering ? "Create account" : "Log in"),
    h("p", {}, registering
      ? ["Have an account? ", h("a", { href: `#/login?next=${encodeURIComponent(next)}` }, "Log in")]
      : ["New here? ", h("a", { href: `#/register?next=${encodeURIComponent(next)}` }, "Create an account")]));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await busy($("button[type=submit]", form), async () => {
      const body = Object.fromEntries(Object.entries(formData(form)).filter(([, value]) => value !== ""));
      try {
        if (registering) await api("/api/v1/auth/register/", { method: "POST", body });
        await api("/api/v1/auth/login/", { method: "POST", body: { email: body.email, password: body.password } });
        await loadMe();
        await loadCart(); // the visitor's cart is merged into the customer's
        await keepPincode();
        redirect(`#${next}`); // Back does not lead to the login form again
      } catch (error) {
        showError(error, form);
      }
    });
  });
  return form;
}

// --- passwords ------------------------------------------------------------------------------

const passwordInput = (name, autocomplete) =>
  h("input", { name, type: "password", required: true, minlength: autocomplete === "new-password" ? 8 : null, autocomplete });

/** An input described by a hint the form shows (see describeInput). */
function withHint(input, hintId) {
  input.dataset.hint = hintId;
  describeInput(input);
  return input;
}

/** The two new-password fields agree, or the second says so next to itself. */
function passwordsMatch(form) {
  const { new_password: first, new_password_again: again } = formData(form);
  if (first === again) return true;
  showError(new ApiError(400, "", { new_password_again: ["The two passwords are not the same."] }, "validation_error"), form);
  form.elements.new_password_again.focus();
  return false;
}

/** Says a form's outcome in its live region (there from the start, so it is read out) and moves focus there. */
function tell(region, message) {
  region.textContent = message;
  region.setAttribute("tabindex", "-1");
  region.focus();
}

function forgotPasswordPage(params) {
  const status = h("p", { id: "forgot-status", role: "status", "aria-live": "polite" });
  const fields = h("div", {},
    h("p", {}, "Enter the email address of your account: we will send you a link to choose a new password."),
    h("label", {}, "Email ", h("input", { name: "email", type: "email", required: true, autocomplete: "email", value: params.get("email") || null })),
    h("p", { class: "error form-error", hidden: true, role: "alert" }),
    h("button", { type: "submit", class: "primary" }, "Send me a link"));
  const form = h("form", { class: "auth", id: "forgot-form" }, h("h1", {}, "Forgot your password?"), fields, status,
    h("p", {}, h("a", { href: "#/login" }, "Back to log in")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await busy($("button[type=submit]", form), async () => {
      const { email } = formData(form);
      try {
        await api("/api/v1/auth/password/reset/", { method: "POST", body: { email } });
        fields.hidden = true;
        tell(status, `If an account exists for ${email}, we have sent a link to it to choose a new password. It works once; check your spam folder if it does not arrive in a few minutes.`);
      } catch (error) {
        showError(error, form);
      }
    });
  });
  return form;
}

function resetPasswordPage(params) {
  const [uid, token] = [params.get("uid") || "", params.get("token") || ""];
  const askAgain = h("p", {}, h("a", { href: "#/forgot-password" }, "Ask for a new link"));
  if (!uid || !token) {
    return [h("h1", {}, "Choose a new password"), h("p", { class: "error" }, "This reset link is incomplete: open the link from the email again, or ask for a new one."), askAgain];
  }
  const form = h("form", { class: "auth", id: "reset-form" },
    h("h1", {}, "Choose a new password"),
    h("p", { class: "muted", id: "reset-hint" }, "At least 8 characters, not only digits, not a common password."),
    h("label", {}, "New password ", withHint(passwordInput("new_password", "new-password"), "reset-hint")),
    h("label", {}, "New password again ", passwordInput("new_password_again", "new-password")),
    h("p", { class: "error form-error", hidden: true, role: "alert" }),
    h("button", { type: "submit", class: "primary" }, "Save new password"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    if (!passwordsMatch(form)) return;
    await busy($("button[type=submit]", form), async () => {
      try {
        // Trimmed, as formData() does for the register and log in forms, so the password typed there matches.
        const { new_password } = formData(form);
        const done = await api("/api/v1/auth/password/reset/confirm/", { method: "POST", body: { uid, token, new_password } });
        await loadMe(); // every login of the account has ended, this browser's too
        state.notice = "Your password is changed and you were logged out everywhere. Log in with your new password.";
        redirect(`#/login?email=${encodeURIComponent(done.email)}`); // the link's page is not kept in the history
      } catch (error) {
        showError(error, form);
        if (error.code === "invalid_reset_link") $(".error.form-error", form).after(askAgain);
      }
    });
  });
  return form;
}

async function accountPage() {
  if (!state.me) return redirect("#/login?next=/account");
  const status = h("p", { id: "password-status", class: "save", role: "status", "aria-live": "polite" });
  const form = h("form", { class: "auth", id: "password-form" },
    h("h2", {}, "Change password"),
    h("label", {}, "Current password ", passwordInput("current_password", "current-password")),
    h("label", {}, "New password ", passwordInput("new_password", "new-password")),
    h("label", {}, "New password again ", passwordInput("new_password_again", "new-password")),
    h("p", { class: "error form-error", hidden: true, role: "alert" }),
    h("button", { type: "submit", class: "primary" }, "Change password"),
    status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    $(".error.form-error", form).hidden = true;
    status.textContent = "";
    if (!passwordsMatch(form)) return;
    await busy($("button[type=submit]", form), async () => {
      try {
        const { current_password, new_password } = formData(form);
        await api("/api/v1/auth/password/change/", { method: "POST", body: { current_password, new_password } });
        form.reset();
        tell(status, "Your password is changed. You stay logged in here; everywhere else you are logged out.");
      } catch (error) {
        showError(error, form);
        const first = form.querySelector("[aria-invalid=true]");
        if (first) first.focus();
      }
    });
  });
  const me = state.me;
  return [
    h("h1", {}, "Your account"),
    h("dl", { class: "facts" },
      h("dt", {}, "Email"), h("dd", {}, me.email),
      me.full_name ? [h("dt", {}, "Name"), h("dd", {}, me.full_name)] : null,
      me.phone ? [h("dt", {}, "Phone"), h("dd", {}, me.phone)] : null),
    h("p", {}, h("a", { href: "#/orders" }, "Your orders")),
    form,
  ];
}

// --- routing ------------------------------------------------------------------------------

/** Goes to a page: a new history entry, as a link does. `redirect(hash)` instead replaces the
 * current entry, so Back never leads to a page that only sends the customer on again. */
function navigate(hash, { replace = false } = {}) {
  if (location.hash === hash) route();
  else if (replace) {
    history.replaceState(history.state, "", hash); // no hashchange: route by hand
    route();
  } else location.hash = hash;
  return null;
}
const redirect = (hash) => navigate(hash, { replace: true });

// Where each history entry was scrolled to, by an id kept in its history.state: Back to a
// list returns to where it was left; a new entry (a link, a search) starts at the top.
const scrolledTo = new Map();
let entries = 0;
const entryId = () => (history.state && history.state.entry) || null;
function rememberScroll() {
  const entry = entryId();
  if (entry) scrolledTo.set(entry, window.scrollY);
}

let routing = 0;
let shownRoute = null; // the hash of the view on screen: re-rendering it keeps scroll and focus
async function route() {
  if (state.leave) {
    state.leave();
    state.leave = null;
  }
  const known = entryId();
  const savedY = (known && scrolledTo.get(known)) || 0; // read now: the old view is still on screen
  if (!known) history.replaceState({ ...history.state, entry: `${Date.now()}-${++entries}` }, "");
  const ticket = ++routing;
  const app = $("#app");
  app.setAttribute("aria-busy", "true"); // screen readers (and tests) wait for the new view
  const [path, query] = (location.hash.slice(1) || "/").split("?");
  const params = new URLSearchParams(query || "");
  const parts = path.split("/").filter(Boolean);
  if (parts[0] !== "cart") state.buyAgain = null; // told on the cart page, until it is left
  let view;
  try {
    if (parts.length === 0) view = await homePage(params);
    else if (parts[0] === "p" && parts[1]) view = await productPage(decodeURIComponent(parts[1]));
    else if (parts[0] === "cart") view = await cartPage();
    else if (parts[0] === "checkout") view = await checkoutPage();
    else if (parts[0] === "orders" && parts[1]) view = await orderPage(parts[1]);
    else if (parts[0] === "orders") view = await ordersPage();
    else if (parts[0] === "login" || parts[0] === "register") view = authPage(parts[0], params);
    else if (parts[0] === "forgot-password") view = forgotPasswordPage(params);
    else if (parts[0] === "reset-password") view = resetPasswordPage(params);
    else if (parts[0] === "account") view = await accountPage();
    else view = [h("h1", {}, "Page not found"), h("p", {}, h("a", { href: "#/" }, "Back to the shop"))];
  } catch (error) {
    if (error.status === 401 || error.status === 403) return redirect(`#/login?next=${encodeURIComponent(path)}`);
    view = error.status === 404
      ? [h("h1", {}, "Not found"), h("p", { class: "error" }, error.message), h("p", {}, h("a", { href: "#/" }, "Back to the shop"))]
      : failedView(error, () => {
        shownRoute = ""; // the page that comes is new: its heading takes the focus
        return route();
      });
  }
  if (ticket !== routing) return; // navigated elsewhere meanwhile
  app.removeAttribute("aria-busy");
  if (view === null) return;
  const first = shownRoute === null;
  const moved = location.hash !== shownRoute;
  shownRoute = location.hash;
  if (!moved) {
    const inside = app.contains(document.activeElement);
    keepFocus(() => showView(view));
    // What had the focus went with what it did (a line's Remove, − down to nothing): the
    // keyboard goes on from the page's heading, not from the top of the document.
    if (inside && !app.contains(document.activeElement)) {
      const heading = $("#app h1");
      if (heading) {
        heading.setAttribute("tabindex", "-1");
        heading.focus({ preventScroll: true });
      }
    }
  } else {
    showView(view);
    // Back (or Forward) to an entry seen before: where it was; a new one: its top.
    window.scrollTo(0, savedY);
    // Keyboard and screen-reader users start on the new page's heading (not on the first load),
    // or on what the page has to tell first (what "Buy again" added).
    const heading = $("#app [data-focus-first]") || $("#app h1");
    if (heading && !first) {
      heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: true });
    }
  }
  document.title = `${$("#app h1") ? `${$("#app h1").textContent} · ` : ""}Grocery shop`;
}

/** The pincode this browser chose last wins over an older one the customer's cart had. */
async function keepPincode() {
  const remembered = localStorage.getItem(PINCODE_KEY);
  if (!remembered || state.cart.pincode === remembered) return;
  try {
    await choosePincode(remembered);
  } catch {
    localStorage.removeItem(PINCODE_KEY);
  }
}

async function start() {
  $("#pincode-button").addEventListener("click", askPincode);
  $("#search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const q = $("#search-input").value.trim();
    navigate(q ? `#/?q=${encodeURIComponent(q)}` : "#/");
  });
  $("#logout-button").addEventListener("click", async () => {
    try {
      await api("/api/v1/auth/logout/", { method: "POST" });
      state.me = null; // known: asking /auth/me/ would only log a 401 in the console
      showMe();
      await loadCart(); // a new visitor's cart, without a pincode...
      await keepPincode(); // ...given the one this browser chose (kept in localStorage)
      navigate("#/");
    } catch (error) {
      showError(error);
    }
  });
  window.addEventListener("hashchange", route);
  history.scrollRestoration = "manual"; // route() scrolls, once the view is there to scroll
  window.addEventListener("scroll", rememberScroll, { passive: true });
  // Back from Razorpay may bring this page back as it was left (the back/forward cache), its
  // order no longer followed: it is fetched and followed again, without the old message.
  window.addEventListener("pageshow", (event) => {
    if (!event.persisted) return;
    $("#flash").hidden = true;
    route();
  });
  $("#skip-link").addEventListener("click", (event) => {
    event.preventDefault(); // the link's #app is not a route
    const target = $("#app h1") || $("#app");
    target.setAttribute("tabindex", "-1");
    target.focus();
  });
  // Back online while a page says the shop cannot be reached: it tries again by itself.
  window.addEventListener("online", () => $("#retry")?.click());
  state.me = JSON.parse($("#signed-in").textContent); // the page says who is signed in
  showMe();
  await boot();
}

/** The cart, the pincode and the page: what the shop needs from the API to show anything. */
async function boot() {
  await loadCart();
  await keepPincode();
  await route();
}

/** The shop could not even load the cart (offline when the page opened): Retry, not a dead page. */
function startFailed(error) {
  showView(failedView(error, () => boot().catch(startFailed)));
  const heading = $("#app h1");
  heading.setAttribute("tabindex", "-1");
  heading.focus();
  document.title = `${heading.textContent} · Grocery shop`;
}

start().catch(startFailed);
