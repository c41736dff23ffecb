// The live view's script (built into dist/web/app.js by `npm run build:web`): wires the stream, the rows
// the page holds, the list, the filters and the controls. It runs in the page's <head>, so the theme is
// set before anything is painted; the rest starts once the document is parsed.

import { LEVELS } from "../core/wire/contract.ts";
import { DetailPanel } from "./detail-panel.ts";
import { downloadName, ndjson, saveFile } from "./download.ts";
import { EntryStore } from "./entry-store.ts";
import { compileFilter, type Filter, type FilterSpec, NO_FILTER } from "./filter.ts";
import { formatCount } from "./format.ts";
import { VirtualList } from "./list-view.ts";
import { type ConnectionState, LiveStream } from "./live-stream.ts";
import { isLevel, markerRow, type Row } from "./log-entry.ts";
import { fetchStatus, fetchStream } from "./requests.ts";
import {
  DropTally,
  StatusPoller,
  type StatusResult,
  type StatusSummary,
  summarizeStatus,
} from "./server-status.ts";
import { type Action, actionFor, keyLabel, keyTargetOf, SHORTCUTS } from "./shortcuts.ts";
import { SourcePicker } from "./source-picker.ts";
import { StatusBar } from "./status-bar.ts";
import { ThemeSwitch } from "./theme.ts";
import { TokenKeeper, takeTokenFromUrl } from "./token.ts";

/** The most rows the page holds; older ones are dropped (and counted) so memory stays bounded. */
const MAX_ROWS = 100_000;
/** How long typing in the filter waits before the server is asked for the new filter. */
const FILTER_TO_SERVER_MS = 300;
/**
 * Rows shown as soon as they are read, per IMMEDIATE_WINDOW_MS; beyond that, rows wait for the next frame
 * and go in together. A line at a time (100 lines/s) then reaches the list at once instead of a frame or
 * two later, and a burst still costs one update per frame.
 */
const IMMEDIATE_ROWS = 20;
const IMMEDIATE_WINDOW_MS = 100;
/** The histories the page offers (its "since" menu), as /stream's `since` reads them. */
const SINCE_CHOICES: ReadonlySet<string> = new Set(["5m", "15m", "60m"]);

const themes = new ThemeSwitch((theme) => {
  const button = document.getElementById("theme");
  if (button) button.title = `Switch to the ${theme === "dark" ? "light" : "dark"} theme (t)`;
});

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page has no #${id}`);
  return found as T;
}

function schedule(run: () => void, ms: number): () => void {
  const timer = window.setTimeout(run, ms);
  return () => window.clearTimeout(timer);
}

class LiveView {
  private readonly query = element<HTMLInputElement>("q");
  private readonly queryError = element<HTMLElement>("q-error");
  private readonly level = element<HTMLSelectElement>("level");
  private readonly since = element<HTMLSelectElement>("since");
  private readonly sources = new SourcePicker(
    element("sources-summary"),
    element<HTMLInputElement>("source-all"),
    element("source-list"),
    () => this.filterChanged(),
  );
  private readonly pauseButton = element<HTMLButtonElement>("pause");
  private readonly followButton = element<HTMLButtonElement>("follow");
  private readonly scroller = element<HTMLElement>("log");
  private readonly server = element<HTMLElement>("server");
  private readonly statusBar = new StatusBar({
    connection: element("conn"),
    counts: element("counts"),
    paused: element("paused-count"),
    drops: element("drops"),
    newest: element("newest"),
    empty: element("empty"),
  });
  private readonly help = element<HTMLDialogElement>("help");
  private readonly tokenDialog = element<HTMLDialogElement>("token-dialog");

  private filter: Filter = (compileFilter(NO_FILTER) as { ok: true; filter: Filter }).filter;
  private readonly store = new EntryStore(MAX_ROWS, this.filter);
  private readonly tokens = new TokenKeeper(sessionStorageOrUndefined());
  private readonly list: VirtualList;
  private readonly detail: DetailPanel;
  private readonly stream: LiveStream;
  private readonly poller: StatusPoller;
  private readonly dropTally = new DropTally();

  /** Rows received since the last frame, added to the list in one go. */
  private incoming: Row[] = [];
  private flushQueued = false;
  private immediateRows = 0;
  private immediateWindowStart = 0;
  private paused = false;
  private held: Row[] = [];
  private heldDropped = 0;
  private newWhileBack = 0;
  private clientId: string | undefined;
  private serverSummary: StatusSummary | undefined;
  private cancelFilterSend: (() => void) | undefined;

