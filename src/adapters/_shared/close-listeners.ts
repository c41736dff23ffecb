// The close bookkeeping every adapter's TcpConnection needs (plain TypeScript, used by all three): the port
// promises `onClose` listeners are called once, and at once when added after the close.

export class CloseListeners {
  private readonly listeners: Array<() => void> = [];
  private fired = false;

  get closed(): boolean {
    return this.fired;
  }

  add(listener: () => void): void {
    if (this.fired) listener();
    else this.listeners.push(listener);
  }

  /** Calls every listener once; later calls do nothing. False when it had already fired. */
  fire(): boolean {
    if (this.fired) return false;
    this.fired = true;
    for (const listener of this.listeners.splice(0)) listener();
    return true;
  }
}
