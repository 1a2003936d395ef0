// 单位选择器: a search box that filters a unit list as you type (name, short name, pinyin-free
// substring). Works on a <select> (single choice: the list stays a select, filtered) and on a
// checkbox list [data-picker-list] (several units: tick them, no Ctrl-click). No dependencies.
(function () {
  function filterOptions(box) {
    const target = document.getElementById(box.dataset.pickerFor);
    if (!target) return;
    const words = box.value.trim().toLowerCase();
    const items = target.tagName === "SELECT" ? target.options : target.querySelectorAll("[data-name]");
    let shown = 0, last = null;
    for (const item of items) {
      const name = (item.dataset.name || item.textContent || "").toLowerCase();
      const keep = !item.value && target.tagName === "SELECT" ? true : !words || name.includes(words);
      item.hidden = !keep;
      if (keep && (item.value || target.tagName !== "SELECT")) { shown += 1; last = item; }
    }
    // One match left in a select: choose it, so Enter submits the form with it.
    if (target.tagName === "SELECT" && shown === 1 && words) target.value = last.value;
    const count = document.querySelector(`[data-picker-count="${box.dataset.pickerFor}"]`);
    if (count) count.textContent = words ? `匹配 ${shown} 个` : "";
  }
  function countChecked(list) {
    const out = document.querySelector(`[data-picker-chosen="${list.id}"]`);
    if (!out) return;
    const names = [...list.querySelectorAll("input:checked")].map(i => i.closest("[data-name]").dataset.name);
    out.textContent = names.length ? `已选 ${names.length} 个：${names.join("、")}` : "未选择";
  }
  document.addEventListener("input", e => { if (e.target.matches("[data-picker-for]")) filterOptions(e.target); });
  document.addEventListener("change", e => {
    const list = e.target.closest("[data-picker-list]");
    if (list) countChecked(list);
  });
  document.querySelectorAll("[data-picker-list]").forEach(countChecked);
})();
