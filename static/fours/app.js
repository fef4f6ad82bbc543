// Fours UI helpers. htmx sends the CSRF token from <body hx-headers>.
document.addEventListener("keydown", function (e) {
  // "/" focuses the archive search box, as in most web apps.
  if (e.key === "/" && !/input|textarea|select/i.test(document.activeElement.tagName)) {
    const box = document.getElementById("top-search");
    if (box) { e.preventDefault(); box.focus(); }
  }
});
document.addEventListener("htmx:responseError", function (e) {
  const status = e.detail.xhr.status;
  const msg = status === 403 ? "没有权限 / Permission denied" : status === 404 ? "未找到 / Not found" : "操作失败 / Request failed (" + status + ")";
  const div = document.createElement("div");
  div.className = "alert alert-danger position-fixed bottom-0 end-0 m-3";
  div.textContent = msg;
  document.body.appendChild(div);
  setTimeout(() => div.remove(), 4000);
});

// One-time form keys (fours.core.idempotency). Every POST form carries a hidden "_once" key, put in
// at page load and into forms htmx brings in; the server does a key once and answers it again with
// the first result, so a double click or a browser resubmit posts once. Buttons of a sent form are
// disabled for a while; the key changes only when the form's fields change, so a resubmit from the
// back button shows the first result instead of posting again.
(function () {
  const FIELD = "_once";
  function newKey() {
    const b = new Uint8Array(16);
    crypto.getRandomValues(b); // crypto.randomUUID needs https; a store's LAN may serve plain http
    return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  }
  function isPost(form) {
    return (form.getAttribute("method") || "").toLowerCase() === "post";
  }
  function keyOf(form) {
    let input = form.querySelector('input[name="' + FIELD + '"]');
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = FIELD;
      input.value = newKey();
      form.appendChild(input);
    }
    return input;
  }
  function keyForms(root) {
    if (!root || !root.querySelectorAll) return;
    if (root.matches && root.matches("form") && isPost(root)) keyOf(root);
    root.querySelectorAll("form").forEach((f) => isPost(f) && keyOf(f));
  }
  function submitButtons(form) {
    return Array.from(form.elements).filter((el) => el.type === "submit");
  }
  function release(form) {
    delete form.dataset.onceSent;
    submitButtons(form).forEach((b) => {
      if (b.dataset.onceDisabled) { b.disabled = false; delete b.dataset.onceDisabled; }
    });
  }
  keyForms(document);
  document.addEventListener("htmx:load", (e) => keyForms(e.detail.elt));
  document.addEventListener("submit", function (e) {
    const form = e.target;
    if (e.defaultPrevented || !isPost(form) || (form.target && form.target !== "_self")) return;
    if (form.dataset.onceSent) { e.preventDefault(); return; } // the first is on its way
    keyOf(form);
    form.dataset.onceSent = "1";
    setTimeout(function () { // after the browser has taken the pressed button's name and value
      submitButtons(form).forEach((b) => {
        if (!b.disabled) { b.disabled = true; b.dataset.onceDisabled = "1"; }
      });
    }, 0);
    setTimeout(() => release(form), 10000); // a download or a lost answer: it may be sent again
  });
  function changed(e) {
    const form = e.target.form;
    if (form && isPost(form)) keyOf(form).value = newKey(); // other contents: a new posting
  }
  document.addEventListener("input", changed);
  document.addEventListener("change", changed);
  window.addEventListener("pageshow", function (e) {
    if (e.persisted) document.querySelectorAll("form").forEach(release); // back to a sent page
  });
  // htmx posts: the form's key comes with its fields; a button outside a form has its own key
  document.addEventListener("htmx:configRequest", function (e) {
    if (e.detail.verb !== "post" || e.detail.parameters[FIELD]) return;
    const elt = e.detail.elt;
    elt.dataset.once = elt.dataset.once || newKey();
    e.detail.parameters[FIELD] = elt.dataset.once;
  });
  document.addEventListener("htmx:afterRequest", function (e) {
    const cfg = e.detail.requestConfig;
    if (!e.detail.successful || !cfg || cfg.verb !== "post") return;
    const elt = e.detail.elt;
    delete elt.dataset.once; // answered: the next post from here is a new one
    const form = elt.closest("form");
    if (form && isPost(form) && document.contains(form)) keyOf(form).value = newKey();
  });
})();
