// 流程设计器: the editor is one plain form that works without this file (adding, removing and moving rows
// are submit buttons the server answers). Here the same buttons act at once in the page, options show only
// for the type chosen, and the condition's field list follows the form's fields. No inline handlers (CSP).
(() => {
  const form = document.getElementById("designer-form");
  if (!form) return;
  let counter = Date.now() % 100000;

  // Show what concerns the chosen type only: <… data-for="choice multichoice"> inside a row.
  const applyType = (row) => {
    const select = row.querySelector(":scope > .d-grid [data-type-select], :scope > label > [data-type-select]");
    if (!select) return;
    row.dataset.type = select.value;
    row.querySelectorAll("[data-for]").forEach((node) => {
      if (node.closest(".d-row, .d-column") !== row && !(node.classList.contains("d-columns") && node.parentElement === row)) return;
      node.hidden = !node.dataset.for.split(" ").includes(select.value);
    });
  };
  const applyApprover = (row) => {
    const select = row.querySelector("[data-approver-select]");
    if (!select) return;
    row.dataset.approver = select.value;
    row.querySelectorAll("[data-when-approver]").forEach((node) => {
      node.hidden = node.dataset.whenApprover !== select.value;
    });
  };
  // The hint under 编号前缀 follows the prefix as it is typed: 事项编号如 QJ-2026-0001, or what to enter.
  const applyPrefix = () => {
    const input = document.getElementById("d-prefix");
    const hint = document.getElementById("d-prefix-hint");
    if (!input || !hint) return;
    const prefix = input.value.trim();
    hint.textContent = /^[A-Z]{1,6}$/.test(prefix) ? hint.dataset.example.replace("{prefix}", prefix) : hint.dataset.enter;
  };
  const applyStarters = () => {
    const everyone = document.getElementById("d-everyone");
    const lists = form.querySelector(".starter-lists");
    if (everyone && lists) lists.hidden = everyone.checked;
  };

  // Keys the condition and the person-field inputs may name.
  const refreshKeys = () => {
    const keys = [];
    const people = [];
    const dates = [];
    form.querySelectorAll("[data-rows=f] > .d-row").forEach((row) => {
      const key = row.querySelector("[data-key]").value.trim();
      const label = row.querySelector("[data-label]").value.trim();
      if (!key) return;
      keys.push([key, label]);
      if (["person", "people"].includes(row.dataset.type)) people.push([key, label]);
      if (["date", "datetime"].includes(row.dataset.type)) dates.push([key, label]);
    });
    // 起算: 收到任务时, or before one of the form's date fields as they stand now; a field no longer one stays
    // chosen as it was, for the server to say why.
    form.querySelectorAll("select[data-before-field]").forEach((select) => {
      const chosen = select.value;
      const kept = [...select.options].filter((o) => o.value && o.value === chosen && !dates.some(([k]) => k === chosen));
      const listed = dates.map(([key, label]) => {
        const option = document.createElement("option");
        option.value = key;
        option.textContent = select.dataset.beforeWord.replace("{label}", label || key);
        return option;
      });
      select.replaceChildren(select.options[0], ...listed, ...kept);
      select.value = chosen;
    });
    for (const [id, list] of [["field-keys", keys], ["person-field-keys", people]]) {
      let datalist = document.getElementById(id);
      if (!datalist) {
        datalist = document.createElement("datalist");
        datalist.id = id;
        form.appendChild(datalist);
      }
      datalist.replaceChildren(
        ...list.map(([key, label]) => {
          const option = document.createElement("option");
          option.value = key;
          option.label = label;
          return option;
        }),
      );
    }
  };

  const enhance = (root) => {
    root.querySelectorAll(".d-row, .d-column").forEach((row) => {
      applyType(row);
      applyApprover(row);
    });
    if (root.matches && root.matches(".d-row, .d-column")) {
      applyType(root);
      applyApprover(root);
    }
    if (window.XietongPeoplePicker) window.XietongPeoplePicker(root);
  };

  const fresh = (kind, parentRow) => {
    const template = document.getElementById(`row-template-${kind}`);
    counter += 1;
    let html = template.innerHTML;
    if (kind === "c") html = html.replaceAll("__N__", parentRow).replaceAll("__M__", `${counter}`);
    else html = html.replaceAll("__N__", `${counter}`);
    const holder = document.createElement("div");
    holder.innerHTML = html.trim();
    const row = holder.firstElementChild;
    const key = row.querySelector("[data-key]");
    if (key && !key.value) key.value = { f: "field", s: "step", c: "col" }[kind] + (form.querySelectorAll(`[data-rows=${kind}] > *`).length + 1);
    return row;
  };

  form.addEventListener("click", (event) => {
    const add = event.target.closest("[data-add-row]");
    if (add) {
      event.preventDefault();
      const kind = add.dataset.addRow;
      const rows = kind === "c" ? add.parentElement.querySelector("[data-rows=c]") : form.querySelector(`[data-rows=${kind}]`);
      const row = fresh(kind, rows.dataset.parent);
      rows.appendChild(row);
      enhance(row);
      refreshKeys();
      const first = row.querySelector("input[type=text]");
      if (first) first.focus();
      return;
    }
    const remove = event.target.closest("[data-remove-row]");
    if (remove) {
      event.preventDefault();
      remove.closest(".d-column, .d-row").remove();
      refreshKeys();
      return;
    }
    const move = event.target.closest("[data-move]");
    if (move) {
      event.preventDefault();
      const row = move.closest(".d-row");
      if (move.dataset.move === "up" && row.previousElementSibling) row.parentElement.insertBefore(row, row.previousElementSibling);
      if (move.dataset.move === "down" && row.nextElementSibling) row.parentElement.insertBefore(row.nextElementSibling, row);
      move.focus();
    }
  });

  form.addEventListener("change", (event) => {
    const row = event.target.closest(".d-column, .d-row");
    if (event.target.matches("[data-type-select]") && row) {
      applyType(row);
      refreshKeys();
    }
    if (event.target.matches("[data-approver-select]") && row) applyApprover(row);
    if (event.target.id === "d-everyone") applyStarters();
  });
  form.addEventListener("input", (event) => {
    if (event.target.matches("[data-key], [data-label]")) refreshKeys();
    if (event.target.id === "d-prefix") applyPrefix();
  });

  document.addEventListener("DOMContentLoaded", () => {
    enhance(form);
    applyStarters();
    refreshKeys();
    // A refused publish: bring the first row with a reason into view.
    const first = form.querySelector(".d-row.has-error, .field.has-error");
    if (first) first.scrollIntoView({ block: "center" });
  });
})();
