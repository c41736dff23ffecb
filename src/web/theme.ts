// Dark or light: the system's choice (prefers-color-scheme) until the user picks one with the toggle,
// which is remembered in localStorage.

export type Theme = "dark" | "light";

export const THEME_KEY = "logwisp.theme";

export class ThemeSwitch {
  private readonly media = window.matchMedia("(prefers-color-scheme: dark)");
  private chosen: Theme | undefined = readChoice();

  constructor(private readonly onChange: (theme: Theme) => void) {
    this.apply();
    this.media.addEventListener("change", () => this.apply());
  }

  get current(): Theme {
    return this.chosen ?? (this.media.matches ? "dark" : "light");
  }

  toggle(): void {
    this.chosen = this.current === "dark" ? "light" : "dark";
    try {
      localStorage.setItem(THEME_KEY, this.chosen);
    } catch {
      // storage off (private mode, a policy): the choice lasts as long as the page
    }
    this.apply();
  }

  private apply(): void {
    document.documentElement.dataset.theme = this.current;
    this.onChange(this.current);
  }
}

function readChoice(): Theme | undefined {
  try {
    const value = localStorage.getItem(THEME_KEY);
    return value === "dark" || value === "light" ? value : undefined;
  } catch {
    return undefined;
  }
}
