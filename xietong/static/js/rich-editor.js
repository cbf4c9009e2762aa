/* A small rich-text editor for notices (issue 23: notices needed hand-typed HTML).
 *
 * <textarea data-rich-editor="body_format"> becomes a toolbar (加粗, 标题, 列表, 编号, 链接) above an editable
 * area; what is written there goes back into the textarea as HTML and the hidden input named by the attribute
 * says "html". Without this script the textarea stays and its text is stored as plain text. The server
 * sanitises the HTML (nh3 allow-list) whatever arrives: this script never trusts itself.
 * No inline handlers (the site's CSP forbids them); works with touch on a phone.
 */
(function () {
  "use strict";

  var ALLOWED = { P: 1, BR: 1, STRONG: 1, B: 1, EM: 1, I: 1, U: 1, UL: 1, OL: 1, LI: 1, H3: 1, H4: 1, A: 1, BLOCKQUOTE: 1 };

  function safeHref(href) {
    href = (href || "").trim();
    if (/^https?:\/\/[^\s\/\\]/i.test(href)) return href;
    if (/^\/(?![\/\\])/.test(href)) return href; // a page of this site
    return null;
  }

  // Copy only allowed elements (and a safe href) from parsed HTML: nothing the editor shows can run.
  function cleanInto(target, source) {
    Array.prototype.forEach.call(source.childNodes, function (node) {
      if (node.nodeType === 3) {
        target.appendChild(document.createTextNode(node.nodeValue));
      } else if (node.nodeType === 1) {
        if (node.tagName === "SCRIPT" || node.tagName === "STYLE") return;
        if (ALLOWED[node.tagName]) {
          var copy = document.createElement(node.tagName.toLowerCase());
          if (node.tagName === "A" && safeHref(node.getAttribute("href"))) {
            copy.setAttribute("href", safeHref(node.getAttribute("href")));
          }
          cleanInto(copy, node);
          target.appendChild(copy);
        } else {
          cleanInto(target, node);
        }
      }
    });
  }

  function textToParagraphs(text) {
    var box = document.createElement("div");
    text.split(/\r?\n\s*\r?\n/).forEach(function (block) {
      if (!block.trim()) return;
      var p = document.createElement("p");
      block.split(/\r?\n/).forEach(function (line, i) {
        if (i) p.appendChild(document.createElement("br"));
        p.appendChild(document.createTextNode(line));
      });
      box.appendChild(p);
    });
    return box;
  }

  function setUp(textarea) {
    var form = textarea.form;
    var format = form && form.querySelector('input[name="' + textarea.getAttribute("data-rich-editor") + '"]');
    if (!format || textarea.dataset.richReady) return;
    textarea.dataset.richReady = "1";

    var wrapper = document.createElement("div");
    wrapper.className = "rich-editor";
    var toolbar = document.createElement("div");
    toolbar.className = "rich-toolbar";
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", "格式");
    var area = document.createElement("div");
    area.className = "rich-area";
    area.id = textarea.id + "_editor";
    area.contentEditable = "true";
    area.setAttribute("role", "textbox");
    area.setAttribute("aria-multiline", "true");
    var label = form.querySelector('label[for="' + textarea.id + '"]');
    if (label) {
      label.id = label.id || textarea.id + "_label";
      area.setAttribute("aria-labelledby", label.id);
      label.addEventListener("click", function () { area.focus(); });
    }
    if (textarea.getAttribute("aria-describedby")) area.setAttribute("aria-describedby", textarea.getAttribute("aria-describedby"));
    if (textarea.getAttribute("aria-invalid")) area.setAttribute("aria-invalid", textarea.getAttribute("aria-invalid"));

    if (format.value === "html") {
      cleanInto(area, new DOMParser().parseFromString(textarea.value, "text/html").body);
    } else {
      cleanInto(area, textToParagraphs(textarea.value));
    }

    // Typing starts inside a paragraph, never as bare text beside the first block.
    if (!area.firstChild) area.innerHTML = "<p><br></p>";

    function sync() {
      textarea.value = area.innerHTML;
      format.value = "html";
    }

    function word(name, fallback) { return textarea.getAttribute("data-label-" + name) || fallback; }

    var buttons = [
      { name: "bold", text: word("bold", "加粗"), run: function () { document.execCommand("bold"); } },
      {
        name: "heading", text: word("heading", "标题"), run: function () {
          var block = document.queryCommandValue("formatBlock").toLowerCase();
          document.execCommand("formatBlock", false, block === "h3" ? "p" : "h3");
        }
      },
      { name: "list", text: word("list", "列表"), run: function () { document.execCommand("insertUnorderedList"); } },
      { name: "numbered", text: word("numbered", "编号"), run: function () { document.execCommand("insertOrderedList"); } },
      {
        name: "link", text: word("link", "链接"), run: function () {
          var selection = window.getSelection();
          var range = selection.rangeCount ? selection.getRangeAt(0).cloneRange() : null;
          var href = window.prompt(word("link-prompt", "链接地址（以 http:// 或 https:// 开头）"), "https://");
          if (href === null) return;
          var safe = safeHref(href);
          if (!safe) {
            window.alert(word("link-refused", "链接须以 http:// 或 https:// 开头，例如 https://example.com/guide"));
            return;
          }
          area.focus();
          if (range) { selection.removeAllRanges(); selection.addRange(range); }
          if (!range || range.collapsed) {
            var link = document.createElement("a");
            link.href = safe;
            link.textContent = safe;
            if (range && area.contains(range.startContainer)) {
              range.insertNode(link);
              range.setStartAfter(link);
              selection.removeAllRanges();
              selection.addRange(range);
            } else {
              area.appendChild(link);
            }
          } else {
            document.execCommand("createLink", false, safe);
          }
        }
      }
    ];
    buttons.forEach(function (spec) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn small rich-" + spec.name;
      button.textContent = spec.text;
      button.setAttribute("data-command", spec.name);
      // Keep the selection in the area: the button must not take the focus on mousedown.
      button.addEventListener("mousedown", function (event) { event.preventDefault(); });
      button.addEventListener("click", function () {
        if (document.activeElement !== area) area.focus();
        spec.run();
        sync();
      });
      toolbar.appendChild(button);
    });

    try { document.execCommand("defaultParagraphSeparator", false, "p"); } catch (e) { /* older engines */ }
    area.addEventListener("input", sync);
    area.addEventListener("blur", sync);
    form.addEventListener("submit", sync);

    wrapper.appendChild(toolbar);
    wrapper.appendChild(area);
    textarea.parentNode.insertBefore(wrapper, textarea);
    textarea.hidden = true;
  }

  function init(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll("textarea[data-rich-editor]"), setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();
