import { SingleBar } from 'cli-progress';

export interface Progress {
  /** Adds `count` done units; `detail` replaces the free-text part of the line (e.g. the page). */
  advance(count: number, detail?: string): void;
  /** Ends the line with a final summary. */
  finish(summary?: string): void;
}

export interface ProgressOptions {
  label: string;
  unit: string;
  total?: number;
  stream?: NodeJS.WriteStream;
  /** Plain mode prints at most one line per interval. */
  intervalMs?: number;
}

/** A bar on a terminal; plain, throttled lines (for logs and cron) otherwise. */
export function startProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  return stream.isTTY ? barProgress(options, stream) : lineProgress(options, stream);
}

function rate(done: number, startedAt: number): string {
  const seconds = Math.max((Date.now() - startedAt) / 1000, 0.001);
  return `${Math.round(done / seconds).toLocaleString('en-US')}/s`;
}

function barProgress(options: ProgressOptions, stream: NodeJS.WriteStream): Progress {
  const startedAt = Date.now();
  const bar = new SingleBar({
    stream,
    format: options.total
      ? `${options.label} [{bar}] {value}/{total} ${options.unit} {rate} {detail}`
      : `${options.label} {value} ${options.unit} {rate} {detail}`,
    hideCursor: true,
    clearOnComplete: false,
  });
  let done = 0;
  bar.start(options.total ?? 0, 0, { rate: '', detail: '' });
  return {
    advance(count, detail) {
      done += count;
      bar.update(done, { rate: rate(done, startedAt), detail: detail ?? '' });
    },
    finish(summary) {
      bar.update(done, { rate: rate(done, startedAt), detail: summary ?? '' });
      bar.stop();
    },
  };
}

function lineProgress(options: ProgressOptions, stream: NodeJS.WriteStream): Progress {
  const startedAt = Date.now();
  const interval = options.intervalMs ?? 5000;
  let done = 0;
  let lastPrinted = startedAt;
  const line = (detail?: string) => {
    const of = options.total ? `/${options.total}` : '';
    stream.write(
      `${options.label}: ${done}${of} ${options.unit} (${rate(done, startedAt)})${detail ? ` ${detail}` : ''}\n`,
    );
  };
  return {
    advance(count, detail) {
      done += count;
      if (Date.now() - lastPrinted >= interval) {
        lastPrinted = Date.now();
        line(detail);
      }
    },
    finish(summary) {
      line(summary ?? 'done');
    },
  };
}
