// Server-Sent Events read from a fetch body, as the HTML standard parses them ("Interpreting an event
// stream"): lines end with CRLF, LF or CR; `:` starts a comment (logwisp's heartbeats); a field is the text
// before the first colon, its value after it and one optional space; `data:` lines of one event are joined
// with LF; a blank line ends the event. An event with no data is not dispatched. `id:` is remembered across
// events, as EventSource's lastEventId is. `retry:` is ignored: the page paces its own reconnects.
// https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation

export interface SseMessage {
  /** The `event:` name; "message" when none was given. */
  readonly event: string;
  readonly data: string;
  /** The last `id:` seen so far on this stream ("" when none). */
  readonly lastEventId: string;
}

export class SseReader {
  private readonly decoder = new TextDecoder();
  /** The text after the last line break seen: a line not yet whole. */
  private pending = "";
  /** The previous chunk ended with CR: a LF at the start of the next one belongs to that line break. */
  private afterCr = false;
  private event = "";
  private data: string[] = [];
  private lastEventId = "";

  constructor(private readonly dispatch: (message: SseMessage) => void) {}

  /** Reads the bytes of one chunk, dispatching every event it completes. */
  push(bytes: Uint8Array): void {
    this.pushText(this.decoder.decode(bytes, { stream: true }));
  }

  pushText(chunk: string): void {
    let text = chunk;
    if (this.afterCr && text.startsWith("\n")) text = text.slice(1);
    this.afterCr = false;
    let start = 0;
    // lines are cut from the chunk with indexOf, not a regex split: a burst brings megabytes of them. The
    // next CR is looked for again only once passed: logwisp sends none, and a search per line for one would
    // read the rest of the chunk every time
    let cr = text.indexOf("\r");
    while (start < text.length) {
      const lf = text.indexOf("\n", start);
      if (cr !== -1 && cr < start) cr = text.indexOf("\r", start);
      const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(lf, cr);
      if (end === -1) break;
      const line = this.pending === "" ? text.slice(start, end) : this.pending + text.slice(start, end);
      this.pending = "";
      start = end + 1;
      if (text.charCodeAt(end) === 13) {
        if (start === text.length) this.afterCr = true;
        else if (text.charCodeAt(start) === 10) start++;
      }
      this.line(line);
    }
    if (start < text.length) this.pending += text.slice(start);
  }

  private line(line: string): void {
    if (line === "") {
      this.endEvent();
      return;
    }
    const colon = line.indexOf(":");
    if (colon === 0) return;
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.event = value;
    // an id with a NUL is ignored, as the standard says
    else if (field === "id" && !value.includes("\0")) this.lastEventId = value;
  }

  private endEvent(): void {
    const { data, event } = this;
    this.data = [];
    this.event = "";
    if (data.length === 0) return;
    this.dispatch({
      event: event === "" ? "message" : event,
      data: data.length === 1 ? (data[0] as string) : data.join("\n"),
      lastEventId: this.lastEventId,
    });
  }
}
