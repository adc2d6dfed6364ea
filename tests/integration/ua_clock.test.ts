// The UA role sans-I/O on a fake clock (no sockets): REGISTER refresh before expiry (§10.2.4),
// 423 -> retry with Min-Expires (§10.2.8), REGISTER timeout (Timer F -> 408 event), OPTIONS
// -> 200, unknown dialog BYE -> 481, unsupported method -> 405.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadCore, type Core } from "../../host/loader.ts";

interface X {
  uaInit(a: number, s: number, l: number, t: number, e: number, lo: number, hi: number, now: number): number;
  onDatagram(sock: number, fromLen: number, len: number, now: number): number;
  onTimer(now: number): void; nextDeadline(): number;
  uaCommand(op: number, a: number, b: number, now: number): number; uaState(): number;
  outboxLen(): number; outboxReset(): void; outboxPtr(): number;
}
const SRV = "127.0.0.1:5060", ME = "127.0.0.1:5070";

function setup(expires = 300): { core: Core; x: X; out: () => { sends: string[]; events: Record<string, unknown>[] }; feed: (msg: string, now: number) => void; put: (...p: string[]) => number[] } {
  const core = loadCore(process.env.SIMPLE_IM_AGENT_WASM ?? undefined);
  const x = core.exports as unknown as X;
  const put = (...parts: string[]) => { let o = core.inbox; return parts.map((p) => { const b = Buffer.from(p, "latin1"); core.mem.set(b, o); o += b.length; return b.length; }); };
  const out = () => {
    const dv = new DataView(core.mem.buffer); const base = x.outboxPtr(), len = x.outboxLen();
    const sends: string[] = [], events: Record<string, unknown>[] = [];
    for (let p = base; p + 16 <= base + len;) {
      const op = dv.getUint32(p, true), al = dv.getUint32(p + 8, true), dl = dv.getUint32(p + 12, true);
      const data = Buffer.from(core.mem.subarray(p + 16 + al, p + 16 + al + dl)).toString("latin1");
      if (op === 1 || op === 2) sends.push(data); else if (op === 5) events.push(JSON.parse(data));
      p += (16 + al + dl + 3) & ~3;
    }
    x.outboxReset();
    return { sends, events };
  };
  const [a, s, l] = put("sip:alice@example.test", SRV, ME);
  assert.equal(x.uaInit(a, s, l, 0, expires, 1, 2, 0), 0);
  const feed = (msg: string, now: number) => { const [f, n] = put(SRV, msg); x.onDatagram(0, f, n, now); };
  return { core, x, out, feed, put };
}
const hdr = (m: string, name: string) => (m.match(new RegExp(`^${name}:\\s*(.*)$`, "mi")) ?? [])[1] ?? "";
function answer(req: string, code: number, reason: string, extra: string[] = []): string {
  const keep = req.split("\r\n").filter((l) => /^(Via|From|To|Call-ID|CSeq):/i.test(l));
  return [`SIP/2.0 ${code} ${reason}`, ...keep.map((l) => /^To:/i.test(l) && !/tag=/.test(l) ? l + ";tag=srv1" : l), ...extra, "Content-Length: 0", "", ""].join("\r\n");
}

test("UA REGISTER: refresh before expiry, same Call-ID, CSeq + 1", () => {
  const { x, out, feed, core } = setup(300);
  const mem = core.byteLength();
  const r1 = out().sends;
  assert.equal(r1.length, 1);
  assert.match(r1[0], /^REGISTER sip:example\.test SIP\/2\.0\r\n/);
  assert.equal(hdr(r1[0], "Expires"), "300");
  assert.equal(hdr(r1[0], "Contact"), `<sip:alice@${ME}>`);
  assert.equal(x.nextDeadline(), 500, "Timer E over UDP");
  feed(answer(r1[0], 200, "OK", [`Contact: <sip:alice@${ME}>;expires=120`]), 100);
  const o = out();
  assert.deepEqual(o.events, [{ event: "registered", expires: 120 }]);
  assert.equal(x.nextDeadline(), 100 + 5000, "Timer K ends the transaction");
  x.onTimer(100 + 5000); assert.equal(out().sends.length, 0);
  // §10.2.4: refresh at max(120/2, 120 - 32) s = 88 s after the 200
  assert.equal(x.nextDeadline(), 100 + 88000);
  x.onTimer(100 + 87999); assert.equal(out().sends.length, 0);
  x.onTimer(100 + 88000);
  const r2 = out().sends;
  assert.equal(r2.length, 1);
  assert.equal(hdr(r2[0], "Call-ID"), hdr(r1[0], "Call-ID"));
  assert.equal(hdr(r2[0], "CSeq"), "2 REGISTER");
  assert.equal(core.byteLength(), mem);
});

