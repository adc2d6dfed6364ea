// `npm run bench`: our Wasm parsers against the JavaScript peers, in ONE node
// process, on the same octets. Prints a table and writes bench/results.json
// (rows {name, unit, ours, peer, ratio}; ratio = ours/peer, > 1 means ours is faster).
//
//   BENCH_WASM=path/to.wasm   module to load (default build/bench.wasm: the agent plus bench exports)
//   BENCH_QUICK=1             shorter rounds (smoke run)
//
// Ours runs the parser N times inside Wasm per call (assembly/bench.ts), so the
// JS->Wasm call and the copy into the inbox are amortised; a separate row shows
// the realistic host path (copy + one call per message).
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sipMix, rfc4475Valid, sdpValid, msrpSend64k, type Msg } from "./messages.ts";
import { jssipParse, sipjsParse, sdpTransformParse, crlfScan } from "./peers.ts";
import { measure, sinkValue, type Contender } from "./harness.ts";
import { loadWasm, wasmInfo, type BenchWasm } from "./wasm.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "..");
const corpus = path.resolve(repoRoot, "../shared/corpus");
const wasmPath = path.resolve(repoRoot, process.env.BENCH_WASM ?? "build/bench.wasm");
const quick = process.env.BENCH_QUICK === "1";
const ROUND_NS = quick ? 30e6 : 120e6;
const ROUNDS = quick ? 3 : 7;
const WARM_NS = quick ? 0.2e9 : 1e9;      // JS peers: JsSIP needs ~1 s of parsing to reach steady state
const WASM_WARM_NS = quick ? 0.1e9 : 0.3e9;

interface Row { name: string; unit: string; ours: number | null; peer: number | null; ratio: number | null; target?: number; }
const rows: Row[] = [];
function row(name: string, unit: string, ours: number | null, peer: number | null, target?: number): void {
  const ratio = ours != null && peer != null && peer > 0 ? ours / peer : null;
  rows.push({ name, unit, ours, peer, ratio, ...(target != null ? { target } : {}) });
}

const wasm: BenchWasm | null = loadWasm(wasmPath);
const info = wasmInfo(wasmPath, wasm);
/** STYLE "Fixed memory": the module must contain no memory.grow (binaryen's text form, as CI checks). */
async function growCount(file: string): Promise<number | null> {
  if (!existsSync(file)) return null;
  try {
    const binaryen = (await import("binaryen")).default;
    const mod = binaryen.readBinary(readFileSync(file));
    const n = (mod.emitText().match(/memory\.grow/g) ?? []).length;
    mod.dispose();
    return n;
  } catch { return null; }
}
const grows = await growCount(wasmPath);
const ver = (pkg: string): string => {
  try { return JSON.parse(readFileSync(path.join(repoRoot, "node_modules", pkg, "package.json"), "utf8")).version; } catch { return "?"; }
};
console.log(`node ${process.version}; peers: jssip ${ver("jssip")}, sip.js ${ver("sip.js")}, sdp-transform ${ver("sdp-transform")}`);
console.log(`wasm: ${path.relative(process.cwd(), wasmPath)}  ${info.bytes} bytes  memory pages initial=${info.initialPages} max=${info.maxPages}` +
  `  memory.grow=${grows ?? "?"}  imports=[${info.imports.join(", ")}]`);
if (wasm == null) console.log("wasm: not loaded (missing file); only the peers are measured");

// ---------------------------------------------------------------- inputs
const mix = sipMix();
const torture = rfc4475Valid(corpus);
const sdps = sdpValid(corpus);
const msrp = msrpSend64k(65536);
const sum = (ms: Msg[]): number => ms.reduce((a, m) => a + m.bytes.length, 0);

// ---------------------------------------------------------------- correctness gate
// Report what each contender makes of every message: a fast rejection is no win.
function gate(set: string, ms: Msg[], peers: [string, (m: Msg) => boolean][]): void {
  for (const [label, ok] of peers) {
    const bad = ms.filter((m) => { try { return !ok(m); } catch { return true; } }).map((m) => m.name);
    if (bad.length > 0) console.log(`  note: ${label} rejects ${bad.length}/${ms.length} of ${set}: ${bad.join(" ")}`);
  }
}
const oursSipOk = (m: Msg): boolean => wasm != null && wasm.sipOnce(m.bytes) >= 0;
const oursSdpOk = (m: Msg): boolean => wasm != null && wasm.sdpOnce(m.bytes) >= 0;
for (const [set, ms] of [["sip-mix", mix], ["rfc4475-valid", torture]] as [string, Msg[]][]) {
  gate(set, ms, [
    ...(wasm?.hasSip ? [["ours", oursSipOk] as [string, (m: Msg) => boolean]] : []),
    ["JsSIP", (m) => jssipParse(m.text) != null],
    ["sip.js", (m) => sipjsParse(m.text) != null],
  ]);
}
gate("sdp-valid", sdps, [
  ...(wasm?.hasSdp ? [["ours", oursSdpOk] as [string, (m: Msg) => boolean]] : []),
  ["sdp-transform", (m) => sdpTransformParse(m.text) != null],
]);
if (wasm?.hasMsrp) {
  const f = wasm.msrpOnce(msrp.frame, 16384);
  if (f !== 1) console.log(`  note: ours found ${f} frames in the 64 KiB SEND (expected 1)`);
}
const endIdx = msrp.frame.indexOf(msrp.endLine);
if (endIdx !== msrp.frame.length - msrp.endLine.length - 3) console.log("  note: end-line not where expected");

