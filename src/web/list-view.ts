// The virtualised list: one spacer as tall as every row together, and only the rows on screen (plus a
// few) in the DOM, moved into place with transforms. Rows have one fixed height; details open beside.

import type { Highlight } from "./filter.ts";
import { formatTime, rowText } from "./format.ts";
import type { Row } from "./log-entry.ts";

export const ROW_HEIGHT_PX = 24;
/** Rows rendered above and below the visible ones, so a fast scroll shows no blank band. */
const OVERSCAN_ROWS = 10;

export interface ListModel {
  readonly length: number;
  at(index: number): Row | undefined;
  indexOf(row: Row): number;
  highlight(text: string): Highlight[];
}

interface RowElement {
  readonly element: HTMLDivElement;
  row: Row | undefined;
  index: number;
  version: number;
}

export class VirtualList {
  private readonly pool: RowElement[] = [];
  private following = true;
  /** Where the page itself last scrolled to: a scroll event elsewhere is the user's. */
  private expectedScrollTop = -1;
  private renderQueued = false;
  /** Set once a row from another day is shown: the time column then makes room for the date. */
  private datedTimes = false;
  /** Bumped when what a row shows changes for every row (a new filter's highlights, a clear). */
  private version = 0;
  selected: Row | undefined;

  constructor(
    private readonly scroller: HTMLElement,
    private readonly spacer: HTMLElement,
    private readonly model: ListModel,
    private readonly events: {
      followChanged(following: boolean): void;
      open(row: Row): void;
    },
  ) {
    scroller.style.setProperty("--row-height", `${ROW_HEIGHT_PX}px`);
    scroller.addEventListener("scroll", () => this.scrolled(), { passive: true });
    scroller.addEventListener("click", (event) => this.clicked(event));
    new ResizeObserver(() => this.queueRender()).observe(scroller);
  }

  get isFollowing(): boolean {
    return this.following;
  }

  /**
   * After rows were added or dropped: `unshown` rows left the top (the oldest were dropped). `now`: the rows
   * are put in place before this returns (a few rows), else at the next frame (a burst).
   */
  update(unshown = 0, now = false): void {
    this.spacer.style.height = `${this.model.length * ROW_HEIGHT_PX}px`;
    this.scroller.setAttribute("aria-rowcount", String(this.model.length));
    if (this.following) this.scrollToEnd();
    else if (unshown > 0) this.scrollTo(this.scroller.scrollTop - unshown * ROW_HEIGHT_PX);
    if (now) this.render();
    else this.queueRender();
  }

  /** After the filter or the whole content changed. */
  refresh(): void {
    this.version++;
    this.update();
  }

  setFollowing(following: boolean): void {
    if (following === this.following) return;
    this.following = following;
    if (following) this.scrollToEnd();
    this.events.followChanged(following);
  }

  select(row: Row | undefined, reveal = true): void {
    this.selected = row;
    if (row !== undefined && reveal) {
      const index = this.model.indexOf(row);
      if (index >= 0) this.reveal(index);
    }
    this.queueRender();
  }

  /** Scrolls just enough to show row `index`; following stops unless it is the newest. */
  reveal(index: number): void {
    const top = index * ROW_HEIGHT_PX;
    const view = this.scroller.clientHeight;
    if (top < this.scroller.scrollTop) this.scrollTo(top);
    else if (top + ROW_HEIGHT_PX > this.scroller.scrollTop + view) this.scrollTo(top + ROW_HEIGHT_PX - view);
    this.setFollowing(index === this.model.length - 1);
  }

  scrollToStart(): void {
    this.setFollowing(false);
    this.scrollTo(0);
  }

  private scrollToEnd(): void {
    this.scrollTo(this.scroller.scrollHeight);
  }

  private scrollTo(top: number): void {
    this.scroller.scrollTop = top;
    // the browser clamps: remember where it really went
    this.expectedScrollTop = this.scroller.scrollTop;
    this.queueRender();
  }

  private scrolled(): void {
    const top = this.scroller.scrollTop;
    if (Math.abs(top - this.expectedScrollTop) > 1) {
      this.expectedScrollTop = -1;
      const atEnd = top + this.scroller.clientHeight >= this.scroller.scrollHeight - ROW_HEIGHT_PX / 2;
      // scrolling up stops following; coming back to the end starts it again
      if (atEnd !== this.following) {
        this.following = atEnd;
        this.events.followChanged(atEnd);
      }
    }
    this.queueRender();
  }

  private clicked(event: MouseEvent): void {
    const target = (event.target as Element | null)?.closest<HTMLElement>(".row");
    const slot = this.pool.find((each) => each.element === target);
    if (slot?.row === undefined || slot.row.kind === "marker") return;
    this.selected = slot.row;
    this.setFollowing(false);
    this.events.open(slot.row);
    this.queueRender();
  }