test("UA REGISTER: 423 -> retry with Min-Expires; no answer -> Timer F -> 408 event", () => {
  const { x, out, feed } = setup(30);
  const r1 = out().sends[0];
  feed(answer(r1, 423, "Interval Too Brief", ["Min-Expires: 60"]), 10);
  const r2 = out().sends;
  assert.equal(r2.length, 1);
  assert.equal(hdr(r2[0], "Expires"), "60");
  // no answer: retransmissions at 500, 1500, 3500, 7500, 11500 ... until Timer F (32 s)
  let now = 10, sends = 0; const events: Record<string, unknown>[] = [];
  for (let i = 0; i < 100 && x.nextDeadline() >= 0; i++) { now = x.nextDeadline(); x.onTimer(now); const o = out(); sends += o.sends.length; events.push(...o.events); if (events.length) break; }
  assert.ok(sends >= 6, `retransmitted ${sends}`);
  assert.deepEqual(events, [{ event: "error", code: 408, reason: "Request Timeout" }]);
  assert.equal(Math.round(now - 10), 32000);
});

test("UA UAS: OPTIONS 200 with Allow, BYE for no dialog 481, SUBSCRIBE 405", () => {
  const { out, feed } = setup();
  out();
  const req = (m: string, toTag = "") => [`${m} sip:alice@${ME} SIP/2.0`, `Via: SIP/2.0/UDP ${SRV};branch=z9hG4bK-${m}`, "Max-Forwards: 69",
    "From: <sip:bob@example.test>;tag=b1", `To: <sip:alice@example.test>${toTag}`, `Call-ID: c-${m}`, `CSeq: 1 ${m}`, "Content-Length: 0", "", ""].join("\r\n");
  feed(req("OPTIONS"), 1);
  let s = out().sends; assert.match(s[0], /^SIP\/2\.0 200 /); assert.match(hdr(s[0], "Allow"), /INVITE/);
  feed(req("BYE", ";tag=nope"), 2);
  s = out().sends; assert.match(s[0], /^SIP\/2\.0 481 /);
  feed(req("SUBSCRIBE"), 3);
  s = out().sends; assert.match(s[0], /^SIP\/2\.0 405 /); assert.match(hdr(s[0], "Allow"), /BYE/);
});

test("UA: truncated and mutated INVITEs and responses give answers or drops, never a trap", () => {
  const { x, out, feed, core } = setup();
  const mem = core.byteLength();
  out();
  const sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=message 7001 TCP/MSRP *\r\na=accept-types:text/plain\r\na=path:msrp://127.0.0.1:7001/s1;tcp\r\n";
  const inv = (cid: string) => [`INVITE sip:alice@${ME} SIP/2.0`, `Via: SIP/2.0/UDP ${SRV};branch=z9hG4bK-srv${cid}`, `Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK-b${cid};received=127.0.0.1`,
    "Max-Forwards: 69", `Record-Route: <sip:${SRV};lr>`, "From: <sip:bob@example.test>;tag=b1", "To: <sip:alice@example.test>", `Call-ID: ${cid}`, "CSeq: 1 INVITE",
    "Contact: <sip:bob@127.0.0.1:5080>", "Content-Type: application/sdp", `Content-Length: ${sdp.length}`, "", sdp].join("\r\n");
  const good = inv("fz0");
  feed(good, 1);
  const o = out();
  assert.match(o.sends[0], /^SIP\/2\.0 180 /);
  assert.equal(hdr(o.sends[0], "Record-Route"), `<sip:${SRV};lr>`);
  assert.equal(o.events[0].event, "invited");
  let seed = 7;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) >>> 0; return seed % n; };
  const samples = [good, answer(good, 200, "OK"), answer(good, 486, "Busy Here"), inv("fz1")];
  for (const m of samples) {
    for (let cut = 0; cut < m.length; cut += 7) { feed(m.slice(0, cut) || "X", 2); out(); }
    for (let k = 0; k < 300; k++) {
      const b = Buffer.from(m, "latin1");
      for (let j = 0; j < 1 + rnd(4); j++) b[rnd(b.length)] = [0, 10, 13, 32, 58, 59, 60, 62, 255, rnd(256)][rnd(10)];
      feed(b.toString("latin1"), 3); out();
    }
  }
  for (let t = 0; t < 50 && x.nextDeadline() >= 0; t++) { x.onTimer(x.nextDeadline()); out(); }
  assert.equal(core.byteLength(), mem);
});

