/** Progress bars, one line per file in flight, redrawn in place on a terminal; plain lines otherwise. */
export class ProgressBoard {
  private readonly rows = new Map<string, { sent: number; total: number; started: number }>();
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly out: NodeJS.WriteStream) {
    if (out.isTTY) this.timer = setInterval(() => this.draw(), 100);
  }

  start(name: string, total: number): void {
    this.rows.set(name, { sent: 0, total, started: Date.now() });
  }

  advance(name: string, sent: number): void {
    const row = this.rows.get(name);
    if (row) row.sent = sent;
  }

  /** Ends a row and prints its outcome line above the live bars. */
  finish(name: string, line: string): void {
    this.rows.delete(name);
    this.clear();
    this.out.write(`${line}\n`);
    this.draw();
  }

  stop(): void {
    clearInterval(this.timer);
    this.clear();
  }

  private clear(): void {
    if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}F\x1b[J`);
    this.drawn = 0;
  }

  private draw(): void {
    if (!this.out.isTTY) return;
    this.clear();
    for (const [name, { sent, total, started }] of this.rows) {
      const ratio = total > 0 ? Math.min(sent / total, 1) : 1;
      const width = 24;
      const bar = '#'.repeat(Math.round(ratio * width)).padEnd(width, '.');
      const rate = sent / Math.max((Date.now() - started) / 1000, 0.001);
      this.out.write(
        `  ${name.slice(0, 40).padEnd(40)} [${bar}] ${String(Math.round(ratio * 100)).padStart(3)}% ${formatBytes(rate)}/s\n`,
      );
    }
    this.drawn = this.rows.size;
  }
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
