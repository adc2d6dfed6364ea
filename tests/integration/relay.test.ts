// The chat host's relay under load and unkind peers (issue 10), real sockets on loopback:
//   - a member sends 20 000 small messages and 200 x 64 KiB through the host to three others as
//     fast as the API lets it: every member gets every message that got a 200, exactly once, in
//     order; the same from a raw MSRP client that ignores flow control (writes as fast as TCP
//     takes) — RFC 4975 §7.1.2: a 200 means the host has the bytes;
//   - a member that stops reading is evicted within the stall limit ("left" with a reason for
//     everyone) while the others' messages keep flowing;
//   - a '+' chunk never continued (aborted at the idle limit: '#' to the recipients, REPORT 408
//     to the sender, others' messages delivered meanwhile), a Byte-Range gap, an overlap, a
//     total mismatch, '#' then more (§7.1: no further chunks), a total past max-size: each gets
//     its code at once (400/413), no partial message is shown as whole;
//   - the host killed (SIGKILL): every participant emits "ended" at once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startServer, type RunningServer } from "../../host/server.ts";
import { startChat, type ChatAgent, type ChatEvent } from "../../host/chat.ts";
import { joinRaw, type RawMember, type Frame } from "./raw_member.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const D = "example.test";

async function until<T>(f: () => T | undefined | false, what: string, ms = 10_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = f();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() - t0 > ms) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Member { name: string; aor: string; agent: ChatAgent; events: ChatEvent[] }
const texts = (m: Member) => m.events.filter((e): e is Extract<ChatEvent, { event: "message" }> => e.event === "message").map((e) => e.text);

async function chat(opts: { members: string[]; raw?: string[]; stallMs?: number; idleMs?: number }): Promise<{
  srv: RunningServer; host: Member; members: Member[]; raws: RawMember[]; close(): Promise<void>;
}> {
  const srv = await startServer({ listen: "127.0.0.1:0", domain: D });
  const mk = async (name: string, host: boolean): Promise<Member> => {
    const m: Member = { name, aor: `sip:${name}@${D}`, agent: undefined as unknown as ChatAgent, events: [] };
    m.agent = await startChat({ aor: m.aor, server: srv.sip, host, stallMs: opts.stallMs, idleMs: opts.idleMs, onEvent: (e) => m.events.push(e) });
    return m;
  };
  const host = await mk("bob", true);
  const members: Member[] = [];
  for (const n of opts.members) members.push(await mk(n, false));
  for (const m of [host, ...members]) await until(() => m.events.some((e) => e.event === "registered"), `${m.name} registered`);
  const raws: RawMember[] = [];
  for (const n of opts.raw ?? []) raws.push(await joinRaw({ aor: `sip:${n}@${D}`, server: srv.sip }));
  for (const m of members) {
    assert.equal(host.agent.invite(m.aor), 0);
    await until(() => m.events.some((e) => e.event === "joined" && e.member === m.aor), `${m.name} joined`);
  }
  for (const r of raws) {
    assert.equal(host.agent.invite(r.aor), 0);
    await r.joined;
    await until(() => host.events.some((e) => e.event === "joined" && e.member === r.aor), `${r.aor} joined`);
  }
  const close = async () => {
    for (const r of raws) r.close();
    for (const m of [...members, host]) await m.agent.close();
    await srv.close();
  };
  return { srv, host, members, raws, close };
}

/** Messages a raw member received, reassembled by Message-ID, in the order they completed. */
function rawMessages(r: RawMember): string[] {
  const parts = new Map<string, Buffer[]>();
  const done: string[] = [];
  for (const f of r.frames) {
    if (f.kind !== "request" || f.method !== "SEND") continue;
    const id = f.headers.get("message-id") ?? "";
    const l = parts.get(id) ?? [];
    l.push(f.body);
    parts.set(id, l);
    if (f.flag === "$") {
      const whole = Buffer.concat(l).toString("utf8");
      // roster notices (RFC 4575 in CPIM) are not chat messages
      if (!/Content-Type: application\/conference-info\+xml/i.test(whole)) done.push(cpimContent(whole));
      parts.delete(id);
    }
    if (f.flag === "#") parts.delete(id);
  }
  return done;
}
const cpimContent = (s: string) => { const a = s.indexOf("\r\n\r\n"); const b = s.indexOf("\r\n\r\n", a + 4); return b < 0 ? s : s.slice(b + 4); };