  constructor() {
    const fromUrl = takeTokenFromUrl(location.href);
    if (fromUrl.token !== undefined) {
      this.tokens.set(fromUrl.token);
      history.replaceState(history.state, "", fromUrl.cleanHref);
    }
    const store = this.store;
    this.list = new VirtualList(
      this.scroller,
      element("spacer"),
      {
        get length() {
          return store.viewLength;
        },
        at: (index) => store.viewAt(index),
        indexOf: (row) => store.viewIndexOf(row),
        highlight: (text) => this.filter.highlight(text),
      },
      {
        followChanged: (following) => this.followChanged(following),
        open: (row) => {
          if (row.kind === "entry") this.detail.show(row);
        },
      },
    );
    this.detail = new DetailPanel(
      element("detail"),
      element("detail-body"),
      element("detail-title"),
      element("copy"),
      element("close-detail"),
      () => this.scroller.focus(),
    );
    const initial = this.filterFromUrl();
    const since = this.sinceFromUrl();
    this.stream = new LiveStream(
      {
        fetchStream,
        schedule,
      },
      {
        entry: (row) => this.receive(row),
        marker: (text, tone) => this.receive(markerRow(text, tone)),
        connected: (clientId) => {
          this.clientId = clientId;
          this.poller.now();
        },
        state: (state) => this.showState(state),
        chunkRead: () => this.chunkRead(),
      },
      initial,
      this.tokens.get(),
      since,
    );
    this.poller = new StatusPoller(
      { fetchStatus: () => fetchStatus(this.tokens.get()), schedule },
      (result) => this.showStatus(result),
    );
    this.applyFilter(initial);
  }

  start(): void {
    this.bindControls();
    this.fillHelp();
    this.stream.start();
    this.poller.start();
    this.render();
  }

  private filterFromUrl(): FilterSpec {
    const params = new URLSearchParams(location.search);
    const level = params.get("level") ?? "";
    const sources = params.getAll("source").filter((source) => source !== "");
    const spec: FilterSpec = { level: isLevel(level) ? level : "", q: params.get("q") ?? "", sources };
    this.query.value = spec.q;
    this.level.value = spec.level;
    this.sources.set(sources);
    return spec;
  }

  private sinceFromUrl(): string | undefined {
    const since = new URLSearchParams(location.search).get("since") ?? "";
    this.since.value = SINCE_CHOICES.has(since) ? since : "";
    return SINCE_CHOICES.has(since) ? since : undefined;
  }

  private bindControls(): void {
    this.query.addEventListener("input", () => this.filterChanged());
    this.level.addEventListener("change", () => this.filterChanged());
    this.since.addEventListener("change", () => this.sinceChanged());
    element("download").addEventListener("click", () => this.download());
    this.pauseButton.addEventListener("click", () => this.togglePause());
    this.followButton.addEventListener("click", () => this.list.setFollowing(!this.list.isFollowing));
    element("newest").addEventListener("click", () => this.list.setFollowing(true));
    element("clear").addEventListener("click", () => this.clear());
    element("theme").addEventListener("click", () => themes.toggle());
    element("help-button").addEventListener("click", () => this.help.showModal());
    element("close-help").addEventListener("click", () => this.help.close());
    element<HTMLFormElement>("token-form").addEventListener("submit", () => {
      const token = element<HTMLInputElement>("token-input").value.trim();
      this.tokens.set(token);
      this.stream.setToken(token === "" ? undefined : token);
      this.poller.now();
    });
    document.addEventListener("keydown", (event) => this.keyPressed(event));
    // a page that is left closes its stream (the browser may keep the page to come back to)
    window.addEventListener("pagehide", () => {
      this.stream.stop();
      this.poller.stop();
    });
    window.addEventListener("pageshow", (event) => {
      if (!event.persisted) return;
      this.stream.start();
      this.poller.start();
    });
  }

  private fillHelp(): void {
    const rows = SHORTCUTS.map((shortcut) => {
      const row = document.createElement("tr");
      const keys = document.createElement("td");
      shortcut.keys.forEach((key, index) => {
        if (index > 0) keys.append(" ");
        const kbd = document.createElement("kbd");
        kbd.textContent = keyLabel(key);
        keys.append(kbd);
      });
      const what = document.createElement("td");
      what.textContent = shortcut.help;
      row.append(keys, what);
      return row;
    });
    element("help-keys").replaceChildren(...rows);
  }

  // --- rows ---------------------------------------------------------------------------------------

