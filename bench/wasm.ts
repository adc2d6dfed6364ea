// Loads the agent module directly (no host/loader.ts: the bench needs no I/O) and
// wraps the bench exports of assembly/bench.ts. Every import the module declares is
// stubbed (the release build has none; a debug build imports env.abort).
import { readFileSync, existsSync } from "node:fs";
import type { Msg } from "./messages.ts";

interface Exports {
  memory: WebAssembly.Memory;
  inboxPtr(): number; inboxCap(): number;
  benchSipOnce?(len: number): number;
  benchSipParse?(len: number, iters: number): number;
  benchSipParseDeep?(len: number, iters: number): number;
  benchMsrpOnce?(len: number, piece: number): number;
  benchMsrpFrame?(len: number, iters: number, piece: number): number;
  benchSdpOnce?(len: number): number;
  benchSdpParse?(len: number, iters: number): number;
}

export interface BenchWasm {
  hasSip: boolean; hasSipDeep: boolean; hasMsrp: boolean; hasSdp: boolean;
  memoryBytesAtStart: number;
  memoryBytes(): number;
  sipOnce(b: Buffer): number;
  sipSet(ms: Msg[], reps: number): number;
  sipSetPerCall(ms: Msg[], reps: number): number;
  sipSetDeep(ms: Msg[], reps: number): number;
  msrpOnce(frame: Buffer, piece: number): number;
  msrpFrame(frame: Buffer, reps: number, piece: number): number;
  msrpFrameCopy(frame: Buffer, piece: number): number;
  sdpOnce(b: Buffer): number;
  sdpSet(ms: Msg[], reps: number): number;
}

function stubImports(mod: WebAssembly.Module): WebAssembly.Imports {
  const imp: Record<string, Record<string, WebAssembly.ImportValue>> = {};
  for (const d of WebAssembly.Module.imports(mod)) {
    imp[d.module] ??= {};
    if (d.kind === "function") imp[d.module][d.name] = () => { throw new Error(`wasm called ${d.module}.${d.name}`); };
  }
  return imp;
}

export function loadWasm(file: string): BenchWasm | null {
  if (!existsSync(file)) return null;
  const mod = new WebAssembly.Module(readFileSync(file));
  const x = new WebAssembly.Instance(mod, stubImports(mod)).exports as unknown as Exports;
  const inbox = x.inboxPtr(), cap = x.inboxCap();
  const view = new Uint8Array(x.memory.buffer, inbox, cap); // memory never grows: one view
  // Which input the inbox holds, so msrpFrame copies its 64 KiB once, not per call.
  let lastMsrp: Buffer | null = null;
  const put = (b: Buffer): number => {
    if (b.length > cap) throw new Error(`input ${b.length} > inbox ${cap}`);
    view.set(b); lastMsrp = null; return b.length;
  };
  const need = <T>(f: T | undefined, name: string): T => { if (f == null) throw new Error(`wasm lacks ${name}`); return f; };
  return {
    hasSip: x.benchSipParse != null && x.benchSipOnce != null,
    hasSipDeep: x.benchSipParseDeep != null,
    hasMsrp: x.benchMsrpFrame != null && x.benchMsrpOnce != null,
    hasSdp: x.benchSdpParse != null && x.benchSdpOnce != null,
    memoryBytesAtStart: x.memory.buffer.byteLength,
    memoryBytes: () => x.memory.buffer.byteLength,
    sipOnce: (b) => need(x.benchSipOnce, "benchSipOnce")(put(b)),
    sipSet(ms, reps) {
      const f = need(x.benchSipParse, "benchSipParse"); let a = 0;
      for (const m of ms) a = (a + f(put(m.bytes), reps)) | 0;
      return a;
    },
    sipSetDeep(ms, reps) {
      const f = need(x.benchSipParseDeep, "benchSipParseDeep"); let a = 0;
      for (const m of ms) a = (a + f(put(m.bytes), reps)) | 0;
      return a;
    },
    sipSetPerCall(ms, reps) {
      const f = need(x.benchSipParse, "benchSipParse"); let a = 0;
      for (let r = 0; r < reps; r++) for (const m of ms) a = (a + f(put(m.bytes), 1)) | 0;
      return a;
    },
    msrpOnce: (frame, piece) => need(x.benchMsrpOnce, "benchMsrpOnce")(put(frame), piece),
    msrpFrame(frame, reps, piece) {
      // The 64 KiB copy is done once per call and amortised over `reps` parses.
      if (lastMsrp !== frame) { put(frame); lastMsrp = frame; }
      return need(x.benchMsrpFrame, "benchMsrpFrame")(frame.length, reps, piece);
    },
    msrpFrameCopy(frame, piece) {
      return need(x.benchMsrpFrame, "benchMsrpFrame")(put(frame), 1, piece);
    },
    sdpOnce: (b) => need(x.benchSdpOnce, "benchSdpOnce")(put(b)),
    sdpSet(ms, reps) {
      const f = need(x.benchSdpParse, "benchSdpParse"); let a = 0;
      for (const m of ms) a = (a + f(put(m.bytes), reps)) | 0;
      return a;
    },
  };
}

/** File size, memory limits (from the memory section) and imports of the module. */
export function wasmInfo(file: string, w: BenchWasm | null): { bytes: number; initialPages: number; maxPages: number | null; imports: string[] } {
  if (!existsSync(file)) return { bytes: 0, initialPages: 0, maxPages: null, imports: [] };
  const b = readFileSync(file);
  const mod = new WebAssembly.Module(b);
  const imports = WebAssembly.Module.imports(mod).map((d) => `${d.module}.${d.name}`);
  let initialPages = w ? w.memoryBytesAtStart / 65536 : 0, maxPages: number | null = null;
  let p = 8;
  const leb = (): number => { let r = 0, s = 0, c: number; do { c = b[p++]; r += (c & 0x7f) * 2 ** s; s += 7; } while (c & 0x80); return r; };
  while (p < b.length) {
    const id = b[p++]; const size = leb(); const end = p + size;
    if (id === 5) { leb(); const flags = leb(); initialPages = leb(); if (flags & 1) maxPages = leb(); break; }
    p = end;
  }
  return { bytes: b.length, initialPages, maxPages, imports };
}
