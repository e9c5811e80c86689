// Tenantry's only script besides htmx: opens and closes <dialog> elements.
// Buttons carry data-dialog-open="<dialog id>" or data-dialog-close.
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