  private receive(row: Row): void {
    this.incoming.push(row);
    if (this.flushQueued) return;
    this.flushQueued = true;
    // one update per frame however fast rows come; the timer covers a hidden tab, which gets no frames
    requestAnimationFrame(() => this.flush());
    window.setTimeout(() => this.flush(), 250);
  }

  /** A chunk of the stream was read: few rows are shown now; under load they wait for the frame. */
  private chunkRead(): void {
    if (!this.flushQueued || this.incoming.length === 0) return;
    const now = performance.now();
    if (now - this.immediateWindowStart >= IMMEDIATE_WINDOW_MS) {
      this.immediateWindowStart = now;
      this.immediateRows = 0;
    }
    if (this.immediateRows + this.incoming.length > IMMEDIATE_ROWS) return;
    this.immediateRows += this.incoming.length;
    this.flush(true);
  }

  /** Shows the rows received; `now`: in the DOM before this returns, not at the next frame. */
  private flush(now = false): void {
    if (!this.flushQueued) return;
    this.flushQueued = false;
    const rows = this.incoming;
    this.incoming = [];
    if (this.paused) {
      for (const row of rows) this.held.push(row);
      // a long pause keeps only the newest MAX_ROWS, like the list itself
      if (this.held.length > MAX_ROWS) {
        const excess = this.held.length - MAX_ROWS;
        this.held.splice(0, excess);
        this.heldDropped += excess;
      }
    } else {
      this.append(rows, now);
    }
    this.render();
  }

  private append(rows: readonly Row[], now = false): void {
    const result = this.store.append(rows);
    if (!this.list.isFollowing) this.newWhileBack += result.shown;
    this.list.update(result.unshown, now);
  }

  private clear(): void {
    this.store.clear();
    this.list.selected = undefined;
    this.detail.close();
    this.newWhileBack = 0;
    this.list.refresh();
    this.render();
  }

  // --- filters ------------------------------------------------------------------------------------

  private filterChanged(): void {
    const level = this.level.value;
    const spec: FilterSpec = {
      level: isLevel(level) ? level : "",
      q: this.query.value,
      sources: this.sources.value,
    };
    if (!this.applyFilter(spec)) return;
    this.keepInAddress({ level: [spec.level], q: [spec.q], source: spec.sources ?? [] });
    this.cancelFilterSend?.();
    this.cancelFilterSend = schedule(() => this.stream.setFilter(spec), FILTER_TO_SERVER_MS);
  }

  /** The page's choices in its address, so a reload (or a shared link) keeps them; "" is left out. */
  private keepInAddress(values: Record<string, readonly string[]>): void {
    const url = new URL(location.href);
    for (const [key, list] of Object.entries(values)) {
      url.searchParams.delete(key);
      for (const value of list) if (value !== "") url.searchParams.append(key, value);
    }
    history.replaceState(history.state, "", url);
  }

  /** Another history: the list starts over with the entries the server holds from then. */
  private sinceChanged(): void {
    const since = SINCE_CHOICES.has(this.since.value) ? this.since.value : undefined;
    this.keepInAddress({ since: [since ?? ""] });
    // rows of the old stream still waiting for a frame belong to the old history
    this.incoming = [];
    this.held = [];
    this.clear();
    this.stream.startOver(since);
  }

  private download(): void {
    const rows = Array.from({ length: this.store.viewLength }, (_, index) => this.store.viewAt(index) as Row);
    saveFile(ndjson(rows), downloadName(new Date()));
  }

  /** Applies the filter to what the page holds, at once; false (and the reason shown) when invalid. */
  private applyFilter(spec: FilterSpec): boolean {
    const compiled = compileFilter(spec);
    if (!compiled.ok) {
      this.query.setAttribute("aria-invalid", "true");
      this.queryError.textContent = `Not a valid regular expression: ${compiled.error}`;
      return false;
    }
    this.query.removeAttribute("aria-invalid");
    this.queryError.textContent = "";
    this.filter = compiled.filter;
    this.store.setFilter(compiled.filter);
    this.list.refresh();
    this.render();
    return true;
  }

  private stepLevel(step: 1 | -1): void {
    const options = ["", ...LEVELS];
    const at = options.indexOf(this.level.value);
    const next = options[Math.min(options.length - 1, Math.max(0, at + step))] ?? "";
    if (next === this.level.value) return;
    this.level.value = next;
    this.filterChanged();
  }

  // --- pause and follow ---------------------------------------------------------------------------

