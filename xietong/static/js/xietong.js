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
  // A refused step (the action card) counts too: its form holds what was typed and says why at its box.
  let error = document.querySelector(
    "form .field.has-error, form .form-errors, form .action-field.has-error, form.action-form.has-error",
  );
  if (!error) return;
  // The refused form comes first in the page (it holds its inputs): when the refusal stands at one of them (a
  // 退回's reason, not its 退回到 above it), that input gets the cursor.
  if (error.matches("form.action-form")) error = error.querySelector(".action-field.has-error") || error;
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

// On a phone a list table reads as cards, one per row (the CSS below 720 px): each cell is labelled with
// its column's heading, copied here from the table's own <th> (pages render tables once; htmx swaps in
// new rows, which are labelled when they arrive). Tables of inputs (forms, detail tables) keep their own layout.
function labelTableCells(root) {
  root.querySelectorAll("table.table:not(.action-rows)").forEach((table) => {
    if (table.querySelector("tbody input:not([type=hidden]), tbody select, tbody textarea")) return;
    const headings = Array.from(table.querySelectorAll("thead th")).map((th) => th.textContent.trim());
    if (!headings.length) return;
    table.classList.add("cards-on-phone");
    table.querySelectorAll("tbody tr").forEach((row) => {
      Array.from(row.children).forEach((cell, i) => {
        if (!cell.hasAttribute("data-label") && headings[i]) cell.setAttribute("data-label", headings[i]);
      });
    });
  });
}
document.addEventListener("DOMContentLoaded", () => labelTableCells(document));
document.addEventListener("htmx:afterSettle", () => labelTableCells(document));

// A file over the upload limit is refused before a byte is sent (<input type=file data-max-bytes>): the
// error shows at the file field and everything typed in the form stays. The server refuses it too, from
// the Content-Length, should this script not run.
document.addEventListener(
  "submit",
  (event) => {
    const form = event.target;
    for (const input of form.querySelectorAll("input[type=file][data-max-bytes]")) {
      const limit = Number(input.dataset.maxBytes);
      const file = Array.from(input.files || []).find((f) => f.size > limit);
      const error = document.getElementById(`${input.id}-error`);
      if (!file) {
        if (error) error.hidden = true;
        continue;
      }
      event.preventDefault();
      event.stopImmediatePropagation();
      if (error) {
        error.textContent = input.dataset.tooLarge.replace("{size}", (file.size / 1048576).toFixed(1));
        error.hidden = false;
      }
      input.focus();
      return;
    }
  },
  true,
);
