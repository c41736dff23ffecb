// The source picker: one, several or all of the sources /status lists (each followed file's `source`),
// as checkboxes in a drop-down. None ticked means all: the list never shows nothing by mistake.

/** The picker's label: "all sources", the one source, or how many. */
export function sourcesSummary(selected: readonly string[]): string {
  if (selected.length === 0) return "all sources";
  if (selected.length === 1) return selected[0] as string;
  return `${selected.length} sources`;
}

/** The sources to offer: those the server follows, and any picked that it does not (or no longer) follow. */
export function sourceChoices(available: readonly string[], selected: readonly string[]): string[] {
  return [...new Set([...available, ...selected])].sort();
}

export class SourcePicker {
  private selected: string[] = [];
  private offered: string[] = [];

  constructor(
    private readonly summary: HTMLElement,
    private readonly all: HTMLInputElement,
    private readonly list: HTMLElement,
    private readonly changed: (selected: readonly string[]) => void,
  ) {
    all.addEventListener("change", () => {
      if (!all.checked && this.selected.length === 0) {
        all.checked = true;
        return;
      }
      this.pick([]);
    });
  }

  get value(): readonly string[] {
    return this.selected;
  }

  /** Sets the picked sources without telling (the page's address at start). */
  set(selected: readonly string[]): void {
    this.selected = [...selected].sort();
    this.show(this.offered);
  }

  /** The sources /status lists now; the list is rebuilt only when they changed. */
  setAvailable(available: readonly string[]): void {
    const choices = sourceChoices(available, this.selected);
    if (choices.length === this.offered.length && choices.every((name, i) => name === this.offered[i]))
      return;
    this.show(choices);
  }

  private pick(selected: readonly string[]): void {
    this.selected = [...selected].sort();
    this.show(this.offered);
    this.changed(this.selected);
  }

  private show(choices: readonly string[]): void {
    this.offered = sourceChoices(choices, this.selected);
    const picked = new Set(this.selected);
    this.all.checked = picked.size === 0;
    this.summary.textContent = sourcesSummary(this.selected);
    this.list.replaceChildren(
      ...this.offered.map((name) => {
        const label = document.createElement("label");
        const box = document.createElement("input");
        box.type = "checkbox";
        box.value = name;
        box.checked = picked.has(name);
        box.addEventListener("change", () => {
          const next = new Set(this.selected);
          if (box.checked) next.add(name);
          else next.delete(name);
          this.pick([...next]);
        });
        label.append(box, name);
        return label;
      }),
    );
  }
}
