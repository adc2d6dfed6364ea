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
  uaCommandCall(op: number, call: number, a: number, b: number, now: number): number; uaLastCall(): number;
  uaStateOf(call: number): number; uaCalls(): number;
  uaJsonEvents(on: number): void; uaEvPop(): number; uaEvCall(): number; uaEvCode(): number;
  uaEvPtr(): number; uaEvLen(): number; uaEvAuxPtr(): number; uaEvAuxLen(): number;
  uaPeerPtr(call: number): number; uaPeerLen(call: number): number;
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
  o = out(); assert.equal(o.sends.length, 0); assert.deepEqual(o.events, [{ event: "acked", call: 256, via: 2 }]);
  assert.equal(x.uaState(), 4);
  assert.deepEqual(fire(5500), [], "no more 200 re-sends after the ACK");
  assert.deepEqual(fire(9500), []);
});

// ---- several calls at once -------------------------------------------------------------------

const SDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=message 7001 TCP/MSRP *\r\na=accept-types:text/plain\r\na=path:msrp://127.0.0.1:7001/s1;tcp\r\n";
/** An INVITE from "user" through the server, Call-ID cid. */
const invite = (cid: string, user = "bob", cseq = 1) => [`INVITE sip:alice@${ME} SIP/2.0`, `Via: SIP/2.0/UDP ${SRV};branch=z9hG4bK-s${cid}`,
  `Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK-b${cid}`, "Max-Forwards: 69", `Record-Route: <sip:${SRV};lr>`,
  `From: <sip:${user}@example.test>;tag=f${cid}`, "To: <sip:alice@example.test>", `Call-ID: ${cid}`, `CSeq: ${cseq} INVITE`,
  `Contact: <sip:${user}@127.0.0.1:5080>`, "Content-Type: application/sdp", `Content-Length: ${SDP.length}`, "", SDP].join("\r\n");
/** An in-dialog request (ACK / BYE) for the call with Call-ID cid whose 2xx carried To tag `tag`. */
const inDialog = (m: string, cid: string, tag: string, cseq: number) => [`${m} sip:alice@${ME} SIP/2.0`, `Via: SIP/2.0/UDP ${SRV};branch=z9hG4bK-${m}${cid}`,
  `Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK-b${m}${cid}`, "Max-Forwards: 69", `From: <sip:bob@example.test>;tag=f${cid}`,
  `To: <sip:alice@example.test>;tag=${tag}`, `Call-ID: ${cid}`, `CSeq: ${cseq} ${m}`, "Content-Length: 0", "", ""].join("\r\n");
const cancel = (cid: string) => [`CANCEL sip:alice@${ME} SIP/2.0`, `Via: SIP/2.0/UDP ${SRV};branch=z9hG4bK-s${cid}`, "Max-Forwards: 69",
  `From: <sip:bob@example.test>;tag=f${cid}`, "To: <sip:alice@example.test>", `Call-ID: ${cid}`, "CSeq: 1 CANCEL", "Content-Length: 0", "", ""].join("\r\n");
const status = (m: string) => Number(/^SIP\/2\.0 (\d+)/.exec(m)?.[1] ?? 0);
const toTag = (m: string) => /tag=([^;\s]+)/.exec(hdr(m, "To"))?.[1] ?? "";