test("UA UAS over UDP: our 200 is re-sent at T1, 2T1 .. until the ACK (§13.3.1.4)", () => {
  const { x, out, feed, put } = setup();
  out();
  const sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=message 7001 TCP/MSRP *\r\na=accept-types:text/plain\r\na=path:msrp://127.0.0.1:7001/s1;tcp\r\n";
  const inv = [`INVITE sip:alice@${ME} SIP/2.0`, `Via: SIP/2.0/UDP ${SRV};branch=z9hG4bK-srvX`, "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK-bX",
    "Max-Forwards: 69", `Record-Route: <sip:${SRV};lr>`, "From: <sip:bob@example.test>;tag=b1", "To: <sip:alice@example.test>", "Call-ID: rx1", "CSeq: 1 INVITE",
    "Contact: <sip:bob@127.0.0.1:5080>", "Content-Type: application/sdp", `Content-Length: ${sdp.length}`, "", sdp].join("\r\n");
  feed(inv, 1000);
  assert.match(out().sends[0], /^SIP\/2\.0 180 /);
  // a retransmitted INVITE gets the 180 again, no second "invited"
  feed(inv, 1100);
  let o = out(); assert.match(o.sends[0], /^SIP\/2\.0 180 /); assert.equal(o.events.length, 0);
  const [n] = put(sdp.replace("7001", "7002"));
  assert.equal(x.uaCommand(3, n, 0, 2000), 0);
  const ok = out().sends[0];
  assert.match(ok, /^SIP\/2\.0 200 /);
  assert.equal(hdr(ok, "Record-Route"), `<sip:${SRV};lr>`);
  assert.equal(hdr(ok, "Contact"), `<sip:alice@${ME}>`);
  const tag = /tag=([^;\s]+)/.exec(hdr(ok, "To"))![1];
  // (the unanswered REGISTER retransmits meanwhile: look at responses only)
  const fire = (t: number) => { x.onTimer(t); return out().sends.filter((m) => m.startsWith("SIP/2.0 200")); };
  assert.deepEqual(fire(2499), []);
  assert.deepEqual(fire(2500), [ok]);
  assert.deepEqual(fire(3499), []);
  assert.deepEqual(fire(3500), [ok]);
  assert.deepEqual(fire(5499), []);
  const ack = [`ACK sip:alice@${ME} SIP/2.0`, `Via: SIP/2.0/UDP ${SRV};branch=z9hG4bK-srvA`, "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK-bA",
    "Max-Forwards: 69", "From: <sip:bob@example.test>;tag=b1", `To: <sip:alice@example.test>;tag=${tag}`, "Call-ID: rx1", "CSeq: 1 ACK", "Content-Length: 0", "", ""].join("\r\n");
  feed(ack, 4000);
  o = out(); assert.equal(o.sends.length, 0); assert.deepEqual(o.events, [{ event: "acked", via: 2 }]);
  assert.equal(x.uaState(), 4);
  assert.deepEqual(fire(5500), [], "no more 200 re-sends after the ACK");
  assert.deepEqual(fire(9500), []);
});
