// One UA role under test with its app events: events are kept until a test takes them, and a
// waiter resolves on the first one (seen or coming) it accepts. Shared by the UA integration
// tests and the Kamailio interop tests.
import type { RunningUa } from "../../host/ua.ts";

export type Ev = Record<string, unknown>;
export class Agent {
  events: Ev[] = [];
  private waiters: Array<{ pred: (e: Ev) => boolean; res: (e: Ev) => void }> = [];
  ua!: RunningUa;
  push(e: Ev) {
    this.events.push(e);
    for (const w of [...this.waiters]) if (w.pred(e)) { this.waiters.splice(this.waiters.indexOf(w), 1); w.res(e); }
  }
  wait(name: string, ms = 3000): Promise<Ev> { return this.waitFor((e) => e.event === name, name, ms); }
  /** The first event (seen or coming) that `pred` accepts; it is taken off the list. */
  waitFor(pred: (e: Ev) => boolean, what: string, ms = 3000): Promise<Ev> {
    const seen = this.events.find(pred);
    if (seen) { this.events.splice(this.events.indexOf(seen), 1); return Promise.resolve(seen); }
    return new Promise((res, rej) => {
      const t = setTimeout(() => rej(new Error(`timeout waiting for ${what}; got ${JSON.stringify(this.events)}`)), ms);
      this.waiters.push({ pred, res: (e) => { clearTimeout(t); this.events.splice(this.events.indexOf(e), 1); res(e); } });
    });
  }
  /** Event `name` of call handle `call`. */
  waitCall(name: string, call: unknown, ms = 3000): Promise<Ev> {
    return this.waitFor((e) => e.event === name && e.call === call, `${name} of call ${call}`, ms);
  }
}