test("UA multi-call UAS: two INVITEs ring at once; answer, retransmissions, ACK and BYE each reach their own call", () => {
  const { x, out, feed, put, core } = setup();
  const mem = core.byteLength();
  out();
  feed(invite("c1", "bob"), 10);
  feed(invite("c2", "carol"), 20);
  const o = out();
  assert.deepEqual(o.sends.map((m) => `${status(m)} ${hdr(m, "Call-ID")}`), ["180 c1", "180 c2"]);
  const [i1, i2] = o.events;
  assert.equal(i1.event, "invited"); assert.equal(i2.event, "invited");
  assert.equal(i1.from, "sip:bob@example.test"); assert.equal(i2.from, "sip:carol@example.test");
  const c1 = i1.call as number, c2 = i2.call as number;
  assert.notEqual(c1, c2);
  assert.equal(x.uaCalls(), 2);
  assert.deepEqual([x.uaStateOf(c1), x.uaStateOf(c2)], [3, 3]);
  assert.equal(x.uaState(), 3);
  // accept the FIRST call by handle (uaCommand would take the most recent, c2)
  const [n] = put(SDP.replace("7001", "7002"));
  assert.equal(x.uaCommandCall(3, c1, n, 0, 100), 0);
  const ok1 = out().sends[0];
  assert.equal(status(ok1), 200); assert.equal(hdr(ok1, "Call-ID"), "c1");
  assert.match(ok1, /m=message 7002/);
  // reject the second with the compatible command (most recent ringing call = c2)
  assert.equal(x.uaCommand(4, 603, 0, 110), 0);
  const rj = out().sends[0];
  assert.equal(status(rj), 603); assert.equal(hdr(rj, "Call-ID"), "c2");
  assert.equal(x.uaStateOf(c2), -1, "a rejected call's handle is stale");
  assert.deepEqual(out().events, []);
  // retransmitted INVITEs get their own call's last response again, no new "invited"
  feed(invite("c2", "carol"), 120);
  let r = out(); assert.deepEqual(r.sends.map(status), [603]); assert.deepEqual(r.events, []);
  feed(invite("c1", "bob"), 130);
  r = out(); assert.deepEqual(r.sends, [ok1]); assert.deepEqual(r.events, []);
  // deadlines: the min of the REGISTER's Timer E (500) and the 2xx re-send (§13.3.1.4, 100 + T1)
  assert.equal(x.nextDeadline(), 500);
  x.onTimer(500); out();
  assert.equal(x.nextDeadline(), 600);
  // ACK and BYE for c1
  feed(inDialog("ACK", "c1", toTag(ok1), 1), 200);
  assert.deepEqual(out().events, [{ event: "acked", call: c1, via: 2 }]);
  assert.equal(x.uaStateOf(c1), 4);
  feed(inDialog("BYE", "c1", toTag(ok1), 2), 300);
  r = out();
  assert.deepEqual(r.sends.map((m) => `${status(m)} ${hdr(m, "CSeq")}`), ["200 2 BYE"]);
  assert.deepEqual(r.events, [{ event: "bye", call: c1, via: 2 }]);
  assert.equal(x.uaCalls(), 0);
  // a stale handle: NoCall (4) and an error event without a call
  assert.equal(x.uaCommandCall(2, c1, 0, 0, 310), 4);
  assert.deepEqual(out().events, [{ event: "error", code: 0, reason: "no call" }]);
  assert.equal(core.byteLength(), mem);
});

test("UA multi-call UAS: 8 ring, the 9th INVITE gets 486; a CANCEL ends only its call; the slot is reused with a new handle", () => {
  const { x, out, feed } = setup();
  out();
  const calls: number[] = [];
  for (let k = 0; k < 8; k++) {
    feed(invite(`m${k}`), 10 + k);
    const o = out();
    assert.equal(status(o.sends[0]), 180);
    calls.push(o.events[0].call as number);
  }
  assert.equal(new Set(calls).size, 8);
  assert.equal(x.uaCalls(), 8);
  feed(invite("m8"), 30);
  let o = out();
  assert.deepEqual(o.sends.map(status), [486]);
  assert.deepEqual(o.events, []);
  assert.ok(calls.every((c) => x.uaStateOf(c) === 3), "the 8 calls still ring");
  // CANCEL of call m5 (§9.2): 200 for the CANCEL, 487 for its INVITE, "cancelled" for that call only
  feed(cancel("m5"), 40);
  o = out();
  assert.deepEqual(o.sends.map((m) => `${status(m)} ${hdr(m, "CSeq")}`), ["200 1 CANCEL", "487 1 INVITE"]);
  assert.deepEqual(o.events, [{ event: "cancelled", call: calls[5] }]);
  assert.equal(x.uaStateOf(calls[5]), -1);
  assert.equal(x.uaCalls(), 7);
  // a CANCEL for a call we do not know: 481
  feed(cancel("nope"), 41);
  assert.deepEqual(out().sends.map(status), [481]);
  // the 9th INVITE again (a new transaction): now it fits, in the freed slot with a new generation
  feed(invite("m9"), 50);
  o = out();
  assert.equal(status(o.sends[0]), 180);
  const c9 = o.events[0].call as number;
  assert.equal(c9 & 0xff, calls[5] & 0xff, "same slot");
  assert.notEqual(c9, calls[5], "new handle");
  assert.equal(x.uaStateOf(calls[5]), -1);
  // hangup without a handle takes the most recent call: m9 -> 486
  assert.equal(x.uaCommand(2, 0, 0, 60), 0);
  o = out();
  assert.deepEqual(o.sends.map((m) => `${status(m)} ${hdr(m, "Call-ID")}`), ["486 m9"]);
  assert.equal(x.uaCalls(), 7);
});