/** Measures the contenders, prints median and spread per item, returns label -> median ns per rep. */
function timed(what: string, cs: Contender[], items: number, unit: "ns" | "us"): Record<string, number> {
  const ts = measure(cs, ROUND_NS, ROUNDS, WARM_NS);
  const k = unit === "us" ? 1e3 : 1;
  const f = (v: number): string => (v / items / k).toFixed(unit === "us" ? 2 : 0);
  console.log(`  ${what}; ${unit}/item median [min..max of ${ROUNDS} rounds]:`);
  for (const t of ts) console.log(`    ${t.label.padEnd(14)} ${f(t.nsPerRep).padStart(10)}  [${f(t.minNs)}..${f(t.maxNs)}]`);
  return Object.fromEntries(ts.map((x) => [x.label, x.nsPerRep]));
}

// ---------------------------------------------------------------- SIP
function sipSet(set: string, ms: Msg[]): void {
  const n = ms.length, bytes = sum(ms);
  const cs: Contender[] = [];
  if (wasm?.hasSip) cs.push({ label: "ours", warmNs: WASM_WARM_NS, run: (reps) => wasm.sipSet(ms, reps) });
  if (wasm?.hasSipDeep) cs.push({ label: "ours+values", warmNs: WASM_WARM_NS, run: (reps) => wasm.sipSetDeep(ms, reps) });
  if (wasm?.hasSip) cs.push({ label: "ours-percall", warmNs: WASM_WARM_NS, run: (reps) => wasm.sipSetPerCall(ms, reps) });
  cs.push({ label: "JsSIP", run: (reps) => { let a = 0; for (let r = 0; r < reps; r++) for (const m of ms) a += jssipParse(m.text) ? 1 : 0; return a; } });
  cs.push({ label: "sip.js", run: (reps) => { let a = 0; for (let r = 0; r < reps; r++) for (const m of ms) a += sipjsParse(m.text) ? 1 : 0; return a; } });
  cs.push({ label: "crlf-scan", run: (reps) => { let a = 0; for (let r = 0; r < reps; r++) for (const m of ms) a += crlfScan(m.bytes); return a; } });
  const t = timed(`${set}: ${n} messages, ${bytes} bytes`, cs, n, "ns");
  const mps = (l: string): number | null => t[l] != null ? n * 1e9 / t[l] : null;
  const mbs = (l: string): number | null => t[l] != null ? bytes * 1e3 / t[l] : null; // bytes/ns*1e3 = MB/s
  row(`${set} SIP parse vs JsSIP`, "msg/s", mps("ours"), mps("JsSIP"), 100);
  row(`${set} SIP parse vs JsSIP`, "MB/s", mbs("ours"), mbs("JsSIP"), 100);
  // Like for like: JsSIP parses Via/From/To/Contact/Record-Route/CSeq/Content-Type values on receipt.
  row(`${set} SIP parse+values vs JsSIP`, "msg/s", mps("ours+values"), mps("JsSIP"), 100);
  row(`${set} SIP parse vs sip.js`, "msg/s", mps("ours"), mps("sip.js"));
  row(`${set} SIP parse vs sip.js`, "MB/s", mbs("ours"), mbs("sip.js"));
  row(`${set} SIP parse vs CRLF scan`, "msg/s", mps("ours"), mps("crlf-scan"), 0.3);
  row(`${set} SIP parse vs CRLF scan`, "MB/s", mbs("ours"), mbs("crlf-scan"), 0.3);
  row(`${set} SIP copy+call per msg vs JsSIP`, "msg/s", mps("ours-percall"), mps("JsSIP"));
}
sipSet("sip-mix", mix);
sipSet("rfc4475-valid", torture);

