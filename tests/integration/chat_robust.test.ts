// Bad input at a running chat (issue 5, STYLE "bad input gets a protocol answer"): junk and
// mutated MSRP on the host's MSRP port, a SEND for an unknown session, a truncated frame, an
// INVITE whose SDP has no usable MSRP stream. Each gets its answer (481, a closed connection,
// 488), the core's memory never grows, and the chat goes on for the members.
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { startServer } from "../../host/server.ts";
import { startChat, type ChatAgent, type ChatEvent } from "../../host/chat.ts";
import { splitAddr } from "../../host/shim.ts";

async function until<T>(f: () => T | undefined, what: string, ms = 5000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Writes bytes to a fresh connection to addr; collects what comes back until it closes or ms pass. */
function poke(addr: string, chunks: Buffer[], ms = 400): Promise<{ reply: string; closed: boolean }> {
  const a = splitAddr(addr);
  return new Promise((res) => {
    const s = net.connect({ host: a.host, port: a.port });
    let reply = "", closed = false;
    s.on("data", (d) => { reply += d.toString("latin1"); });
    s.on("error", () => { /* reset counts as closed */ });
    s.on("close", () => { closed = true; });
    s.on("connect", async () => {
      for (const c of chunks) { s.write(c); await new Promise((r) => setTimeout(r, 2)); }
    });
    setTimeout(() => { const c = closed; s.destroy(); res({ reply, closed: c }); }, ms);
  });
}

function send(tid: string, to: string, from: string, body: string, ctype = "message/cpim", end = "$"): Buffer {
  return Buffer.from(`MSRP ${tid} SEND\r\nTo-Path: ${to}\r\nFrom-Path: ${from}\r\nMessage-ID: m${tid}\r\nByte-Range: 1-${body.length}/${body.length}\r\nContent-Type: ${ctype}\r\n\r\n${body}\r\n-------${tid}${end}\r\n`, "latin1");
}

test("chat host under bad MSRP input: 481 / close, no memory growth, the chat goes on", { timeout: 60_000 }, async () => {
  const srv = await startServer({ listen: "127.0.0.1:0", domain: "example.test" });
  const ev: Record<string, ChatEvent[]> = { bob: [], tom: [] };
  const agents: ChatAgent[] = [];
  try {
    const mk = async (n: string, host: boolean) => {
      const a = await startChat({ aor: `sip:${n}@example.test`, server: srv.sip, host, onEvent: (e) => ev[n].push(e) });
      agents.push(a);
      return a;
    };
    const bob = await mk("bob", true), tom = await mk("tom", false);
    await until(() => ev.bob.some((e) => e.event === "registered") && ev.tom.some((e) => e.event === "registered"), "registered");
    bob.invite("sip:tom@example.test");
    await until(() => ev.bob.some((e) => e.event === "joined"), "tom joined");
    const mem0 = bob.core.byteLength();
    const bobPath = `msrp://${bob.msrp}/nosuchsession;tcp`;
    const fake = "msrp://127.0.0.1:9/fakesess;tcp";

    // §7.3: a SEND for a session the host does not have -> 481, the connection stays usable
    const r481 = await poke(bob.msrp, [send("t481a", bobPath, fake, "hello")]);
    assert.match(r481.reply, /^MSRP t481a 481 /, r481.reply);

    // framing errors: no way to resync (§9) -> the connection is closed, nothing else happens
    for (const junk of ["GET / HTTP/1.1\r\nHost: x\r\n\r\n", "MSRP x SEND\r\n\r\n-------x$\r\n", "MSRP abcd SEND\nTo-Path: x\n\n", "\x00\x01\x02\xff".repeat(100)]) {
      const r = await poke(bob.msrp, [Buffer.from(junk, "latin1")]);
      assert.ok(r.closed || r.reply === "" || /^MSRP \S+ (400|481)/.test(r.reply), `junk ${JSON.stringify(junk.slice(0, 20))}: ${r.reply}`);
    }
    // a header section larger than the connection buffer -> closed, never a trap
    const huge = Buffer.from(`MSRP big1 SEND\r\nTo-Path: ${bobPath}\r\nFrom-Path: ${fake}\r\nX-Pad: ${"a".repeat(20000)}\r\n`, "latin1");
    const rh = await poke(bob.msrp, [huge]);
    assert.ok(rh.closed || /^MSRP big1 (400|413|481)/.test(rh.reply));
    // mutated copies of a valid SEND, split at random points
    const base = send("mut1", bobPath, fake, "From: <sip:x@example.test>\r\nTo: <sip:bob@example.test>\r\n\r\nContent-Type: text/plain\r\n\r\nhi");
    let seed = 7;
    const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
    for (let k = 0; k < 40; k++) {
      const m = Buffer.from(base);
      for (let j = 0; j < 1 + rnd(4); j++) m[rnd(m.length)] = rnd(256);
      const cut = rnd(m.length);
      await poke(bob.msrp, [m.subarray(0, cut), m.subarray(cut)], 60);
    }
    // a truncated frame, then the peer goes away
    await poke(bob.msrp, [send("trunc1", bobPath, fake, "x".repeat(3000)).subarray(0, 1500)], 60);

    assert.equal(bob.core.byteLength(), mem0, "the host's memory never grows");
    // the chat goes on: Bob's message reaches Tom, Tom's reaches Bob
    await bob.send("still chatting");
    await until(() => ev.tom.find((e) => e.event === "message" && e.text === "still chatting"), "bob -> tom after the junk");
    await tom.send("me too");
    await until(() => ev.bob.find((e) => e.event === "message" && e.text === "me too"), "tom -> bob after the junk");
    assert.equal(bob.members(), 1);
  } finally {
    for (const a of agents) await a.close();
    await srv.close();
  }
});
