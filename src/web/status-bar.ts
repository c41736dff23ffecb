// The footer and the other counters the page shows: the connection, what is shown and held, what waits
// behind a pause, what the server dropped, and the "newest" button. Texts are pure functions; the
// numbers are also in data-* attributes, for the browser test.

import { formatCount, formatDuration } from "./format.ts";
import type { ConnectionState } from "./live-stream.ts";

export function describeState(state: ConnectionState): string {
  switch (state.kind) {
    case "connecting":
      return "connecting…";
    case "live":
      return "live";
    case "reconnecting":
      return `reconnecting: ${state.reason} (next try in ${formatDuration(state.retryInMs)})`;
    case "error":
      return `error: ${state.reason}`;
    case "unauthorized":
      return "a token is needed";
  }
}

export interface Tallies {
  readonly shown: number;
  readonly held: number;
  readonly evicted: number;
  readonly maxRows: number;
  readonly filterActive: boolean;
  readonly paused: boolean;
  /** Arrived while paused (including those a long pause let go). */
  readonly waiting: number;
  readonly pageDrops: number;
  readonly totalDrops: number;
  readonly following: boolean;
  /** Shown below while not following. */
  readonly newBelow: number;
}

export function countsText(tallies: Tallies): string {
  let text = `${formatCount(tallies.shown)} shown`;
  if (tallies.filterActive) text += ` of ${formatCount(tallies.held)}`;
  if (tallies.evicted > 0) {
    text += ` · ${formatCount(tallies.evicted)} oldest let go (the page keeps ${formatCount(tallies.maxRows)})`;
  }
  return text;
}

export class StatusBar {
  constructor(
    private readonly elements: {
      connection: HTMLElement;
      counts: HTMLElement;
      paused: HTMLElement;
      drops: HTMLElement;
      newest: HTMLButtonElement;
      empty: HTMLElement;
    },
  ) {}

  showState(state: ConnectionState): void {
    this.elements.connection.dataset.state = state.kind;
    this.elements.connection.textContent = describeState(state);
  }

  show(tallies: Tallies): void {
    const { counts, paused, drops, newest, empty } = this.elements;
    counts.textContent = countsText(tallies);
    counts.dataset.shown = String(tallies.shown);
    counts.dataset.held = String(tallies.held);
    counts.dataset.evicted = String(tallies.evicted);

    paused.hidden = !tallies.paused;
    paused.textContent = `paused: ${formatCount(tallies.waiting)} new while paused`;
    paused.dataset.count = String(tallies.waiting);

    drops.textContent = `dropped: ${formatCount(tallies.pageDrops)} for this page · ${formatCount(tallies.totalDrops)} for all clients`;
    drops.dataset.page = String(tallies.pageDrops);
    drops.dataset.total = String(tallies.totalDrops);

    newest.hidden = tallies.following;
    newest.textContent =
      tallies.newBelow > 0 ? `↓ newest (${formatCount(tallies.newBelow)} new)` : "↓ newest";
    empty.hidden = tallies.shown > 0;
    empty.textContent =
      tallies.held > 0
        ? `No entry matches the filter (${formatCount(tallies.held)} held).`
        : "Waiting for log lines… append to a followed file, and they appear here.";
  }
}
