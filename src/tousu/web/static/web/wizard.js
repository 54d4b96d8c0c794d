/* Tousu consumer pages: progressive enhancement only. Every form works without this file.
 * - company typeahead: htmx fetches /companies/suggest?q=…; this names the parameter and picks
 * - evidence: uploads each chosen file at once with a progress bar, thumbnails, remove buttons
 * - autosave of wizard steps while typing; a submit button that cannot be clicked twice
 * - a countdown on "resend code"
 * Texts come from data-* attributes rendered by the (translated) templates. */
(function () {
  "use strict";

  function csrf(form) {
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  /* --- company typeahead --------------------------------------------------------------- */
  var nameInput = document.querySelector("input[data-suggest]");
  if (nameInput) {
    var idInput = document.getElementById("id_company_id");
    var list = document.getElementById("company-suggestions");
    var status = document.getElementById("company-suggest-status");
    var picked = document.getElementById("company-picked");
    var pickedName = idInput && idInput.value ? nameInput.value : null;

    // items: <button data-company-id data-company-name> or the directory's <a href="/companies/ID/">
    var ITEM = "[data-company-id], .suggest-list a[href]";
    var clear = function () { list.innerHTML = ""; };
    var buttons = function () { return Array.prototype.slice.call(list.querySelectorAll(ITEM)); };
    var companyOf = function (item) {
      var id = item.getAttribute("data-company-id");
      if (!id) {
        var match = /\/companies\/(\d+)\/?$/.exec(item.getAttribute("href") || "");
        id = match ? match[1] : "";
      }
      return { id: id, name: item.getAttribute("data-company-name") || item.textContent.trim() };
    };

    document.body.addEventListener("htmx:configRequest", function (e) {
      if (e.detail.elt !== nameInput) return;
      var params = e.detail.parameters;
      delete params[nameInput.name];
      params.q = nameInput.value.trim();
    });
    document.body.addEventListener("htmx:beforeSwap", function (e) {
      if (e.detail.target !== list) return;
      var text = e.detail.xhr ? e.detail.xhr.responseText || "" : "";
      // an error, or anything that is not a list fragment, leaves the list empty
      if (!e.detail.xhr || e.detail.xhr.status !== 200 || /<html|<body/i.test(text) || !nameInput.value.trim()) {
        e.detail.shouldSwap = true;
        e.detail.serverResponse = "";
      }
    });
    document.body.addEventListener("htmx:afterSwap", function (e) {
      if (e.detail.target !== list) return;
      var loose = list.querySelectorAll(":scope > li");
      if (loose.length) {  // bare <li> items: give them their list
        var ul = document.createElement("ul");
        Array.prototype.forEach.call(loose, function (li) { ul.appendChild(li); });
        list.appendChild(ul);
      }
      var n = buttons().length;
      status.textContent = n ? status.getAttribute("data-count-text").replace("%(n)s", n) : "";
    });
    nameInput.addEventListener("input", function () {
      if (pickedName !== null && nameInput.value !== pickedName) {
        idInput.value = "";
        pickedName = null;
        picked.hidden = true;
      }
    });
    nameInput.addEventListener("keydown", function (e) {
      var all = buttons();
      if (e.key === "ArrowDown" && all.length) { e.preventDefault(); all[0].focus(); }
      if (e.key === "Escape") clear();
    });
    list.addEventListener("keydown", function (e) {
      var all = buttons();
      var i = all.indexOf(document.activeElement);
      if (e.key === "ArrowDown" && i < all.length - 1) { e.preventDefault(); all[i + 1].focus(); }
      if (e.key === "ArrowUp") { e.preventDefault(); (i > 0 ? all[i - 1] : nameInput).focus(); }
      if (e.key === "Escape") { clear(); nameInput.focus(); }
    });
    list.addEventListener("click", function (e) {
      var item = e.target.closest(ITEM);
      if (!item || !list.contains(item)) return;
      var company = companyOf(item);
      if (!company.id) return;
      e.preventDefault();
      pickedName = company.name;
      nameInput.value = pickedName;
      idInput.value = company.id;
      picked.textContent = "";
      picked.append(picked.getAttribute("data-template"));
      var strong = document.createElement("strong");
      strong.textContent = pickedName;
      picked.append(strong);
      picked.hidden = false;
      clear();
      status.textContent = "";
      nameInput.focus();
      nameInput.form.dispatchEvent(new Event("input", { bubbles: true }));  // autosave the pick
    });
  }

  /* --- autosave while typing ------------------------------------------------------------ */
  var note = document.querySelector(".autosave");
  Array.prototype.forEach.call(document.querySelectorAll("form[data-autosave]"), function (form) {
    if (!window.fetch || !window.FormData) return;
    var timer = null;
    var save = function () {
      timer = null;
      var data = new FormData(form);
      data.set("op", "save");
      fetch(form.action, {
        method: "POST", body: data, credentials: "same-origin",
        headers: { "X-Requested-With": "XMLHttpRequest" }
      }).then(function (r) {
        if (!note) return;
        var now = new Date();
        var hhmm = ("0" + now.getHours()).slice(-2) + ":" + ("0" + now.getMinutes()).slice(-2);
        note.textContent = r.ok ? note.getAttribute("data-saved-text") + " " + hhmm
                                : note.getAttribute("data-failed-text");
      }).catch(function () {
        if (note) note.textContent = note.getAttribute("data-failed-text");
      });
    };
    var later = function () { if (timer) clearTimeout(timer); timer = setTimeout(save, 600); };
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    form.addEventListener("submit", function () { if (timer) clearTimeout(timer); });
  });

  /* --- evidence uploads with progress ----------------------------------------------------- */
  var evidence = document.getElementById("evidence-form");
  if (evidence && window.XMLHttpRequest && window.FormData) {
    var fileInput = evidence.querySelector("input[type=file]");
    var files = document.getElementById("evidence-list");
    var errors = document.getElementById("id_evidence_error");
    var next = evidence.querySelector("button[value=next]");
    var pending = 0;
    Array.prototype.forEach.call(evidence.querySelectorAll("[data-nojs]"), function (b) { b.hidden = true; });

    var busy = function () { next.disabled = pending > 0; };
    var say = function (message) {
      var li = document.createElement("li");
      li.textContent = message;
      errors.appendChild(li);
      fileInput.setAttribute("aria-invalid", "true");
    };
    var upload = function (file) {
      var item = document.createElement("li");
      item.className = "evidence-item uploading";
      var preview = null;
      if (/^image\//.test(file.type)) {
        preview = URL.createObjectURL(file);
        var img = document.createElement("img");
        img.src = preview; img.alt = file.name; img.width = 96; img.height = 96;
        item.appendChild(img);
      } else {
        var icon = document.createElement("span");
        icon.className = "file-icon";
        icon.textContent = (file.name.split(".").pop() || "").toUpperCase();
        item.appendChild(icon);
      }
      var name = document.createElement("span");
      name.className = "file-name";
      name.textContent = file.name;
      item.appendChild(name);
      var bar = document.createElement("progress");
      bar.max = 100; bar.value = 0;
      bar.setAttribute("aria-label", evidence.getAttribute("data-progress-text") + " " + file.name);
      item.appendChild(bar);
      files.appendChild(item);

      var xhr = new XMLHttpRequest();
      xhr.open("POST", evidence.getAttribute("data-upload-url"));
      xhr.setRequestHeader("X-CSRFToken", csrf(evidence));
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
      });
      var done = function () {
        pending -= 1; busy();
        if (preview) URL.revokeObjectURL(preview);
      };
      xhr.addEventListener("load", function () {
        done();
        if (xhr.status === 200) {
          var holder = document.createElement("ul");
          holder.innerHTML = xhr.responseText;
          var fresh = holder.querySelector("li");
          if (fresh) { item.replaceWith(fresh); return; }
        }
        item.remove();
        say(xhr.status === 200 || !xhr.responseText || xhr.responseText.length > 300
            ? evidence.getAttribute("data-failed-text") + "：" + file.name : xhr.responseText);
      });
      xhr.addEventListener("error", function () {
        done(); item.remove();
        say(evidence.getAttribute("data-network-text") + "：" + file.name);
      });
      var data = new FormData();
      data.append("evidence", file, file.name);
      pending += 1; busy();
      xhr.send(data);
    };

    fileInput.addEventListener("change", function () {
      errors.innerHTML = "";
      fileInput.removeAttribute("aria-invalid");
      Array.prototype.forEach.call(fileInput.files, upload);
      fileInput.value = "";
    });
    files.addEventListener("click", function (e) {
      var button = e.target.closest("button[data-delete-url]");
      if (!button) return;
      e.preventDefault();
      button.disabled = true;
      var item = button.closest("li");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", button.getAttribute("data-delete-url"));
      xhr.setRequestHeader("X-CSRFToken", csrf(evidence));
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.addEventListener("load", function () {
        if (xhr.status === 204 || xhr.status === 404) { item.remove(); fileInput.focus(); }
        else { button.disabled = false; }
      });
      xhr.addEventListener("error", function () { button.disabled = false; });
      xhr.send();
    });
  }

  /* --- one submit only ------------------------------------------------------------------ */
  Array.prototype.forEach.call(document.querySelectorAll("form[data-submit-once]"), function (form) {
    form.addEventListener("submit", function (e) {
      if (form.getAttribute("data-sent")) { e.preventDefault(); return; }
      form.setAttribute("data-sent", "1");
      var button = form.querySelector("button[type=submit][data-busy-text]");
      if (button) {
        setTimeout(function () {
          button.disabled = true;
          button.textContent = button.getAttribute("data-busy-text");
        }, 0);
      }
    });
  });

  /* --- resend countdown ------------------------------------------------------------------ */
  Array.prototype.forEach.call(document.querySelectorAll("button[data-wait]"), function (button) {
    var left = parseInt(button.getAttribute("data-wait"), 10) || 0;
    var label = button.textContent;
    if (left <= 0) return;
    button.disabled = true;
    var tick = function () {
      if (left <= 0) { button.disabled = false; button.textContent = label; return; }
      button.textContent = label + " (" + left + ")";
      left -= 1;
      setTimeout(tick, 1000);
    };
    tick();
  });
})();