test("load: 20 000 small + 200 x 64 KiB through the host to three others, every acknowledged message once, in order", { timeout: 120_000 }, async () => {
  const c = await chat({ members: ["alice", "tom", "carol"], raw: ["raw"] });
  try {
    const [alice, tom, carol] = c.members;
    const raw = c.raws[0];
    const small = Array.from({ length: Number(process.env.RELAY_N ?? 20_000) }, (_, i) => `m${String(i).padStart(5, "0")}`);
    const bigs = Array.from({ length: 200 }, (_, i) => String.fromCharCode(65 + (i % 26)).repeat(64 * 1024 - 8) + String(i).padStart(8, "0"));
    const errors: unknown[] = [];
    // as fast as the API lets it: every send is queued at once; each resolves once the core took it
    const sends = [...small, ...bigs].map((t) => alice.agent.send(t).catch((e) => errors.push(e)));
    await Promise.all(sends);
    const want = [...small, ...bigs];
    for (const m of [c.host, tom, carol]) {
      await until(() => texts(m).length >= want.length, `${m.name} got ${want.length}`, 90_000).catch((e) => {
        console.log("DEBUG", [c.host, alice, tom, carol].map((x) => `${x.name}: ${texts(x).length} msgs, events ${JSON.stringify(x.events.filter((e) => e.event !== "message").slice(-6))}`).join("\n"), "missing", want.filter((w) => !texts(tom).includes(w)).map((w) => w.length + ":" + w.slice(-8)).join(","), "raw", rawMessages(raw).length, "errors", errors.length, String(errors[0]), JSON.stringify(alice.events.filter((e) => e.event === "error").slice(0, 3)));
        throw e;
      });
    }
    await until(() => rawMessages(raw).length >= want.length, "raw got all", 30_000);
    for (const got of [texts(c.host), texts(tom), texts(carol), rawMessages(raw)]) {
      assert.equal(got.length, want.length, "exactly once");
      for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) assert.fail(`message ${i} out of order or damaged`);
    }
    assert.deepEqual(errors, [], "the sender saw no error");
    assert.equal(alice.events.filter((e) => e.event === "error").length, 0);
    assert.equal(c.host.events.filter((e) => e.event === "error").length, 0, "no error at the host");
  } finally { await c.close(); }
});

test("load: a raw sender that ignores flow control — every 200 is a delivery to every member", { timeout: 120_000 }, async () => {
  const c = await chat({ members: ["tom", "carol"], raw: ["raw"] });
  try {
    const [tom, carol] = c.members;
    const raw = c.raws[0];
    const N = 20_000;
    const tids: string[] = [];
    for (let i = 0; i < N; i++) tids.push(raw.send(`r${String(i).padStart(5, "0")}`, { ctype: "text/plain" }));   // no window, no waiting
    await until(() => tids.every((t) => raw.responses.has(t)), "every SEND answered", 60_000);
    const ok = tids.map((t) => raw.responses.get(t));
    assert.equal(ok.filter((s) => s !== 200).length, 0, "every SEND got 200 (TCP flow control, no refusal)");
    const want = Array.from({ length: N }, (_, i) => `r${String(i).padStart(5, "0")}`);
    for (const m of [c.host, tom, carol]) await until(() => texts(m).length >= N, `${m.name} got all`, 60_000);
    for (const m of [c.host, tom, carol]) assert.deepEqual(texts(m), want, `${m.name}: every acknowledged message once, in order`);
  } finally { await c.close(); }
});

test("a member that stops reading is evicted within the stall limit; the others keep getting messages", { timeout: 60_000 }, async () => {
  const c = await chat({ members: ["alice", "tom"], raw: ["slow"], stallMs: 1500 });
  try {
    const [alice, tom] = c.members;
    const slow = c.raws[0];
    slow.sock!.pause();                      // reads nothing more: no 200s, TCP window fills
    const body = "x".repeat(1000);
    const n = 300;
    const t0 = Date.now();
    const sends = Array.from({ length: n }, (_, i) => alice.agent.send(`${i} ${body}`));
    await Promise.all(sends);
    await until(() => texts(tom).length >= n, "tom got every message", 30_000);
    const ev = await until(() => c.host.events.find((e) => e.event === "left" && e.member === slow.aor), "slow evicted", 10_000);
    assert.ok(ev.event === "left" && ev.reason && /stall/.test(ev.reason) && ev.code === 408, `left with a reason: ${JSON.stringify(ev)}`);
    // everyone else is told (roster notice, RFC 4575)
    for (const m of [alice, tom]) await until(() => m.events.some((e) => e.event === "left" && e.member === slow.aor), `${m.name} told`);
    assert.ok(Date.now() - t0 < 20_000, "evicted in bounded time");
    assert.deepEqual(texts(tom), Array.from({ length: n }, (_, i) => `${i} ${body}`));
    // the chat goes on without it
    await alice.agent.send("after");
    await until(() => texts(tom).includes("after"), "after eviction");
  } finally { await c.close(); }
});

const cpim = (from: string, text: string) => `From: <${from}>\r\nTo: <sip:bob@${D}>\r\n\r\nContent-Type: text/plain\r\n\r\n${text}`;

