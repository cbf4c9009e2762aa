// Small behaviours for every page; all markup works without it.
document.addEventListener("click", (event) => {
  // Close the user menu when clicking elsewhere.
  document.querySelectorAll("details.usermenu[open]").forEach((menu) => {
    if (!menu.contains(event.target)) menu.removeAttribute("open");
  });
});
