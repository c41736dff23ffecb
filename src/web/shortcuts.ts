// Keyboard shortcuts: one table for the handler and the help overlay.

export type Action =
  | "focus-filter"
  | "toggle-pause"
  | "toggle-follow"
  | "toggle-theme"
  | "help"
  | "escape"
  | "next-row"
  | "previous-row"
  | "first-row"
  | "last-row"
  | "open-row"
  | "clear"
  | "level-up"
  | "level-down";

export interface Shortcut {
  readonly keys: readonly string[];
  readonly action: Action;
  readonly help: string;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { keys: ["/"], action: "focus-filter", help: "focus the text filter" },
  { keys: [" ", "p"], action: "toggle-pause", help: "pause / resume" },
  { keys: ["f"], action: "toggle-follow", help: "follow the newest entries on / off" },
  { keys: ["l", "+"], action: "level-up", help: "raise the minimum level" },
  { keys: ["L", "-"], action: "level-down", help: "lower the minimum level" },
  { keys: ["j", "ArrowDown"], action: "next-row", help: "select the next entry" },
  { keys: ["k", "ArrowUp"], action: "previous-row", help: "select the previous entry" },
  { keys: ["g", "Home"], action: "first-row", help: "go to the oldest entry" },
  { keys: ["G", "End"], action: "last-row", help: "go to the newest entry (and follow)" },
  { keys: ["Enter"], action: "open-row", help: "show the selected entry's details" },
  { keys: ["c"], action: "clear", help: "clear the list" },
  { keys: ["t"], action: "toggle-theme", help: "dark / light theme" },
  { keys: ["?"], action: "help", help: "this help" },
  { keys: ["Escape"], action: "escape", help: "close the details or this help; leave the filter" },
];

const BY_KEY = new Map<string, Action>(
  SHORTCUTS.flatMap((shortcut) => shortcut.keys.map((key) => [key, shortcut.action] as const)),
);

export interface KeyPress {
  readonly key: string;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly altKey: boolean;
  /**
   * Where the key went: a text field or a select takes every key but Escape; a button or link keeps
   * Space and Enter (they press it); anything else leaves every key to the shortcuts.
   */
  readonly target: "text" | "control" | "other";
}

export function actionFor(press: KeyPress): Action | undefined {
  // the browser's and the system's own shortcuts (Ctrl+F, Cmd+R…) stay theirs
  if (press.ctrlKey || press.metaKey || press.altKey) return undefined;
  if (press.target === "text") return press.key === "Escape" ? "escape" : undefined;
  if (press.target === "control" && (press.key === " " || press.key === "Enter")) return undefined;
  return BY_KEY.get(press.key);
}

/** How a key is written in the help: the space bar and the arrows by name. */
export function keyLabel(key: string): string {
  const names: Record<string, string> = { " ": "Space", ArrowDown: "↓", ArrowUp: "↑", Escape: "Esc" };
  return names[key] ?? key;
}

/** Where a key went (see KeyPress.target), from the element that has the focus. */
export function keyTargetOf(target: EventTarget | null): KeyPress["target"] {
  if (!(target instanceof HTMLElement)) return "other";
  if (
    target.isContentEditable ||
    target instanceof HTMLTextAreaElement ||
    target instanceof HTMLSelectElement
  ) {
    return "text";
  }
  if (target instanceof HTMLInputElement) return "text";
  if (target instanceof HTMLButtonElement || target instanceof HTMLAnchorElement) return "control";
  return "other";
}