  private togglePause(): void {
    this.paused = !this.paused;
    this.pauseButton.setAttribute("aria-pressed", String(this.paused));
    this.pauseButton.firstChild?.replaceWith(this.paused ? "Resume" : "Pause");
    if (!this.paused && this.held.length > 0) {
      const held = this.held;
      this.held = [];
      this.append(held);
    }
    if (!this.paused) this.heldDropped = 0;
    this.render();
  }

  private followChanged(following: boolean): void {
    this.followButton.setAttribute("aria-pressed", String(following));
    if (following) this.newWhileBack = 0;
    this.render();
  }

  // --- keyboard -----------------------------------------------------------------------------------

  private keyPressed(event: KeyboardEvent): void {
    if (this.help.open || this.tokenDialog.open) return;
    const action = actionFor({
      key: event.key,
      ctrlKey: event.ctrlKey,
      metaKey: event.metaKey,
      altKey: event.altKey,
      target: keyTargetOf(event.target),
    });
    if (action === undefined) return;
    event.preventDefault();
    this.run(action);
  }

  private run(action: Action): void {
    const handlers: Record<Action, () => void> = {
      "focus-filter": () => {
        this.query.focus();
        this.query.select();
      },
      "toggle-pause": () => this.togglePause(),
      "toggle-follow": () => this.list.setFollowing(!this.list.isFollowing),
      "toggle-theme": () => themes.toggle(),
      help: () => this.help.showModal(),
      escape: () => this.escape(),
      "next-row": () => this.moveSelection(1),
      "previous-row": () => this.moveSelection(-1),
      "first-row": () => this.list.scrollToStart(),
      "last-row": () => this.list.setFollowing(true),
      "open-row": () => {
        if (this.list.selected?.kind === "entry") this.detail.show(this.list.selected);
      },
      clear: () => this.clear(),
      "level-up": () => this.stepLevel(1),
      "level-down": () => this.stepLevel(-1),
    };
    handlers[action]();
  }

  private escape(): void {
    if (this.detail.isOpen) this.detail.close();
    else if (document.activeElement === this.query || document.activeElement === this.level)
      this.scroller.focus();
    else this.list.select(undefined, false);
  }

  private moveSelection(step: 1 | -1): void {
    const length = this.store.viewLength;
    if (length === 0) return;
    const selected = this.list.selected;
    const at = selected === undefined ? -1 : this.store.viewIndexOf(selected);
    const next = at === -1 ? length - 1 : Math.min(length - 1, Math.max(0, at + step));
    const row = this.store.viewAt(next);
    this.list.select(row);
    if (row?.kind === "entry" && this.detail.isOpen) this.detail.show(row);
  }

  // --- connection and server ----------------------------------------------------------------------

  private showState(state: ConnectionState): void {
    this.statusBar.showState(state);
    if (state.kind === "unauthorized") this.askForToken();
  }

  private askForToken(): void {
    if (this.tokenDialog.open) return;
    const input = element<HTMLInputElement>("token-input");
    input.value = "";
    this.tokenDialog.showModal();
    input.focus();
  }

  private showStatus(result: StatusResult): void {
    if (result.kind === "unauthorized") {
      this.askForToken();
      return;
    }
    if (result.kind === "failed") {
      this.server.textContent = `status: ${result.reason}`;
      return;
    }
    const summary = summarizeStatus(result.document, this.clientId);
    this.serverSummary = summary;
    this.sources.setAvailable(summary.sources);
    if (this.clientId !== undefined && summary.clientDropped !== undefined) {
      this.dropTally.update(this.clientId, summary.clientDropped);
    }
    const files = `${formatCount(summary.files)} file${summary.files === 1 ? "" : "s"}`;
    const clients = `${formatCount(summary.clients)} client${summary.clients === 1 ? "" : "s"}`;
    this.server.textContent = `logwisp ${summary.version} · ${summary.runtime} · ${files} · ${clients}`;
    this.render();
  }

  // --- footer -------------------------------------------------------------------------------------

  private render(): void {
    this.statusBar.show({
      shown: this.store.viewLength,
      held: this.store.size,
      evicted: this.store.evicted,
      maxRows: MAX_ROWS,
      filterActive: this.filter.active,
      paused: this.paused,
      waiting: this.held.length + this.heldDropped,
      pageDrops: this.dropTally.total,
      totalDrops: this.serverSummary?.totalDropped ?? 0,
      following: this.list.isFollowing,
      newBelow: this.newWhileBack,
    });
  }
}

function sessionStorageOrUndefined(): Storage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    return undefined;
  }
}

function main(): void {
  new LiveView().start();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", main, { once: true });
else main();
