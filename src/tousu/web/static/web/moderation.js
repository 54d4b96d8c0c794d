/* Keyboard shortcuts of the moderator console (progressive enhancement).
 *
 * Every action is an ordinary form or link that works without this file; the script only adds
 * keys and reveals the hints ([data-kbd-hints]) that describe them:
 *   queue page      j / k  select the next / previous complaint (focus moves to its link)
 *                   a      accept the selected complaint (submits its accept form)
 *                   r      open the selected complaint at its reject form
 *   complaint page  j / k  next / previous complaint of the queue
 *                   a      accept        r  focus the reject reason        h  focus the hide reason
 * Keys are ignored while typing in a field and when Ctrl, Alt, Meta or Shift is held.
 */
(function () {
  "use strict";
  var root = document.querySelector("[data-moderation]");
  if (!root) return;
  var mode = root.getAttribute("data-moderation");
  root.querySelectorAll("[data-kbd-hints]").forEach(function (el) { el.hidden = false; });

  function typing(el) {
    if (!el || !el.tagName) return false;
    var tag = el.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || el.isContentEditable;
  }

  function submit(form) {
    if (!form) return false;
    var button = form.querySelector("button[name=op][value=accept]");
    if (typeof form.requestSubmit === "function") form.requestSubmit(button || undefined);
    else if (button) button.click();
    return true;
  }

  function focusField(id) {
    var el = document.getElementById(id);
    if (!el) return false;
    el.scrollIntoView({ block: "center" });
    el.focus();
    return true;
  }

  function follow(selector) {
    var link = root.querySelector(selector);
    if (!link) return false;
    window.location.assign(link.href);
    return true;
  }

  var rows = Array.prototype.slice.call(root.querySelectorAll("[data-row]"));
  var current = -1;

  function select(index) {
    if (!rows.length) return false;
    current = Math.max(0, Math.min(rows.length - 1, index));
    rows.forEach(function (row, i) {
      row.classList.toggle("is-selected", i === current);
      if (i === current) row.setAttribute("aria-current", "true");
      else row.removeAttribute("aria-current");
    });
    var link = rows[current].querySelector("[data-open]");
    if (link) link.focus();
    rows[current].scrollIntoView({ block: "nearest" });
    return true;
  }

  // a row reached with Tab or a click becomes the selected one
  rows.forEach(function (row, i) {
    row.addEventListener("focusin", function () { if (current !== i) select(i); });
  });

  var queueKeys = {
    j: function () { return select(current + 1); },
    k: function () { return select(current < 0 ? 0 : current - 1); },
    a: function () { return current >= 0 && submit(rows[current].querySelector("[data-accept]")); },
    r: function () {
      var link = current >= 0 && rows[current].querySelector("[data-reject]");
      if (!link) return false;
      window.location.assign(link.href);
      return true;
    }
  };
  var complaintKeys = {
    j: function () { return follow("[data-next]"); },
    k: function () { return follow("[data-prev]"); },
    a: function () { return submit(document.getElementById("accept-form")); },
    r: function () { return focusField("reject-reason"); },
    h: function () { return focusField("hide-reason"); }
  };
  var keys = mode === "queue" ? queueKeys : complaintKeys;

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.shiftKey) return;
    if (typing(event.target)) return;
    var action = keys[event.key];
    if (action && action()) event.preventDefault();
  });

  // "r" on the queue opens a complaint at #reject: focus its reason once the browser is done
  // scrolling to the fragment (which would otherwise leave the focus on the page)
  if (mode === "complaint" && window.location.hash === "#reject") {
    var focusReason = function () { window.setTimeout(function () { focusField("reject-reason"); }, 0); };
    if (document.readyState === "complete") focusReason();
    else window.addEventListener("load", focusReason);
  }
})();
