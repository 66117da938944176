// The studio's upload and edit forms: the product picker (add, remove, at most N), the parts
// shown only for a video or for photos, and the upload's progress bar. The server checks
// everything again; this only makes the form pleasant.
(function () {
  "use strict";

  // --- Product picker ---------------------------------------------------------------------------

  function syncPicker(picker) {
    var list = picker.querySelector("[data-chosen]");
    var rows = list.querySelectorAll("[data-product-id]");
    var count = picker.querySelector("[data-picker-count]");
    if (count) count.textContent = rows.length;
    var empty = picker.querySelector("[data-chosen-empty]");
    if (empty) empty.hidden = rows.length > 0;
    picker.querySelectorAll("[data-add-product]").forEach(function (button) {
      var id = button.getAttribute("data-add-product");
      var chosen = !!list.querySelector('[data-product-id="' + id + '"]');
      button.disabled = chosen;
      button.textContent = chosen ? "Added" : "Add";
    });
  }

  function addProduct(button) {
    var picker = button.closest("[data-picker]");
    var list = picker.querySelector("[data-chosen]");
    var limit = picker.querySelector("[data-picker-limit]");
    var max = Number(picker.getAttribute("data-max")) || 6;
    if (list.querySelector('[data-product-id="' + button.getAttribute("data-add-product") + '"]')) {
      return;
    }
    if (list.querySelectorAll("[data-product-id]").length >= max) {
      if (limit) limit.hidden = false;
      return;
    }
    if (limit) limit.hidden = true;
    var template = button.parentElement.querySelector("template");
    list.appendChild(template.content.cloneNode(true));
    syncKind();
    syncPicker(picker);
    var added = list.lastElementChild;
    var start = added && added.querySelector("input[name=anchor_start]");
    if (start && !start.closest("[hidden]")) start.focus();
  }

  function removeProduct(button) {
    var picker = button.closest("[data-picker]");
    button.closest("[data-product-id]").remove();
    var limit = picker.querySelector("[data-picker-limit]");
    if (limit) limit.hidden = true;
    syncPicker(picker);
    var search = picker.querySelector("[data-picker-search]");
    if (search) search.focus();
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest && event.target.closest("[data-add-product]");
    if (add) {
      addProduct(add);
      return;
    }
    var remove = event.target.closest && event.target.closest("[data-remove-product]");
    if (remove) removeProduct(remove);
  });

  // Enter in the search box searches; it must not submit (and upload) the whole form.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches && event.target.matches("[data-picker-search]")) {
      event.preventDefault();
      if (window.htmx) window.htmx.trigger(event.target, "search");
    }
  });

  // --- Video or photos --------------------------------------------------------------------------

  function syncKind() {
    var form = document.querySelector("[data-upload-form]");
    if (!form) return;
    var picked = form.querySelector("input[name=kind]:checked");
    if (!picked) return;
    form.querySelectorAll("[data-for-kind]").forEach(function (element) {
      element.hidden = element.getAttribute("data-for-kind") !== picked.value;
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.name === "kind") syncKind();
  });

  // --- Upload progress --------------------------------------------------------------------------

  function progressOf(form) {
    return form && form.querySelector("[data-upload-progress]");
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var box = progressOf(event.target.closest && event.target.closest("[data-upload-form]"));
    if (!box || event.target.matches("[data-picker-search]")) return;
    box.hidden = false;
    box.dataset.max = "0";
  });

  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("[data-upload-form]")) return;
    var box = progressOf(form);
    var detail = event.detail;
    if (!box || !detail.lengthComputable || !detail.total) return;
    // The answer's download reports progress too; only the upload's share moves the bar.
    var percent = Math.max(Number(box.dataset.max) || 0, Math.round((100 * detail.loaded) / detail.total));
    box.dataset.max = String(percent);
    box.querySelector("progress").value = percent;
    box.querySelector("[data-upload-percent]").textContent =
      percent < 100 ? "Uploading… " + percent + "%" : "Uploaded, checking the file…";
  });

  // --- After a swap (search results, a form sent back with errors) -----------------------------

  function syncAll() {
    syncKind();
    document.querySelectorAll("[data-picker]").forEach(syncPicker);
  }

  document.addEventListener("htmx:afterSettle", syncAll);
  syncAll();
})();
