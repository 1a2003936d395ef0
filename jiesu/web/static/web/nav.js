// The top bar's 菜单 button on a phone: opens and closes the menu (aria-expanded tells screen readers),
// Esc closes it and gives the focus back to the button. The desk layout never shows the button.
// Without this script the button stays hidden and the menu stays open (wrapped), so nothing is lost.
(function () {
  const button = document.getElementById("menu-toggle");
  const bar = button && button.closest(".topbar");
  if (!bar) return;
  bar.classList.add("has-menu");
  button.hidden = false;
  function show(open) {
    bar.classList.toggle("menu-open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }
  button.addEventListener("click", () => show(button.getAttribute("aria-expanded") !== "true"));
  bar.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && bar.classList.contains("menu-open")) {
      show(false);
      button.focus();
    }
  });
})();