test("UA multi-call UAC: two INVITEs out; 180/200/486 and a retransmitted 200 reach their own call; BYE ends only one", () => {
  const { x, out, feed, put } = setup();
  const reg = out().sends[0];
  feed(answer(reg, 200, "OK"), 1);
  out();
  const call = (to: string, now: number) => {
    const [a, b] = put(`sip:${to}@example.test`, SDP);
    assert.equal(x.uaCommand(1, a, b, now), 0);
    return x.uaLastCall();
  };
  const h1 = call("bob", 10), h2 = call("carol", 11);
  assert.notEqual(h1, h2);
  const [inv1, inv2] = out().sends;
  assert.match(inv1, /^INVITE sip:bob@example\.test /); assert.match(inv2, /^INVITE sip:carol@example\.test /);
  assert.notEqual(hdr(inv1, "Call-ID"), hdr(inv2, "Call-ID"));
  assert.deepEqual([x.uaStateOf(h1), x.uaStateOf(h2)], [1, 1]);
  feed(answer(inv2, 180, "Ringing"), 20);
  feed(answer(inv1, 180, "Ringing"), 21);
  assert.deepEqual(out().events, [{ event: "progress", call: h2, code: 180 }, { event: "progress", call: h1, code: 180 }]);
  // carol answers, bob is busy
  const ok2 = answer(inv2, 200, "OK", ["Contact: <sip:carol@127.0.0.1:5090>"]);
  feed(ok2, 30);
  let o = out();
  assert.deepEqual(o.events, [{ event: "answered", call: h2, routes: 0, sdp: "" }]);
  assert.equal(o.sends.length, 1);
  const ack2 = o.sends[0];
  assert.match(ack2, /^ACK sip:carol@127\.0\.0\.1:5090 /);
  assert.equal(hdr(ack2, "Call-ID"), hdr(inv2, "Call-ID"));
  feed(answer(inv1, 486, "Busy Here"), 31);
  o = out();
  assert.deepEqual(o.events, [{ event: "error", call: h1, code: 486, reason: "Busy Here" }]);
  assert.match(o.sends[0], /^ACK sip:bob@example\.test /);
  assert.equal(hdr(o.sends[0], "Via"), hdr(inv1, "Via"), "§17.1.1.3: the non-2xx ACK keeps the INVITE's branch");
  assert.deepEqual([x.uaStateOf(h1), x.uaStateOf(h2)], [-1, 2]);
  // a retransmitted 200 for carol: the same ACK again (§13.2.2.4)
  feed(ok2, 40);
  o = out(); assert.deepEqual(o.sends, [ack2]); assert.deepEqual(o.events, []);
  // hangup (most recent live call = carol) -> BYE; its 200 -> ended
  assert.equal(x.uaCommand(2, 0, 0, 50), 0);
  const bye = out().sends[0];
  assert.match(bye, /^BYE sip:carol@127\.0\.0\.1:5090 /);
  assert.equal(x.uaStateOf(h2), 5);
  feed(answer(bye, 200, "OK"), 60);
  assert.deepEqual(out().events, [{ event: "ended", call: h2, code: 200 }]);
  assert.equal(x.uaCalls(), 0);
  assert.equal(x.uaState(), 0);
});

test("UA multi-call: a 9th outgoing call is refused (Busy), the 8 stay; 2xx re-send timers run per call", () => {
  const { x, out, feed, put } = setup();
  out();
  const calls: number[] = [];
  for (let k = 0; k < 8; k++) {
    const [a, b] = put(`sip:u${k}@example.test`, SDP);
    assert.equal(x.uaCommand(1, a, b, 10), 0);
    calls.push(x.uaLastCall());
  }
  out();
  const [a, b] = put("sip:u8@example.test", SDP);
  assert.equal(x.uaCommand(1, a, b, 20), 3);
  const o = out();
  assert.deepEqual(o.sends, []);
  assert.deepEqual(o.events, [{ event: "error", code: 0, reason: "all call slots in use" }]);
  assert.ok(calls.every((c) => x.uaStateOf(c) === 1));
  // an incoming INVITE meanwhile: 486
  feed(invite("in9"), 30);
  assert.deepEqual(out().sends.map(status), [486]);
  // hang them all up (CANCELs) so an incoming pair can be answered
  for (const c of calls) assert.equal(x.uaCommandCall(2, c, 0, 0, 40), 0);
  const cancels = out().sends;
  assert.equal(cancels.length, 8);
  assert.ok(cancels.every((m) => m.startsWith("CANCEL ")));
});

