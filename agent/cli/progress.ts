// A progress line on stderr for reads that take longer than about a second, only when stderr is a terminal.
/** The stream the line goes to: a TTY gets it, a pipe or file never does (scripts parse stderr). */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressOptions {
  /** Silence before the line appears (default 1000 ms). */
  afterMs?: number;
  /** Refresh period (default 250 ms). */
  everyMs?: number;
  now?: () => number;
}

/**
 * Starts a "<what>… 2.4 s" line that rewrites itself in place after `afterMs`; the returned function stops it and
 * erases the line, so the answer prints on a clean line. A no-op when the stream is not a TTY.
 */
export function startProgress(stream: ProgressStream, what: string, opts: ProgressOptions = {}): () => void {
  if (!stream.isTTY) return () => {};
  const now = opts.now ?? Date.now;
  const started = now();
  let shown = false;
  let ticker: ReturnType<typeof setInterval> | undefined;
  const draw = () => {
    shown = true;
    stream.write(`\r${what}… ${((now() - started) / 1000).toFixed(1)} s\x1b[K`);
  };
  const delay = setTimeout(() => {
    draw();
    ticker = setInterval(draw, opts.everyMs ?? 250);
  }, opts.afterMs ?? 1000);
  return () => {
    clearTimeout(delay);
    clearInterval(ticker);
    if (shown) stream.write("\r\x1b[K");
  };
}
