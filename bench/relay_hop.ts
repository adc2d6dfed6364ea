// MSRP relay benchmarks over real loopback sockets: one MSRP hop through our chat host (the IM
// server in this process, the host as its own `chat --host` CLI process, as Kamailio's relay is
// its own processes) beside one hop through Kamailio's msrp relay module, and the
// host's fan-out to K recipients. Standalone: `npx tsx bench/relay_hop.ts [--quick]`
// (BENCH_QUICK=1 works too) prints a table; bench/run.ts can import relayHop / relayFanout.
//
// relayHop(quick) — the same load on both sides:
//   ours: sender A and receiver B are raw members (tests/integration/raw_member.ts) invited by
//     the host; A's SENDs (text/plain) go to the host, which answers 200 hop by hop, wraps them
//     in CPIM and relays them to B; B answers every SEND 200 (autoAck).
//   peer: Kamailio (tests/interop/kamailio.cfg WITH_MSRP, non-digest AUTH): A and B connect to
//     the relay and AUTH (RFC 4976 §5) for a Use-Path; A sends with To-Path = A's Use-Path + B's
//     URI (B's URI names the local port of B's own connection to the relay, so Kamailio reuses that
//     connection: one relay hop, no second connection), From-Path = A; the relay answers 200 hop
//     by hop and forwards to B, B answers 200 to the relay (To-Path = the relay, which absorbs it).
//   Load: A pipelines SENDs as fast as TCP takes them (write() back-pressure), at most W = 32
//   unanswered (counted by A's received responses); 128 B and 1 KiB complete messages, 64 KiB
//   messages as 32 chunks of 2 KiB (Byte-Range x-y/65536, '+' then '$'). Every payload starts
//   with "BENCH#seq#time#"; B counts a message when its '$' chunk arrives and its body bytes add up
//   to the last Byte-Range end (>= S; the host's copy carries a CPIM header too) and the marker was
//   in its first chunk (roster notices and duplicates are not counted).
//   Figures: messages/s and MB/s (10^6 payload bytes) delivered at B, from A's first write to B's
//   last complete message; lost = messages whose last chunk A got 200 for, minus those complete at
//   B after a grace (3 s; 1 s quick) once A is done. Each run is bounded (budget below): a run that
//   does not finish reports what was delivered in the time (note "budget").
// relayFanout(quick): one raw sender, the host with K raw receivers (1, 3, the most the limits
//   allow = CHAT_MEMBER_MAX 8 - host - sender = 6, and 7 to show what the host does with one too
//   many); 128 B messages, W = 32; messages/s delivered per recipient and p50/p99 delivery
//   latency (send time in the body, stamped and read in this process: one clock).
//   The clients run in this process for both sides; our host's and Kamailio's CPU is their own.
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
import { startServer, type RunningServer } from "../host/server.ts";
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { joinRaw, connectMsrp, type MsrpConn, type RawMember, type Frame } from "../tests/integration/raw_member.ts";

export interface Row { name: string; unit: string; ours: number | null; peer: number | null; ratio: number | null; target?: number; note?: string }

const W = 32;
const KIB64 = 65536;
const CHUNK = 2048;

