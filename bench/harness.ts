// Timing harness: one node process, process.hrtime.bigint, warm-up, calibration,
// several interleaved rounds, median. A contender is `run(reps)`: process the whole
// input set `reps` times and return a number (folded into a sink so nothing is dead).

export interface Contender {
  label: string;
  run(reps: number): number;
  /** Warm-up time; default the measure() argument. Wasm (no JIT warm-up beyond tier-up) needs little. */
  warmNs?: number;
}
export interface Timing { label: string; nsPerRep: number; minNs: number; maxNs: number; reps: number; samples: number[]; }

let sink = 0;
export function sinkValue(): number { return sink; }

function timeOnce(c: Contender, reps: number): number {
  const t0 = process.hrtime.bigint();
  sink = (sink + c.run(reps)) | 0;
  return Number(process.hrtime.bigint() - t0);
}

/** Smallest reps (doubling) whose round takes >= targetNs, after a warm-up. */
function calibrate(c: Contender, targetNs: number, warmNs: number): number {
  let reps = 1;
  // Warm-up: let the JIT (and V8's wasm tier-up) settle before counting. JsSIP's PEG
  // grammar needs about a second of parsing before its per-message time stops falling.
  const warmEnd = process.hrtime.bigint() + BigInt(Math.round(warmNs));
  while (process.hrtime.bigint() < warmEnd) timeOnce(c, reps);
  for (let k = 0; k < 40; k++) {
    const ns = timeOnce(c, reps);
    if (ns >= targetNs / 4) return Math.max(1, Math.ceil(reps * targetNs / ns));
    reps *= 2;
  }
  return reps;
}

/**
 * Measures contenders that are compared with each other: calibrate each one, then
 * `rounds` rounds where every contender runs once (interleaved, so drift of the
 * machine hits all of them alike); the figure is the median ns per rep.
 */
export function measure(cs: Contender[], roundNs = 120e6, rounds = 7, warmNs = 1e9): Timing[] {
  const reps = cs.map((c) => calibrate(c, roundNs, c.warmNs ?? warmNs));
  const samples: number[][] = cs.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < cs.length; i++) samples[i].push(timeOnce(cs[i], reps[i]) / reps[i]);
  }
  return cs.map((c, i) => {
    const s = samples[i].slice().sort((a, b) => a - b);
    return { label: c.label, nsPerRep: s[s.length >> 1], minNs: s[0], maxNs: s[s.length - 1], reps: reps[i], samples: samples[i] };
  });
}
