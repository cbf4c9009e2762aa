// The widgets of a designed process's form. Every one is a plain input the server reads without this file;
// here they become easier to fill: a detail table adding and removing rows with its column sums, totals
// computed as one types (the server computes them again and is the one that counts), money with two
// decimals, and a date range whose end cannot come before its start. People are chosen with the shared
// picker (static/js/people-picker.js). No inline handlers (CSP).
(() => {
  if (window.XietongWidgets) return; // included by the form and by the page around it: once is enough
  window.XietongWidgets = true;
  const money = (value) => {
    const n = Number(String(value).replace(/[,，\s¥]/g, ""));
    return Number.isFinite(n) ? n : 0;
  };
  const show = (n) => n.toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });


  // --- Detail table ----------------------------------------------------------------------------------------
  // <div data-detail-table="f_lines"> <table> <tbody> <tr data-row> … <tfoot> <td data-sum="amount">
  // <template> one empty row with __N__ in its names </template> <button data-add-line>
  const table = (root) => {
    const body = root.querySelector("tbody");
    body.querySelectorAll("tr[data-spare]").forEach((row) => row.remove()); // lines are added on demand here
    const template = root.querySelector("template");
    const prefix = root.dataset.detailTable;
    const sums = () => {
      root.querySelectorAll("[data-sum]").forEach((cell) => {
        const col = cell.dataset.sum;
        let total = 0;
        body.querySelectorAll(`[name$="-${col}"]`).forEach((input) => (total += money(input.value)));
        cell.textContent = show(total);
        cell.dataset.value = total.toFixed(2);
      });
      document.dispatchEvent(new CustomEvent("xietong:recompute"));
    };
    const renumber = () => {
      const rows = body.querySelectorAll("tr[data-row]");
      rows.forEach((row, i) => {
        row.querySelectorAll("[name]").forEach((input) => {
          input.name = input.name.replace(new RegExp(`^${prefix}-\\d+-`), `${prefix}-${i}-`);
        });
        const number = row.querySelector(".line-no");
        if (number) number.textContent = i + 1;
        const remove = row.querySelector("[data-remove-line]");
        if (remove) remove.hidden = rows.length === 1;
      });
    };
    root.addEventListener("click", (event) => {
      if (event.target.closest("[data-add-line]")) {
        event.preventDefault();
        const holder = document.createElement("tbody");
        holder.innerHTML = template.innerHTML.replaceAll("__N__", body.querySelectorAll("tr[data-row]").length);
        const row = holder.firstElementChild;
        body.appendChild(row);
        renumber();
        const first = row.querySelector("input, select");
        if (first) first.focus();
      }
      const remove = event.target.closest("[data-remove-line]");
      if (remove) {
        event.preventDefault();
        remove.closest("tr").remove();
        renumber();
        sums();
      }
    });
    root.addEventListener("input", sums);
    renumber();
    sums();
  };

  // --- Formulas: <input data-formula="sum(lines.amount)" readonly> -------------------------------------------
  const valueOf = (key) => {
    const sum = document.querySelector(`[data-detail-table="f_${key}"]`);
    const input = document.querySelector(`[name="f_${key}"]`);
    return input ? money(input.value) : sum ? 0 : 0;
  };
  const compute = (formula) => {
    const summed = formula.match(/^sum\(\s*([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)\s*\)$/);
    if (summed) {
      const cell = document.querySelector(`[data-detail-table="f_${summed[1]}"] [data-sum="${summed[2]}"]`);
      if (cell) return Number(cell.dataset.value || 0);
      let total = 0;
      document.querySelectorAll(`[name^="f_${summed[1]}-"][name$="-${summed[2]}"]`).forEach((i) => (total += money(i.value)));
      return total;
    }
    const binary = formula.match(/^\s*([a-z0-9_.]+)\s*([-+*])\s*([a-z0-9_.]+)\s*$/);
    if (!binary) return null;
    const operand = (text) => (/^[\d.]+$/.test(text) ? Number(text) : valueOf(text));
    const [a, b] = [operand(binary[1]), operand(binary[3])];
    return binary[2] === "+" ? a + b : binary[2] === "-" ? a - b : a * b;
  };
  const recompute = () => {
    document.querySelectorAll("[data-formula]").forEach((input) => {
      const result = compute(input.dataset.formula);
      if (result === null) return;
      input.value = input.dataset.money !== undefined ? result.toFixed(2) : String(Math.round(result * 1e6) / 1e6);
      const shown = document.getElementById(`${input.id}-shown`);
      if (shown) shown.textContent = input.dataset.money !== undefined ? `¥ ${show(result)}` : input.value;
    });
  };
  document.addEventListener("xietong:recompute", recompute);
  document.addEventListener("input", (event) => {
    if (event.target.closest("form") && !event.target.closest("[data-detail-table]")) recompute();
  });

  // --- Money: two decimals when leaving the field ------------------------------------------------------------
  document.addEventListener("focusout", (event) => {
    const input = event.target;
    if (!input.matches || !input.matches("input[data-money]:not([data-formula])")) return;
    const raw = input.value.replace(/[,，\s¥]/g, "");
    if (raw !== "" && Number.isFinite(Number(raw))) input.value = Number(raw).toFixed(2);
  });

  // --- Date range: the end cannot be before the start; the days are shown --------------------------------------
  const range = (root) => {
    const [start, end] = root.querySelectorAll("input[type=date]");
    const days = root.querySelector("[data-days]");
    const update = () => {
      end.min = start.value || "";
      if (start.value && end.value && end.value < start.value) end.value = start.value;
      if (days) {
        if (start.value && end.value) {
          const dayOf = (text) => Math.round(Date.parse(text) / 86400000);
          let n = dayOf(end.value) - dayOf(start.value) + 1;
          const flags = days.dataset.workdays;
          if (flags !== undefined) {
            // Working days on the person's calendar, as the server counts them; beyond the days it sent, on submit.
            const first = dayOf(start.value) - dayOf(days.dataset.from), last = dayOf(end.value) - dayOf(days.dataset.from);
            n = first >= 0 && last < flags.length ? [...flags.slice(first, last + 1)].filter((f) => f === "1").length : null;
          }
          days.textContent = n === null ? days.dataset.later : (days.dataset.text || "{n}").replace("{n}", n);
        } else days.textContent = "";
      }
    };
    root.addEventListener("change", update);
    update();
  };

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-detail-table]").forEach(table);
    document.querySelectorAll("[data-daterange]").forEach(range);
    recompute();
  });
})();