interface Size { label: string; bytes: number; chunked: boolean; n: number }
const sizes = (quick: boolean): Size[] => {
  const d = quick ? 10 : 1;
  return [
    { label: "128 B", bytes: 128, chunked: false, n: 20000 / d },
    { label: "1 KiB", bytes: 1024, chunked: false, n: 20000 / d },
    { label: "64 KiB (2 KiB chunks)", bytes: KIB64, chunked: true, n: 200 / d },
  ];
};
/** Wall-clock budget of one run's send phase, and the grace for the stragglers after it. */
const budget = (quick: boolean) => ({
  sendMs: Number(process.env.RELAY_BENCH_RUN_MS ?? (quick ? 1500 : 6000)),
  graceMs: quick ? 1000 : 3000,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(f: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!f()) {
    if (Date.now() > deadline) return false;
    await sleep(5);
  }
  return true;
}

// ------------------------------------------------------------------------------------ receivers

/** Counts complete bench messages arriving on one connection. */
class Receiver {
  delivered = 0;
  bytes = 0;
  lastAt = 0;
  readonly lat: number[] = [];
  private readonly seen = new Set<number>();
  private readonly open = new Map<string, { got: number; head: string }>();
  dupes = 0;
  broken = 0;
  constructor(private readonly size: number) {}

  frame(f: Frame): void {
    if (f.kind !== "request" || f.method !== "SEND") return;
    const id = f.headers.get("message-id") ?? "";
    const br = /^(\d+)-(\d+|\*)\/(\d+|\*)$/.exec(f.headers.get("byte-range") ?? "");
    const first = br ? Number(br[1]) : 1;
    let st = this.open.get(id);
    if (!st || first === 1) { st = { got: 0, head: "" }; this.open.set(id, st); }
    // the marker sits at the start of the payload, after the CPIM header when the host wrapped
    // it; a relay may cut a message into chunks anywhere, so the head is gathered across them
    if (st.head.length < 512) st.head += f.body.toString("latin1", 0, Math.min(f.body.length, 512 - st.head.length));
    st.got += f.body.length;
    if (f.flag === "+") return;
    this.open.delete(id);
    const m = /BENCH#(\d+)#([\d.]+)#/.exec(st.head);
    const seq = m ? Number(m[1]) : -1, sentAt = m ? Number(m[2]) : 0;
    if (f.flag !== "$" || seq < 0) return;
    const end = br && br[2] !== "*" ? Number(br[2]) : st.got;
    if (st.got !== end || st.got < this.size) { this.broken++; return; }
    if (this.seen.has(seq)) { this.dupes++; return; }
    this.seen.add(seq);
    this.delivered++;
    this.bytes += this.size;
    this.lastAt = f.at;
    this.lat.push(f.at - sentAt);
  }
}

// ------------------------------------------------------------------------------------ the sender

interface SendResult {
  t0: number;
  /** Messages whose every frame was written. */
  sent: number;
  /** Messages whose last chunk got a 200. */
  acked: number;
  /** Responses other than 200, by status (0 = connection closed with frames unanswered). */
  nonOk: Map<number, number>;
  timedOut: boolean;
  closed: boolean;
}

/** Pipelines n messages of `size` from conn to toPath, at most W frames unanswered, until budgetMs. */
async function pump(conn: MsrpConn, toPath: string, size: Size, n: number, budgetMs: number): Promise<SendResult> {
  const res: SendResult = { t0: 0, sent: 0, acked: 0, nonOk: new Map(), timedOut: false, closed: false };
  const inflight = new Map<string, boolean>(); // tid -> last chunk of its message
  let wake: (() => void) | undefined;
  const kick = () => { const w = wake; wake = undefined; w?.(); };
  const prevOnFrame = conn.onFrame;
  conn.onFrame = (f) => {
    prevOnFrame?.(f);
    if (f.kind !== "response") return;
    const last = inflight.get(f.tid);
    if (last === undefined) return;
    inflight.delete(f.tid);
    if (f.status === 200) { if (last) res.acked++; } else res.nonOk.set(f.status, (res.nonOk.get(f.status) ?? 0) + 1);
    if (inflight.size < W) kick();
  };
  conn.sock.on("drain", kick);
  conn.sock.on("close", kick);
  const wait = (ms: number) => new Promise<void>((r) => { const t = setTimeout(() => { wake = undefined; r(); }, ms); wake = () => { clearTimeout(t); r(); }; });

  const chunks = size.chunked ? Math.ceil(size.bytes / CHUNK) : 1;
  const pad = Buffer.alloc(size.bytes, 0x61);
  const run = Math.random().toString(36).slice(2, 8);
  let k = 0;
  res.t0 = performance.now();
  const deadline = res.t0 + budgetMs;
  outer:
  for (let i = 0; i < n; i++) {
    const payload = Buffer.from(pad);
    payload.write(`BENCH#${i}#${performance.now().toFixed(3)}#`, 0, "latin1");
    const msgId = `${run}m${i}`;
    for (let c = 0; c < chunks; c++) {
      for (;;) {
        if (conn.closed) { res.closed = true; break outer; }
        if (performance.now() > deadline) { res.timedOut = true; break outer; }
        if (inflight.size < W && conn.sock.writableLength < 1 << 20) break;
        await wait(Math.max(1, deadline - performance.now()));
      }
      const tid = `${run}t${(k++).toString(36)}`;
      const last = c === chunks - 1;
      inflight.set(tid, last);
      if (size.chunked) {
        const from = c * CHUNK, to = Math.min(size.bytes, from + CHUNK);
        conn.send(payload.subarray(from, to), { tid, msgId, toPath, range: `${from + 1}-${to}/${size.bytes}`, flag: last ? "$" : "+" });
      } else {
        conn.send(payload, { tid, msgId, toPath });
      }
      // let TCP drain when the kernel buffer is full (write() back-pressure)
      if (conn.sock.writableNeedDrain) await wait(Math.max(1, deadline - performance.now()));
    }
    res.sent++;
  }
  // the rest of the answers
  while (inflight.size > 0 && !conn.closed && performance.now() < deadline) await wait(Math.max(1, deadline - performance.now()));
  if (inflight.size > 0) {
    if (conn.closed) { res.closed = true; res.nonOk.set(0, (res.nonOk.get(0) ?? 0) + inflight.size); }
    else res.timedOut = true;
  }
  conn.sock.off("drain", kick);
  conn.sock.off("close", kick);
  conn.onFrame = prevOnFrame;
  return res;
}

interface RunOut {
  failed?: boolean;
  /** msgs/s and MB/s delivered (per recipient), null when nothing was delivered. */
  mps: number | null;
  mbs: number | null;
  lost: number;
  delivered: number;
  n: number;
  note: string;
  p50?: number;
  p99?: number;
}

const pct = (xs: number[], p: number): number | undefined => {
  if (xs.length === 0) return undefined;
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};

/** Sends, waits out the grace, and folds sender + receivers into figures. */
async function measureRun(a: MsrpConn, toPath: string, rx: Receiver[], size: Size, quick: boolean): Promise<RunOut> {
  const b = budget(quick);
  const s = await pump(a, toPath, size, size.n, b.sendMs);
  // stragglers: wait until every receiver has what the sender got 200s for (or the grace is over)
  await until(() => rx.every((r) => r.delivered >= s.acked), b.graceMs);
  const delivered = rx.reduce((x, r) => x + r.delivered, 0) / rx.length;
  const lastAt = Math.max(...rx.map((r) => r.lastAt));
  const secs = (lastAt - s.t0) / 1000;
  const mps = delivered > 0 && secs > 0 ? delivered / secs : null;
  const lost = rx.reduce((x, r) => x + Math.max(0, s.acked - r.delivered), 0);
  const parts: string[] = [];
  if (s.timedOut) parts.push(`budget ${b.sendMs} ms: ${s.sent}/${size.n} sent`);
  if (s.closed) parts.push("sender's connection closed");
  parts.push(`delivered ${Math.round(delivered)}/${s.acked} acked`);
  for (const [st, c] of s.nonOk) parts.push(st === 0 ? `${c} unanswered at close` : `${c}x ${st}`);
  const broken = rx.reduce((x, r) => x + r.broken, 0), dupes = rx.reduce((x, r) => x + r.dupes, 0);
  if (broken) parts.push(`${broken} incomplete at receiver`);
  if (dupes) parts.push(`${dupes} duplicates`);
  const lat = rx.flatMap((r) => r.lat);
  return { mps, mbs: mps == null ? null : mps * size.bytes / 1e6, lost, delivered, n: size.n, note: parts.join("; "), p50: pct(lat, 0.5), p99: pct(lat, 0.99) };
}

// ------------------------------------------------------------------------------------ ours

interface Chat { srv: RunningServer; members: RawMember[]; refused: string[]; close(): Promise<void> }

/**
 * IM server (in this process) + the chat host as its own process (the `chat --host` CLI, as a
 * handset host runs: it gets its own core, like each Kamailio process) + k raw members, which
 * register first and are then invited; keeps those that joined.
 */
async function startChatWith(k: number): Promise<Chat> {
  const srv = await startServer({ listen: "127.0.0.1:0", domain: "example.test" });
  const members: RawMember[] = [], refused: string[] = [];
  const pending: RawMember[] = [];
  let child: ChildProcess | undefined;
  const close = async () => {
    for (const m of [...members, ...pending]) m.close();
    if (child && child.exitCode === null) {
      child.kill("SIGTERM");
      await Promise.race([new Promise((r) => child!.once("exit", r)), sleep(2000)]);
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    await srv.close();
  };
  try {
    for (let i = 0; i < k; i++) pending.push(await joinRaw({ aor: `sip:m${i}@example.test`, server: srv.sip }));
    const errors: string[] = [];
    child = spawn(process.execPath, [...(process.env.RELAY_HOST_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.RELAY_HOST_PROF}`] : []), "--import", "tsx", path.join(repoRoot, "host/cli.ts"), "chat", "--aor", "sip:host@example.test",
      "--server", srv.sip, "--json", "--host", "--invite", pending.map((m) => m.aor).join(",")], { cwd: repoRoot, stdio: ["pipe", "pipe", "ignore"] });
    // the host's own app shows every message (it is a member): its output is read and dropped,
    // except error events, which say why a member was refused
    let buf = "";
    child.stdout!.on("data", (d: Buffer) => {
      buf += d.toString("utf8");
      const lines = buf.split("\n"); buf = lines.pop() ?? "";
      for (const l of lines) if (l.includes('"event":"error"')) errors.push(l);
    });
    for (const m of pending) {
      const ok = await Promise.race([m.joined.then(() => true, () => false), sleep(8000).then(() => false)]);
      if (ok) members.push(m);
      else { refused.push(`${m.aor}: not joined (${errors.join(" ") || "no error event"})`); m.close(); }
    }
    pending.length = 0;
    await sleep(200); // roster notices settle
  } catch (e) { await close(); throw e; }
  return { srv, members, refused, close };
}

async function oursHop(size: Size, quick: boolean): Promise<RunOut> {
  const chat = await startChatWith(2);
  try {
    if (chat.members.length < 2) throw new Error(`members refused: ${chat.refused.join("; ")}`);
    const [a, b] = chat.members;
    a.msrp!.keepFrames = false; b.msrp!.keepFrames = false;
    const rx = new Receiver(size.bytes);
    b.onFrame = (f) => rx.frame(f);
    return await measureRun(a.msrp!, a.hostPath, [rx], size, quick);
  } finally { await chat.close(); }
}

// ------------------------------------------------------------------------------------ Kamailio

async function kamailioHops(ss: Size[], quick: boolean): Promise<{ outs: (RunOut | null)[]; note: string }> {
  let kam: typeof import("../tests/interop/kamailio.ts");
  try { kam = await import("../tests/interop/kamailio.ts"); } catch (e) { return { outs: ss.map(() => null), note: `kamailio harness: ${(e as Error).message}` }; }
  let have = false;
  try { have = kam.haveKamailio(); } catch { have = false; }
  if (!have) return { outs: ss.map(() => null), note: "kamailio not installed" };
  const outs: (RunOut | null)[] = [];
  let note = "kamailio.cfg WITH_MSRP (tcp_async=yes, tcp_conn_wq_max=1 MiB, tcp_wq_max=16 MiB), debug=1";
  let k: Awaited<ReturnType<typeof kam.startKamailio>>;
  try { k = await kam.startKamailio({ msrp: true, debug: 1 }); }
  catch (e) { return { outs: ss.map(() => null), note: `kamailio did not start: ${(e as Error).message.split("\n")[0]}` }; }
  try {
    const relay = `msrp://${k.msrp};tcp`;
    for (const size of ss) {
      let a: MsrpConn | undefined, b: MsrpConn | undefined;
      try {
        a = await connectMsrp(k.msrp!); b = await connectMsrp(k.msrp!);
        const ra = await a.auth(relay), rb = await b.auth(relay);
        if (ra.status !== 200 || rb.status !== 200) throw new Error(`AUTH answered ${ra.status}/${rb.status}`);
        a.keepFrames = false; b.keepFrames = false;
        const rx = new Receiver(size.bytes);
        b.onFrame = (f) => rx.frame(f);
        const out = await measureRun(a, `${ra.usePath} ${b.uri}`, [rx], size, quick);
        if (b.closed) out.note += "; receiver's connection closed";
        outs.push(out);
      } catch (e) {
        outs.push(null);
        note += `; ${size.label}: ${(e as Error).message}`;
      } finally { a?.close(); b?.close(); }
    }
    const drops = (k.log().match(/write queue full|forwarding frame failed|buffer overrun/g) ?? []).length;
    if (drops > 0) note += `; kamailio log: ${drops} queue-full/forward-failed/overrun lines`;
  } finally { await k.stop(); }
  return { outs, note };
}

// ------------------------------------------------------------------------------------ rows

const ratio = (o: number | null, p: number | null) => (o != null && p != null && p > 0 ? o / p : null);

export async function relayHop(quick: boolean): Promise<Row[]> {
  const ss = sizes(quick);
  const ours: RunOut[] = [];
  for (const s of ss) {
    try { ours.push(await oursHop(s, quick)); }
    catch (e) { ours.push({ failed: true, mps: null, mbs: null, lost: 0, delivered: 0, n: s.n, note: `run failed: ${(e as Error).message}` }); }
  }
  const peer = await kamailioHops(ss, quick);
  const rows: Row[] = [];
  ss.forEach((s, i) => {
    const o = ours[i], p = peer.outs[i];
    const name = `MSRP hop ${s.label} vs Kamailio msrp relay`;
    const note = `W=${W}, N=${s.n}; ours: ${o.note}; peer: ${p ? p.note + "; " : ""}${peer.note}`;
    rows.push({ name, unit: "msgs/s", ours: o.mps, peer: p?.mps ?? null, ratio: ratio(o.mps, p?.mps ?? null), target: 1, note });
    rows.push({ name, unit: "MB/s", ours: o.mbs, peer: p?.mbs ?? null, ratio: ratio(o.mbs, p?.mbs ?? null) });
    rows.push({ name: `${name} lost`, unit: "msgs", ours: o.failed ? null : o.lost, peer: p ? p.lost : null, ratio: null });
  });
  return rows;
}

export async function relayFanout(quick: boolean): Promise<Row[]> {
  const rows: Row[] = [];
  const n = quick ? 1000 : 10000;
  const size: Size = { label: "128 B", bytes: 128, chunked: false, n };
  const b = budget(quick);
  for (const k of [1, 3, 6, 7]) {
    const name = `MSRP fan-out to ${k} recipients`;
    let chat: Chat | undefined;
    try {
      chat = await startChatWith(k + 1);
      const [a, ...rcv] = chat.members;
      if (!a || rcv.length === 0) throw new Error(`members refused: ${chat.refused.join("; ")}`);
      a.msrp!.keepFrames = false;
      const rx = rcv.map((m) => { m.msrp!.keepFrames = false; const r = new Receiver(size.bytes); m.onFrame = (f) => r.frame(f); return r; });
      const o = await measureRun(a.msrp!, a.hostPath, rx, { ...size, n }, quick);
      const note = `${rcv.length} of ${k} recipients joined${chat.refused.length ? ` (refused: ${chat.refused.join("; ")})` : ""}; 128 B, W=${W}, N=${n}, budget ${b.sendMs} ms; ${o.note}; lost ${o.lost} (all recipients)`;
      rows.push({ name, unit: "msgs/s per recipient", ours: o.mps, peer: null, ratio: null, note });
      rows.push({ name: `${name} p50 latency`, unit: "ms", ours: o.p50 ?? null, peer: null, ratio: null });
      rows.push({ name: `${name} p99 latency`, unit: "ms", ours: o.p99 ?? null, peer: null, ratio: null });
    } catch (e) {
      rows.push({ name, unit: "msgs/s per recipient", ours: null, peer: null, ratio: null, note: `run failed: ${(e as Error).message}` });
    } finally { await chat?.close(); }
  }
  return rows;
}

// ------------------------------------------------------------------------------------ standalone

function printRows(rows: Row[]): void {
  const fmt = (v: number | null | undefined): string => v == null ? "n/a" : v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toPrecision(3);
  const t = rows.map((r) => [r.name, r.unit, fmt(r.ours), fmt(r.peer), r.ratio == null ? "n/a" : r.ratio.toFixed(2) + "x"]);
  const head = ["benchmark", "unit", "ours", "peer", "ours/peer"];
  const w = head.map((h, i) => Math.max(h.length, ...t.map((r) => r[i].length)));
  const line = (c: string[]) => c.map((s, i) => (i >= 2 ? s.padStart(w[i]) : s.padEnd(w[i]))).join("  ");
  console.log(line(head) + "\n" + w.map((x) => "-".repeat(x)).join("  "));
  for (const r of t) console.log(line(r));
  console.log("\nnotes:");
  for (const r of rows) if (r.note) console.log(`  ${r.name}: ${r.note}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const quick = process.argv.includes("--quick") || process.env.BENCH_QUICK === "1";
  const t0 = Date.now();
  const rows = [...await relayHop(quick), ...await relayFanout(quick)];
  printRows(rows);
  console.log(`\n${quick ? "quick" : "full"} run, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  process.exit(0);
}
