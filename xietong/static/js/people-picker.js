// People pickers: a <select data-picker="people"> (one person or several) becomes a search box. Type a name,
// its pinyin or initials ("wq" finds 王强) or a department; choose from the matches with a tap, the arrow keys
// or Enter. The select stays in the form and holds the choice, so the page works without this file.
// With data-search-url the select carries only who is chosen: what is typed is also asked of the server
// (org/people_search.py), and the people it finds join the select's options (their id, or their username
// with data-search-value="username").
(() => {
  const MAX_SHOWN = 8;
  const WAIT_MS = 150;

  function matches(option, words) {
    const text = `${option.dataset.search || ""} ${option.text}`.toLowerCase();
    return words.every((word) => text.includes(word));
  }

  function build(select) {
    if (select.dataset.pickerReady) return;
    select.dataset.pickerReady = "1";
    const multiple = select.multiple;
    const box = document.createElement("div");
    box.className = "picker";
    const chips = document.createElement("ul");
    chips.className = "picker-chips";
    const input = document.createElement("input");
    input.type = "search";
    input.className = "picker-search";
    input.autocomplete = "off";
    input.placeholder = select.dataset.placeholder || "";
    input.setAttribute("aria-label", select.labels && select.labels[0] ? select.labels[0].innerText : select.getAttribute("aria-label") || input.placeholder);
    const list = document.createElement("ul");
    list.className = "picker-options";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    box.append(chips, input, list);
    select.after(box);
    select.classList.add("picker-source");
    select.tabIndex = -1;
    select.setAttribute("aria-hidden", "true");
    let active = 0;
    const url = select.dataset.searchUrl;
    const key = select.dataset.searchValue || "id";
    let timer = null;
    let pending = false;

    function learn(people) {
      const known = new Set(Array.from(select.options).map((o) => o.value));
      for (const person of people) {
        const value = String(person[key]);
        if (known.has(value)) continue;
        const option = new Option(person.label || person.name, value);
        option.dataset.search = person.search || "";
        select.append(option);
        known.add(value);
      }
    }

    function ask() {
      clearTimeout(timer);
      const q = input.value.trim();
      if (!url || !q) return;
      pending = true;
      timer = setTimeout(() => {
        fetch(`${url}${url.includes("?") ? "&" : "?"}q=${encodeURIComponent(q)}`, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then((response) => (response.ok ? response.json() : { people: [] }))
          .then((data) => {
            pending = false;
            learn(data.people || []);
            if (input.value.trim() === q && document.activeElement === input) renderList();
          })
          .catch(() => {
            pending = false;
          });
      }, WAIT_MS);
    }

    function chosen() {
      return Array.from(select.options).filter((o) => o.selected && o.value);
    }

    function renderChips() {
      chips.replaceChildren();
      for (const option of chosen()) {
        const chip = document.createElement("li");
        chip.className = "picker-chip";
        chip.dataset.value = option.value;
        const label = document.createElement("span");
        label.textContent = option.text + (option.dataset.note ? ` · ${option.dataset.note}` : "");
        chip.append(label);
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "picker-remove";
        remove.setAttribute("aria-label", `${select.dataset.remove || "×"} ${option.text}`);
        remove.textContent = "×";
        remove.addEventListener("click", () => {
          option.selected = false;
          if (!multiple) select.value = "";
          renderChips();
          select.dispatchEvent(new Event("change", { bubbles: true }));
        });
        chip.append(remove);
        chips.append(chip);
      }
    }

    function choose(option) {
      if (multiple) option.selected = true;
      else select.value = option.value;
      input.value = "";
      list.hidden = true;
      renderChips();
      select.dispatchEvent(new Event("change", { bubbles: true }));
      input.focus();
    }

    function renderList() {
      const words = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      const found = Array.from(select.options).filter(
        (o) => o.value && !(multiple && o.selected) && (words.length === 0 || matches(o, words)),
      );
      list.replaceChildren();
      if (url && words.length === 0) {
        list.hidden = true; // the server holds the people: nothing to offer before something is typed
        return found;
      }
      active = Math.min(active, Math.max(found.length - 1, 0));
      found.slice(0, MAX_SHOWN).forEach((option, index) => {
        const item = document.createElement("li");
        item.setAttribute("role", "option");
        item.className = "picker-option" + (index === active ? " active" : "");
        item.dataset.value = option.value;
        item.textContent = option.text;
        if (option.dataset.note) {
          const note = document.createElement("small");
          note.textContent = option.dataset.note;
          item.append(" ", note);
        }
        // mousedown, not click: the search box keeps its focus and the list does not close first
        item.addEventListener("mousedown", (event) => {
          event.preventDefault();
          choose(option);
        });
        list.append(item);
      });
      if (found.length === 0) {
        const none = document.createElement("li");
        none.className = "picker-none";
        none.textContent = pending ? "…" : select.dataset.none || "—";
        list.append(none);
      } else if (found.length > MAX_SHOWN) {
        const more = document.createElement("li");
        more.className = "picker-none";
        more.textContent = (select.dataset.more || "+{n}").replace("{n}", found.length - MAX_SHOWN);
        list.append(more);
      }
      list.hidden = false;
      return found;
    }

    input.addEventListener("input", () => {
      active = 0;
      ask();
      renderList();
    });
    input.addEventListener("focus", renderList);
    input.addEventListener("blur", () => {
      list.hidden = true;
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        active = Math.max(0, active + (event.key === "ArrowDown" ? 1 : -1));
        renderList();
      } else if (event.key === "Enter") {
        event.preventDefault(); // choosing a person never sends the form
        const found = renderList();
        if (found[active]) choose(found[active]);
      } else if (event.key === "Escape") {
        list.hidden = true;
      } else if (event.key === "Backspace" && !input.value && multiple) {
        const last = chosen().pop();
        if (last) {
          last.selected = false;
          renderChips();
        }
      }
    });
    renderChips();
  }

  function enhance(root) {
    root.querySelectorAll('select[data-picker="people"]').forEach(build);
  }

  window.XietongPeoplePicker = enhance; // rows added on the page (the designer's steps) call it
  document.addEventListener("DOMContentLoaded", () => enhance(document));
  document.addEventListener("htmx:load", (event) => enhance(event.target));
})();
