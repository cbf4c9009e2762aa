// Small behaviours for every page; all markup works without it.
document.addEventListener("click", (event) => {
  // Close the user menu when clicking elsewhere.
  document.querySelectorAll("details.usermenu[open]").forEach((menu) => {
    if (!menu.contains(event.target)) menu.removeAttribute("open");
  });
});

// A form sent back with errors: open the section holding the first one, bring it into view and put the
// cursor in its field, so the error is seen where it is, not only at the top of a long page.
document.addEventListener("DOMContentLoaded", () => {
  const error = document.querySelector("form .field.has-error, form .form-errors");
  if (!error) return;
  for (let node = error.parentElement; node; node = node.parentElement) {
    if (node.tagName === "DETAILS") node.open = true;
  }
  error.scrollIntoView({ block: "center" });
  const input = error.querySelector("input:not([type=hidden]), select, textarea");
  if (input) input.focus({ preventScroll: true });
});

// A choice that applies itself (the 报表 quarter): <select data-autosubmit> sends its form when changed.
// Inline handlers (onchange=…) are blocked by the site's Content-Security-Policy, so none are used.
document.addEventListener("change", (event) => {
  const control = event.target.closest("[data-autosubmit]");
  if (control && control.form) control.form.requestSubmit();
});
