// Clipcart's few behaviours that htmx does not cover. Every page works without them.
(function () {
  "use strict";

  // Picking a variant shows its price at the top and caps the quantity at its stock.
  document.addEventListener("change", function (event) {
    var radio = event.target;
    if (!radio.matches || !radio.matches(".add-form input[name=variant_id]")) return;
    var price = radio.closest(".variant").querySelector(".variant-price");
    var target = document.getElementById("product-price");
    if (price && target) target.innerHTML = price.innerHTML;
    var quantity = radio.form.querySelector("input[name=quantity]");
    if (quantity) quantity.max = Math.min(99, Number(radio.dataset.max) || 99);
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-confirm") && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
      return;
    }
    // Placing an order: one click is enough. (The server's idempotency key makes a second
    // submit harmless anyway; this only saves the shopper a confusing second wait.)
    if (form.hasAttribute("data-submit-once")) {
      if (form.dataset.submitted) {
        event.preventDefault();
        return;
      }
      form.dataset.submitted = "1";
      var button = form.querySelector("button[type=submit]");
      if (button) {
        button.setAttribute("aria-busy", "true");
        button.textContent = "Placing your order…";
      }
    }
  });

  // Parts of a form that only matter for one choice ("Link to the other store" for external
  // products) are shown only while that choice is picked.
  function syncShownWhen() {
    document.querySelectorAll("[data-shown-when]").forEach(function (element) {
      var rule = element.getAttribute("data-shown-when").split("=");
      var picked = document.querySelector("input[name='" + rule[0] + "']:checked");
      element.hidden = !picked || picked.value !== rule[1];
    });
  }
  document.addEventListener("change", syncShownWhen);
  syncShownWhen();

  // The account menu closes when you click elsewhere or press Escape.
  function closeMenus(except) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (menu !== except) menu.removeAttribute("open");
    });
  }
  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest && event.target.closest("details.menu"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeMenus(null);
  });
})();
