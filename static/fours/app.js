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
