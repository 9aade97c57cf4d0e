import { type SourceStatus } from '../datasources/health.js';
import { Channel } from './channel.js';

/**
 * Shares one polling loop among every `sources` subscriber: polls only while someone watches,
 * sends each new watcher the current statuses, then only snapshots where a state changed.
 */
export class SourceMonitor {
  private readonly watchers = new Set<Channel<SourceStatus[]>>();
  private timer: NodeJS.Timeout | undefined;
  private last: SourceStatus[] | undefined;
  private polling: Promise<void> | undefined;

  constructor(
    private readonly check: () => Promise<SourceStatus[]>,
    private readonly intervalMs: number,
  ) {}

  watch(): AsyncIterableIterator<SourceStatus[]> {
    const channel: Channel<SourceStatus[]> = new Channel(() => this.unwatch(channel), true);
    this.watchers.add(channel);
    if (this.last) channel.push(this.last);
    if (!this.timer) {
      void this.poll();
      this.timer = setInterval(() => void this.poll(), this.intervalMs);
    }
    return channel;
  }

  stop(): void {
    for (const w of this.watchers) w.close();
  }

  private unwatch(channel: Channel<SourceStatus[]>): void {
    this.watchers.delete(channel);
    if (this.watchers.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.last = undefined;
    }
  }

  private async poll(): Promise<void> {
    if (this.polling) return this.polling; // a slow check must not pile up
    this.polling = (async () => {
      const next = await this.check();
      const changed = !this.last || signature(next) !== signature(this.last);
      if (changed && this.watchers.size > 0) {
        this.last = next;
        for (const w of this.watchers) w.push(next);
      }
    })().finally(() => (this.polling = undefined));
    return this.polling;
  }
}

function signature(statuses: SourceStatus[]): string {
  return statuses.map((s) => `${s.name}:${s.state}`).join(',');
}