  private queueRender(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      this.render();
    });
  }

  /** Puts the visible rows in place; a row whose content did not change is only moved. */
  render(): void {
    const length = this.model.length;
    const first = Math.max(0, Math.floor(this.scroller.scrollTop / ROW_HEIGHT_PX) - OVERSCAN_ROWS);
    const visible = Math.ceil(this.scroller.clientHeight / ROW_HEIGHT_PX) + 2 * OVERSCAN_ROWS;
    const count = Math.max(0, Math.min(visible, length - first));
    while (this.pool.length < count) this.pool.push(this.createRow());
    const size = this.pool.length;
    let active = "";
    for (let slot = 0; slot < size; slot++) {
      const rowElement = this.pool[slot] as RowElement;
      // row `index` lives in element `index % size`: a row keeps its element while it is in range, so a new
      // row at the end fills one element and the others only move
      const index = first + ((slot - (first % size) + size) % size);
      if (index >= first + count) {
        rowElement.element.hidden = true;
        rowElement.row = undefined;
        continue;
      }
      const row = this.model.at(index);
      rowElement.element.hidden = false;
      if (rowElement.index !== index) {
        rowElement.index = index;
        rowElement.element.style.transform = `translateY(${index * ROW_HEIGHT_PX}px)`;
        rowElement.element.setAttribute("aria-rowindex", String(index + 1));
      }
      if (row !== rowElement.row || rowElement.version !== this.version) {
        rowElement.row = row;
        rowElement.version = this.version;
        if (row !== undefined) this.fill(rowElement.element, row);
      }
      const selected = row !== undefined && row === this.selected;
      rowElement.element.setAttribute("aria-selected", String(selected));
      if (selected) active = rowElement.element.id;
    }
    if (active === "") this.scroller.removeAttribute("aria-activedescendant");
    else this.scroller.setAttribute("aria-activedescendant", active);
  }

  private createRow(): RowElement {
    const element = document.createElement("div");
    element.className = "row";
    element.setAttribute("role", "row");
    element.id = `row-${this.pool.length}`;
    this.spacer.append(element);
    return { element, row: undefined, index: -1, version: -1 };
  }

  private fill(element: HTMLDivElement, row: Row): void {
    element.dataset.kind = row.kind;
    if (row.kind === "marker") {
      delete element.dataset.level;
      element.dataset.tone = row.tone;
      element.replaceChildren(cell("m", `— ${row.text} —`));
      element.title = row.time;
      return;
    }
    const { entry } = row;
    if (entry.level === undefined) delete element.dataset.level;
    else element.dataset.level = entry.level;
    delete element.dataset.tone;
    element.title = "";
    const message = cell("m", "");
    const text = rowText(entry.message);
    appendHighlighted(message, text, this.model.highlight(text));
    const fieldCount = entry.fields === undefined ? 0 : Object.keys(entry.fields).length;
    const chip = document.createElement("span");
    if (fieldCount > 0) {
      chip.className = "chip";
      chip.textContent = `{${fieldCount}}`;
      chip.title = `${fieldCount} field${fieldCount === 1 ? "" : "s"}: click or Enter to show`;
    }
    chip.setAttribute("role", "gridcell");
    const time = timeCell(formatTime(entry.time));
    time.title = entry.time;
    if (!this.datedTimes && time.firstElementChild?.className === "day") {
      this.datedTimes = true;
      this.scroller.parentElement?.style.setProperty("--time-column", "18.5ch");
    }
    element.replaceChildren(time, cell("l", entry.level ?? ""), cell("s", entry.source), message, chip);
  }
}

function cell(className: string, text: string): HTMLSpanElement {
  const span = document.createElement("span");
  span.className = className;
  span.setAttribute("role", "gridcell");
  span.textContent = text;
  return span;
}

/** `[MM-DD ]HH:MM:SS.mmm`, the date and the milliseconds in spans of their own (a phone hides them). */
function timeCell(text: string): HTMLSpanElement {
  const span = cell("t", "");
  const match = /^(\d\d-\d\d )?(\d\d:\d\d:\d\d)(\.\d+)$/.exec(text);
  if (match === null) {
    span.textContent = text;
    return span;
  }
  const [, day, clock = "", fraction = ""] = match;
  if (day !== undefined) {
    const daySpan = document.createElement("span");
    daySpan.className = "day";
    daySpan.textContent = day;
    span.append(daySpan);
  }
  const ms = document.createElement("span");
  ms.className = "ms";
  ms.textContent = fraction;
  span.append(clock, ms);
  return span;
}

function appendHighlighted(parent: HTMLElement, text: string, ranges: readonly Highlight[]): void {
  let at = 0;
  for (const [start, end] of ranges) {
    if (start < at || start >= text.length) continue;
    if (start > at) parent.append(text.slice(at, start));
    const mark = document.createElement("mark");
    mark.textContent = text.slice(start, end);
    parent.append(mark);
    at = end;
  }
  if (at < text.length) parent.append(text.slice(at));
}