test("hostile chunks: '+' never continued, gap, overlap, total mismatch, '#' then more, past max-size", { timeout: 60_000 }, async () => {
  const c = await chat({ members: ["alice", "tom"], raw: ["evil"], idleMs: 1000 });
  try {
    const [alice, tom] = c.members;
    const evil = c.raws[0];
    const from = evil.aor;
    const body = Buffer.from(cpim(from, "A".repeat(200)));
    const T = body.length;
    const half = 100;
    const part = (a: number, b: number) => body.subarray(a - 1, b);
    const reply = (tid: string) => evil.msrp!.waitResponse(tid, 5000);

    // '+' never continued: 200 now; others' messages pass meanwhile; after the idle limit the
    // recipients see '#' (never a message), the sender a REPORT 408
    const stuck = evil.send(part(1, half), { ctype: "message/cpim", msgId: "stuck0001", range: `1-${half}/${T}`, flag: "+" });
    assert.equal(await reply(stuck), 200);
    await alice.agent.send("while stuck");
    await until(() => texts(tom).includes("while stuck"), "others flow while a message is unfinished");
    const rep = await until(() => evil.frames.find((f: Frame) => f.method === "REPORT" && f.headers.get("message-id") === "stuck0001"), "REPORT for the stuck message", 5000);
    assert.match(rep.headers.get("status") ?? "", /^000 408/);
    await until(() => tom.events.some((e) => e.event === "error" && (e as { name?: string }).name === "message_interrupted"), "tom: the stuck copy ended with '#'");

    // a gap, an overlap, a total that changes: 400 at once
    const cases: Array<[string, [number, number, string, string]]> = [
      ["gap0001", [half + 11, T, `${half + 11}-${T}/${T}`, "$"]],
      ["ovl0001", [half - 9, T, `${half - 9}-${T}/${T}`, "$"]],
      ["tot0001", [half + 1, T, `${half + 1}-${T}/${T + 5}`, "$"]],
    ];
    for (const [id, [a, b, range, flag]] of cases) {
      const first = evil.send(part(1, half), { ctype: "message/cpim", msgId: id, range: `1-${half}/${T}`, flag: "+" });
      assert.equal(await reply(first), 200, `${id}: first chunk`);
      const bad = evil.send(part(a, b), { ctype: "message/cpim", msgId: id, range, flag: flag as "$" });
      assert.equal(await reply(bad), 400, `${id}: refused at once`);
    }
    // '#' then the rest: the rest is refused (RFC 4975 §7.1: '#' = no further chunks)
    const h1 = evil.send(part(1, half), { ctype: "message/cpim", msgId: "hash0001", range: `1-${half}/*`, flag: "#" });
    assert.equal(await reply(h1), 200);
    const h2 = evil.send(part(half + 1, T), { ctype: "message/cpim", msgId: "hash0001", range: `${half + 1}-${T}/${T}`, flag: "$" });
    assert.equal(await reply(h2), 400);
    // a total past the default a=max-size (16 MiB)
    const big = evil.send(part(1, half), { ctype: "message/cpim", msgId: "big00001", range: `1-${half}/99999999999`, flag: "+" });
    assert.equal(await reply(big), 413);

    // none of these was shown to anyone as a message; a good one still goes through
    const good = evil.send(body, { ctype: "message/cpim", msgId: "good0001" });
    assert.equal(await reply(good), 200);
    await until(() => texts(tom).some((t) => t === "A".repeat(200)), "the good one arrives");
    assert.equal(texts(tom).filter((t) => t.startsWith("A")).length, 1, "only the complete message is shown");
    assert.equal(texts(alice).filter((t) => t.startsWith("A")).length <= 1, true);
  } finally { await c.close(); }
});

test("host killed (SIGKILL): each participant emits ended at once", { timeout: 60_000 }, async () => {
  const srv = await startServer({ listen: "127.0.0.1:0", domain: D });
  const ps: Member[] = [];
  const child = spawn(process.execPath, ["--import", "tsx", "host/cli.ts", "chat", "--aor", `sip:bob@${D}`, "--server", srv.sip,
    "--json", "--host", "--invite", `sip:tom@${D},sip:alice@${D}`], { cwd: repoRoot, stdio: ["pipe", "pipe", "pipe"] });
  try {
    for (const n of ["tom", "alice"]) {
      const m: Member = { name: n, aor: `sip:${n}@${D}`, agent: undefined as unknown as ChatAgent, events: [] };
      m.agent = await startChat({ aor: m.aor, server: srv.sip, onEvent: (e) => m.events.push(e) });
      ps.push(m);
    }
    for (const m of ps) await until(() => m.events.some((e) => e.event === "joined" && e.member === m.aor), `${m.name} joined`, 20_000);
    const t0 = Date.now();
    child.kill("SIGKILL");
    for (const m of ps) {
      const e = await until(() => m.events.find((x) => x.event === "ended"), `${m.name} ended`, 5000);
      assert.ok(Date.now() - t0 < 2000, `${m.name}: ended within a second or two (${Date.now() - t0} ms)`);
      assert.ok(e.event === "ended" && typeof e.reason === "string" && e.reason.length > 0, "with a reason");
    }
  } finally {
    child.kill("SIGKILL");
    for (const m of ps) await m.agent.close();
    await srv.close();
  }
});
