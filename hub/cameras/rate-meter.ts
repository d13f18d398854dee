/** Events per second over a sliding window, with a bounded ring of timestamps. */
export class RateMeter {
  private readonly times: number[] = [];

  constructor(
    private readonly windowMs = 5000,
    private readonly maxSamples = 1024,
  ) {}

  mark(now: number): void {
    this.times.push(now);
    if (this.times.length > this.maxSamples) this.times.shift();
  }

  rate(now: number): number {
    const from = now - this.windowMs;
    while (this.times.length > 0 && this.times[0]! < from) this.times.shift();
    if (this.times.length < 2) return 0;
    // Intervals over the time actually covered, so a camera that just started is not under-reported
    // and one that stopped decays to zero.
    const span = Math.max(now - this.times[0]!, 1);
    return ((this.times.length - 1) / span) * 1000;
  }
}
