// Collaborations: "Copy link" buttons copy a share link to the clipboard and say so. Without
// JavaScript the link stays in a read-only box to select by hand.
(function () {
  "use strict";

  function selectBox(button) {
    var box = button.parentElement.querySelector(".collab-share-url");
    if (box) {
      box.focus();
      box.select();
    }
  }

  function copied(button) {
    var label = button.textContent;
    button.textContent = "Copied";
    setTimeout(function () {
      button.textContent = label;
    }, 1600);
  }

  function copy(button) {
    var text = button.getAttribute("data-copy");
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () {
          copied(button);
        },
        function () {
          selectBox(button);
        }
      );
    } else {
      selectBox(button);
    }
  }

  function showButtons(root) {
    root.querySelectorAll("[data-copy][hidden]").forEach(function (button) {
      button.hidden = false;
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (button) copy(button);
  });
  document.addEventListener("DOMContentLoaded", function () {
    showButtons(document);
  });
  // Cards added by "Load more" bring their own buttons.
  document.addEventListener("htmx:load", function (event) {
    showButtons(event.detail.elt);
  });
})();
