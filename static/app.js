// Tenantry's only script besides htmx (no inline script anywhere: strict CSP).
// 1. Opens and closes <dialog> elements: data-dialog-open="<id>", data-dialog-close.
// 2. Draws tag chips and swatches in their colour (data-colour / data-swatch),
//    through the DOM style API, which the CSP allows, and recolours every chip
//    of a tag when the server announces a new colour (HX-Trigger "tagColour").
document.addEventListener("click", function (event) {
  var opener = event.target.closest("[data-dialog-open]");
  if (opener) {
    var dialog = document.getElementById(opener.getAttribute("data-dialog-open"));
    if (dialog && !dialog.open) { dialog.showModal(); }
    event.preventDefault();
    return;
  }
  var closer = event.target.closest("[data-dialog-close]");
  if (closer) {
    var d = closer.closest("dialog");
    if (d) { d.close(); }
    event.preventDefault();
  }
});

function paintTags(root) {
  root.querySelectorAll("[data-colour]").forEach(function (el) {
    el.style.borderColor = el.getAttribute("data-colour");
  });
  root.querySelectorAll("[data-swatch]").forEach(function (el) {
    el.style.backgroundColor = el.getAttribute("data-swatch");
  });
}

document.addEventListener("DOMContentLoaded", function () { paintTags(document); });
document.addEventListener("htmx:load", function (event) { paintTags(event.target); });
document.addEventListener("tagColour", function (event) {
  var detail = event.detail || {};
  document.querySelectorAll('[data-tag="' + String(detail.id) + '"]').forEach(function (el) {
    el.setAttribute("data-colour", detail.colour);
    el.style.borderColor = detail.colour;
  });
});