test("UA multi-call: two answered calls re-send their own 200 until their own ACK (§13.3.1.4)", () => {
  const { x, out, feed, put } = setup();
  out();
  feed(invite("t1"), 0); feed(invite("t2"), 0);
  const [e1, e2] = out().events;
  const [n] = put(SDP);
  assert.equal(x.uaCommandCall(3, e1.call as number, n, 0, 1000), 0);
  assert.equal(x.uaCommandCall(3, e2.call as number, n, 0, 1200), 0);
  const [ok1, ok2] = out().sends;
  assert.deepEqual([hdr(ok1, "Call-ID"), hdr(ok2, "Call-ID")], ["t1", "t2"]);
  const oks = (t: number) => { x.onTimer(t); return out().sends.filter((m) => m.startsWith("SIP/2.0 200")).map((m) => hdr(m, "Call-ID")); };
  assert.deepEqual(oks(1500), ["t1"]);
  assert.deepEqual(oks(1700), ["t2"]);
  feed(inDialog("ACK", "t1", toTag(ok1), 1), 1800);
  assert.deepEqual(out().events, [{ event: "acked", call: e1.call, via: 2 }]);
  assert.deepEqual(oks(2500), [], "t1 acknowledged; t2 is due at 2700");
  assert.deepEqual(oks(2700), ["t2"]);
  // no ACK for t2 within 64*T1: error, then a BYE for t2 only
  let t = 2700;
  const evs: Record<string, unknown>[] = [];
  for (let g = 0; g < 40 && t < 1200 + 64 * 500; g++) { t = x.nextDeadline(); x.onTimer(t); evs.push(...out().events); }
  assert.deepEqual(evs.filter((e) => e.event === "error" && "call" in e), [{ event: "error", call: e2.call, code: 408, reason: "no ACK for 200" }]);
  assert.equal(x.uaStateOf(e2.call as number), 5, "BYE out for t2");
  assert.equal(x.uaStateOf(e1.call as number), 4, "t1 untouched");
});

test("UA event queue (JSON off, as the chat role uses it): records with the call, the offer, the From URI", () => {
  const { x, out, feed, put, core } = setup();
  x.uaJsonEvents(0);
  const reg = out().sends[0];
  const text = (p: number, n: number) => Buffer.from(core.mem.subarray(p, p + n)).toString("latin1");
  const pop = () => {
    const k = x.uaEvPop();
    return { k, call: x.uaEvCall(), code: x.uaEvCode(), data: text(x.uaEvPtr(), x.uaEvLen()), aux: text(x.uaEvAuxPtr(), x.uaEvAuxLen()) };
  };
  feed(answer(reg, 200, "OK"), 1);
  feed(invite("q1", "bob"), 2);
  feed(invite("q2", "carol"), 3);
  assert.deepEqual(out().events, [], "no JSON while the queue is the caller's");
  const r = pop();
  assert.equal(r.k, 1); assert.equal(r.code, 300); assert.equal(r.call, -1);
  const a = pop(), b = pop();
  assert.deepEqual([a.k, a.aux, a.data, a.code], [3, "sip:bob@example.test", SDP, 2]);
  assert.deepEqual([b.k, b.aux, b.data], [3, "sip:carol@example.test", SDP]);
  assert.equal(pop().k, 0);
  assert.equal(text(x.uaPeerPtr(a.call), x.uaPeerLen(a.call)), "sip:bob@example.test");
  assert.equal(x.uaPeerLen(12345), 0, "stale handle");
  // an outgoing call's peer is its target; a MESSAGE body is an event too
  const [t, s] = put("sip:dave@example.test", SDP);
  assert.equal(x.uaCommand(1, t, s, 4), 0);
  const h = x.uaLastCall();
  assert.equal(text(x.uaPeerPtr(h), x.uaPeerLen(h)), "sip:dave@example.test");
  feed([`MESSAGE sip:alice@${ME} SIP/2.0`, `Via: SIP/2.0/UDP ${SRV};branch=z9hG4bK-msg`, "Max-Forwards: 69", "From: <sip:bob@example.test>;tag=m1",
    "To: <sip:alice@example.test>", "Call-ID: msg1", "CSeq: 1 MESSAGE", "Content-Type: text/plain", "Content-Length: 5", "", "hello"].join("\r\n"), 5);
  assert.equal(status(out().sends.pop()!), 200);
  const m = pop();
  assert.deepEqual([m.k, m.data, m.call], [11, "hello", -1]);
  // back to JSON: the next entry point writes what is queued
  feed(cancel("q1"), 6);
  assert.equal(pop().k, 9);
  x.uaJsonEvents(1);
  feed(cancel("q2"), 7);
  assert.deepEqual(out().events, [{ event: "cancelled", call: b.call }]);
});