// ---------------------------------------------------------------- MSRP
{
  const cs: Contender[] = [];
  if (wasm?.hasMsrp) cs.push({ label: "ours", warmNs: WASM_WARM_NS, run: (reps) => wasm.msrpFrame(msrp.frame, reps, msrp.frame.length) });
  if (wasm?.hasMsrp) cs.push({ label: "ours-16k", warmNs: WASM_WARM_NS, run: (reps) => wasm.msrpFrame(msrp.frame, reps, 16384) });
  // The host's real path: copy each 64 KiB read into the inbox, then one call.
  if (wasm?.hasMsrp) cs.push({ label: "ours+copy", warmNs: WASM_WARM_NS, run: (reps) => { let a = 0; for (let r = 0; r < reps; r++) a += wasm.msrpFrameCopy(msrp.frame, msrp.frame.length); return a; } });
  cs.push({ label: "indexOf", run: (reps) => { let a = 0; for (let r = 0; r < reps; r++) a += msrp.frame.indexOf(msrp.endLine); return a; } });
  const t = timed(`msrp: 1 SEND frame of ${msrp.frame.length} bytes (body ${msrp.bodyLen})`, cs, 1, "us");
  const mbs = (l: string): number | null => t[l] != null ? msrp.frame.length * 1e3 / t[l] : null;
  const fps = (l: string): number | null => t[l] != null ? 1e9 / t[l] : null;
  row("MSRP 64KiB SEND framing vs indexOf(end-line)", "MB/s", mbs("ours"), mbs("indexOf"), 0.8);
  row("MSRP 64KiB SEND framing vs indexOf(end-line)", "frames/s", fps("ours"), fps("indexOf"), 0.8);
  row("MSRP 64KiB SEND fed in 16KiB reads vs indexOf", "MB/s", mbs("ours-16k"), mbs("indexOf"), 0.8);
  row("MSRP 64KiB SEND copy into inbox + framing vs indexOf", "MB/s", mbs("ours+copy"), mbs("indexOf"));
}

// ---------------------------------------------------------------- SDP
{
  const n = sdps.length, bytes = sum(sdps);
  const cs: Contender[] = [];
  if (wasm?.hasSdp) cs.push({ label: "ours", warmNs: WASM_WARM_NS, run: (reps) => wasm.sdpSet(sdps, reps) });
  cs.push({ label: "sdp-transform", run: (reps) => { let a = 0; for (let r = 0; r < reps; r++) for (const m of sdps) a += sdpTransformParse(m.text) ? 1 : 0; return a; } });
  const t = timed(`sdp: ${n} bodies, ${bytes} bytes`, cs, n, "ns");
  row("SDP parse vs sdp-transform", "bodies/s", t.ours != null ? n * 1e9 / t.ours : null, n * 1e9 / t["sdp-transform"]);
  row("SDP parse vs sdp-transform", "MB/s", t.ours != null ? bytes * 1e3 / t.ours : null, bytes * 1e3 / t["sdp-transform"]);
}

// ---------------------------------------------------------------- the chat relay (issue 10)
// One MSRP hop through our chat host (the product module, build/agent.wasm, over loopback)
// against a Kamailio `msrp` relay hop, same clients, bodies and window in the same run; then
// fan-out. bench/relay_hop.ts; rows with a null peer say why in their note.
if (process.env.BENCH_NO_RELAY !== "1") {
  const { relayHop, relayFanout } = await import("./relay_hop.ts");
  console.log("\nrelay: MSRP hop through our chat host vs Kamailio msrp relay, then fan-out");
  for (const r of [...await relayHop(quick), ...await relayFanout(quick)]) {
    row(r.name, r.unit, r.ours, r.peer, r.target);
    if (r.note) console.log(`  ${r.name} [${r.unit}]: ${r.note}`);
  }
}

// ---------------------------------------------------------------- report
if (wasm != null) {
  const after = wasm.memoryBytes();
  if (after !== wasm.memoryBytesAtStart) console.log(`  WARNING: memory grew from ${wasm.memoryBytesAtStart} to ${after} bytes`);
}
const fmt = (v: number | null): string => v == null ? "n/a" : v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toPrecision(3);
const table = rows.map((r) => [r.name, r.unit, fmt(r.ours), fmt(r.peer),
  r.ratio == null ? "n/a" : r.ratio.toFixed(r.ratio >= 10 ? 1 : 2) + "x",
  r.target == null ? "" : r.ratio == null ? `>=${r.target}x ?` : r.ratio >= r.target ? `>=${r.target}x ok` : `>=${r.target}x MISS`]);
const head = ["benchmark", "unit", "ours", "peer", "ours/peer", "target"];
const w = head.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
const line = (c: string[]): string => c.map((s, i) => (i >= 2 ? s.padStart(w[i]) : s.padEnd(w[i]))).join("  ");
console.log("\n" + line(head) + "\n" + w.map((x) => "-".repeat(x)).join("  "));
for (const r of table) console.log(line(r));
console.log(`\nwasm ${info.bytes} bytes, ${info.initialPages} pages (${info.initialPages * 64} KiB), max ${info.maxPages}, memory.grow ${grows ?? "?"}; sink ${sinkValue() & 0xff}`);

const out = path.join(here, "results.json");
writeFileSync(out, JSON.stringify(rows.map(({ name, unit, ours, peer, ratio }) => ({ name, unit, ours, peer, ratio })), null, 2) + "\n");
console.log(`wrote ${path.relative(process.cwd(), out)}`);
