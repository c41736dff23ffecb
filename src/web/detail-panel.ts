// The selected entry in full, beside the list (over it on a phone): every field, the whole message, and
// the entry as JSON to copy.

import type { EntryRow } from "./log-entry.ts";

export class DetailPanel {
  private shown: EntryRow | undefined;

  constructor(
    private readonly panel: HTMLElement,
    private readonly body: HTMLElement,
    private readonly title: HTMLElement,
    copyButton: HTMLButtonElement,
    closeButton: HTMLButtonElement,
    private readonly onClose: () => void,
  ) {
    closeButton.addEventListener("click", () => this.close());
    copyButton.addEventListener("click", () => {
      if (this.shown === undefined) return;
      const text = JSON.stringify(this.shown.entry, null, 2);
      void navigator.clipboard?.writeText(text).then(
        () => flash(copyButton, "Copied"),
        () => flash(copyButton, "Copy failed"),
      );
    });
  }

  get isOpen(): boolean {
    return !this.panel.hidden;
  }

  show(row: EntryRow): void {
    this.shown = row;
    const { entry } = row;
    this.title.textContent = `${entry.level?.toUpperCase() ?? "Entry"} · ${entry.source}`;
    const facts = document.createElement("dl");
    const fact = (name: string, value: string): void => {
      const term = document.createElement("dt");
      term.textContent = name;
      const detail = document.createElement("dd");
      detail.textContent = value;
      facts.append(term, detail);
    };
    fact("time", entry.time);
    fact("level", entry.level ?? "(none)");
    fact("source", entry.source);
    if (row.id !== undefined) fact("id", row.id);
    const parts: Node[] = [facts, heading("message"), pre(entry.message)];
    if (entry.fields !== undefined) parts.push(heading("fields"), pre(JSON.stringify(entry.fields, null, 2)));
    this.body.replaceChildren(...parts);
    this.panel.hidden = false;
  }

  close(): void {
    if (this.panel.hidden) return;
    this.panel.hidden = true;
    this.shown = undefined;
    this.onClose();
  }
}

function heading(text: string): HTMLHeadingElement {
  const element = document.createElement("h3");
  element.textContent = text;
  return element;
}

function pre(text: string): HTMLPreElement {
  const element = document.createElement("pre");
  element.textContent = text;
  return element;
}

function flash(button: HTMLButtonElement, text: string): void {
  const original = button.textContent;
  button.textContent = text;
  setTimeout(() => {
    button.textContent = original;
  }, 1200);
}
