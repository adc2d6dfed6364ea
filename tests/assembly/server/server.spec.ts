// Embedded IM server core, sans-I/O on a fake clock: datagrams and stream bytes in, outbox
// records out (assembly/mem/outbox.ts). Proxy decisions of RFC 3261 §16 and the registrar of
// §10.3, table style; truncated/mutated inputs must never trap.
import {
  serverStart, serverDatagram, serverStreamOpen, serverStream, serverStreamClosed, serverTimer,
  serverNextDeadline,
} from "../../../assembly/server/server";
import { outboxUsed, outboxClear, OUT_SEND_DGRAM, OUT_SEND_STREAM, OUT_EVENT, OUT_CONNECT } from "../../../assembly/mem/outbox";
import { OUTBOX } from "../../../assembly/mem/regions";
import { proxyPairs } from "../../../assembly/server/proxy";

const IN = memory.data(16384);
const CFG = memory.data(256);
const SRV = "127.0.0.1:5060";
const ALICE = "127.0.0.1:5070";
const BOB = "127.0.0.1:5071";

function put(buf: usize, off: i32, s: string): i32 {
  for (let i = 0; i < s.length; i++) store<u8>(buf + <usize>(off + i), <u8>s.charCodeAt(i));
  return s.length;
}
function str(p: usize, n: i32): string { return String.UTF8.decodeUnsafe(p, n); }

class Rec { op: i32; id: i32; addr: string; data: string; constructor(op: i32, id: i32, addr: string, data: string) { this.op = op; this.id = id; this.addr = addr; this.data = data; } }

/** Drains the outbox into records. */
function drainOut(): Rec[] {
  const out: Rec[] = [];
  let p = 0;
  const n = outboxUsed();
  while (p + 16 <= n) {
    const r = OUTBOX + <usize>p;
    const op = load<i32>(r), id = load<i32>(r, 4), al = load<i32>(r, 8), dl = load<i32>(r, 12);
    out.push(new Rec(op, id, str(r + 16, al), str(r + 16 + <usize>al, dl)));
    p += (16 + al + dl + 3) & ~3;
  }
  outboxClear();
  return out;
}

function start(): void {
  const dl = put(CFG, 0, "d.test");
  const ll = put(CFG, dl, SRV);
  expect(serverStart(CFG, dl, CFG + <usize>dl, ll, 1234, 5678)).toBe(0);
  drainOut();
}

function dgram(from: string, msg: string, now: f64): Rec[] {
  const fl = put(IN, 0, from);
  const ml = put(IN, fl, msg);
  serverDatagram(IN, 0, fl, ml, now);
  return drainOut();
}

function register(user: string, contactAddr: string, expires: string, callId: string, cseq: i32, branch: string): string {
  return "REGISTER sip:d.test SIP/2.0\r\nVia: SIP/2.0/UDP " + contactAddr + ";branch=z9hG4bK" + branch + ";rport\r\n" +
    "From: <sip:" + user + "@d.test>;tag=f1\r\nTo: <sip:" + user + "@d.test>\r\nCall-ID: " + callId + "\r\n" +
    "CSeq: " + cseq.toString() + " REGISTER\r\nContact: <sip:" + user + "@" + contactAddr + ">\r\nExpires: " + expires + "\r\n" +
    "Content-Length: 0\r\n\r\n";
}

function invite(to: string, branch: string, mf: string, callId: string): string {
  return "INVITE sip:" + to + "@d.test SIP/2.0\r\nVia: SIP/2.0/UDP " + ALICE + ";branch=z9hG4bK" + branch + ";rport\r\n" +
    "Max-Forwards: " + mf + "\r\nFrom: <sip:alice@d.test>;tag=a1\r\nTo: <sip:" + to + "@d.test>\r\nCall-ID: " + callId + "\r\n" +
    "CSeq: 1 INVITE\r\nContact: <sip:alice@" + ALICE + ">\r\nContent-Length: 0\r\n\r\n";
}

function status(r: Rec): i32 { return r.data.startsWith("SIP/2.0 ") ? I32.parseInt(r.data.substr(8, 3)) : 0; }
function finds(rs: Rec[], needle: string): i32 { for (let i = 0; i < rs.length; i++) if (rs[i].data.includes(needle)) return i; return -1; }

describe("registrar (§10.3)", () => {
  test("200 lists the binding with expires and emits a registered event", () => {
    start();
    const rs = dgram(BOB, register("bob", BOB, "300", "c1", 1, "r1"), 0);
    expect(rs.length).toBe(2);
    expect(rs[0].op).toBe(OUT_SEND_DGRAM);
    expect(rs[0].addr).toBe(BOB);
    expect(status(rs[0])).toBe(200);
    expect(rs[0].data.includes("Contact: <sip:bob@127.0.0.1:5071>;expires=300\r\n")).toBe(true);
    expect(rs[1].op).toBe(OUT_EVENT);
    expect(rs[1].data).toBe("{\"event\":\"registered\",\"aor\":\"sip:bob@d.test\",\"contacts\":1}");
  });
  test("a retransmitted REGISTER gets the same bytes from the server transaction", () => {
    start();
    const m = register("bob", BOB, "300", "c1", 1, "r1");
    const a = dgram(BOB, m, 0);
    const b = dgram(BOB, m, 100);
    expect(b.length).toBe(1);
    expect(b[0].data).toBe(a[0].data);
  });
  test("Expires 30 -> 423 with Min-Expires: 60; Contact * with Expires 0 removes all", () => {
    start();
    const rs = dgram(BOB, register("bob", BOB, "30", "c2", 1, "r2"), 0);
    expect(status(rs[0])).toBe(423);
    expect(rs[0].data.includes("Min-Expires: 60\r\n")).toBe(true);
    dgram(BOB, register("bob", BOB, "300", "c3", 1, "r3"), 0);
    const star = "REGISTER sip:d.test SIP/2.0\r\nVia: SIP/2.0/UDP " + BOB + ";branch=z9hG4bKr4\r\nFrom: <sip:bob@d.test>;tag=f\r\n" +
      "To: <sip:bob@d.test>\r\nCall-ID: c4\r\nCSeq: 9 REGISTER\r\nContact: *\r\nExpires: 0\r\nContent-Length: 0\r\n\r\n";
    const s = dgram(BOB, star, 1);
    expect(status(s[0])).toBe(200);
    expect(s[1].data).toBe("{\"event\":\"unregistered\",\"aor\":\"sip:bob@d.test\",\"contacts\":0}");
  });
  test("bindings expire on the timer (nextDeadline tells when)", () => {
    start();
    dgram(BOB, register("bob", BOB, "60", "c1", 1, "r1"), 0);
    const d = serverNextDeadline();
    expect(d > 0).toBe(true);
    serverTimer(60000);
    const rs = drainOut();
    expect(finds(rs, "\"unregistered\"")).toBeGreaterThanOrEqual(0);
  });
});

describe("proxy (§16)", () => {
  test("INVITE to a registered user: 100 at once, forwarded with RR, Via, received/rport, Max-Forwards - 1", () => {
    start();
    dgram(BOB, register("bob", BOB, "300", "c1", 1, "r1"), 0);
    const rs = dgram(ALICE, invite("bob", "i1", "70", "call1"), 0);
    expect(rs.length).toBe(2);
    expect(status(rs[0])).toBe(100);
    expect(rs[0].addr).toBe(ALICE);
    expect(rs[1].addr).toBe(BOB);
    const f = rs[1].data;
    expect(f.startsWith("INVITE sip:bob@127.0.0.1:5071 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK")).toBe(true);
    expect(f.includes("\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKi1;received=127.0.0.1;rport=5070\r\nRecord-Route: <sip:127.0.0.1:5060;lr>\r\n")).toBe(true);
    expect(f.includes("\r\nMax-Forwards: 69\r\n")).toBe(true);
    // a retransmission is absorbed: 100 again, nothing to bob
    const again = dgram(ALICE, invite("bob", "i1", "70", "call1"), 10);
    expect(again.length).toBe(1);
    expect(status(again[0])).toBe(100);
    // Timer A retransmits to bob over UDP; Timer B ends it -> 408 to alice (§16.8)
    serverTimer(500);
    const retx = drainOut();
    expect(retx.length).toBe(1);
    expect(retx[0].addr).toBe(BOB);
    serverTimer(40000);
    const to = drainOut();
    expect(finds(to, "SIP/2.0 408")).toBeGreaterThanOrEqual(0);
  });
  test("error answers: 404 unknown, 480 known but unregistered, 483 Max-Forwards 0, 420 Proxy-Require", () => {
    start();
    expect(status(dgram(ALICE, invite("nobody", "e1", "70", "x1"), 0)[0])).toBe(404);
    dgram(BOB, register("bob", BOB, "300", "c1", 1, "r1"), 0);
    dgram(BOB, register("bob", BOB, "0", "c1", 2, "r2"), 0);
    expect(status(dgram(ALICE, invite("bob", "e2", "70", "x2"), 0)[0])).toBe(480);
    dgram(BOB, register("bob", BOB, "300", "c1", 3, "r3"), 0);
    expect(status(dgram(ALICE, invite("bob", "e3", "0", "x3"), 0)[0])).toBe(483);
    const pr = invite("bob", "e4", "70", "x4").replace("CSeq: 1 INVITE", "Proxy-Require: foo\r\nCSeq: 1 INVITE");
    const r = dgram(ALICE, pr, 0);
    expect(status(r[0])).toBe(420);
    expect(r[0].data.includes("\r\nUnsupported: foo\r\n")).toBe(true);
    // Require is the UAS's business (§16.3): forwarded
    const rq = invite("bob", "e5", "70", "x5").replace("CSeq: 1 INVITE", "Require: foo\r\nCSeq: 1 INVITE");
    const f = dgram(ALICE, rq, 0);
    expect(f.length).toBe(2);
    expect(f[1].addr).toBe(BOB);
  });
  test("a request that comes back to us is detected as a loop (482)", () => {
    start();
    // a binding that points at the server itself makes every INVITE for it loop
    dgram(BOB, register("loop", SRV, "300", "c1", 1, "r1"), 0);
    let rs = dgram(ALICE, invite("loop", "l1", "70", "lc"), 0);
    let saw482 = false;
    for (let round = 0; round < 6 && !saw482; round++) {
      let next = "";
      for (let i = 0; i < rs.length; i++) {
        if (status(rs[i]) == 482) saw482 = true;
        if (rs[i].addr == SRV && rs[i].data.startsWith("INVITE ") && next.length == 0) next = rs[i].data;
      }
      if (saw482 || next.length == 0) break;
      rs = dgram(SRV, next, 1);
    }
    expect(saw482).toBe(true);
  });
  test("responses: our Via removed, 180/200 forwarded to alice, ACK and BYE routed by Route", () => {
    start();
    dgram(BOB, register("bob", BOB, "300", "c1", 1, "r1"), 0);
    const rs = dgram(ALICE, invite("bob", "i2", "70", "call2"), 0);
    const fwd = rs[1].data;
    // bob answers: copy the Vias and Record-Route of the forwarded INVITE
    const v1s = fwd.indexOf("Via: "), rrs = fwd.indexOf("Record-Route: ");
    const vias = fwd.substring(v1s, rrs);
    const ok = "SIP/2.0 200 OK\r\n" + vias + "Record-Route: <sip:127.0.0.1:5060;lr>\r\nFrom: <sip:alice@d.test>;tag=a1\r\n" +
      "To: <sip:bob@d.test>;tag=b1\r\nCall-ID: call2\r\nCSeq: 1 INVITE\r\nContact: <sip:bob@" + BOB + ">\r\nContent-Length: 0\r\n\r\n";
    const back = dgram(BOB, ok, 5);
    expect(back.length).toBe(1);
    expect(back[0].addr).toBe(ALICE);
    expect(back[0].data.includes("Via: SIP/2.0/UDP 127.0.0.1:5060")).toBe(false);
    expect(back[0].data.includes("Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKi2")).toBe(true);
    // a retransmitted 200 (no transaction any more) is forwarded statelessly by the Via
    const back2 = dgram(BOB, ok, 6);
    expect(back2.length).toBe(1);
    expect(back2[0].addr).toBe(ALICE);
    const ack = "ACK sip:bob@" + BOB + " SIP/2.0\r\nVia: SIP/2.0/UDP " + ALICE + ";branch=z9hG4bKa2\r\nMax-Forwards: 70\r\n" +
      "Route: <sip:127.0.0.1:5060;lr>\r\nFrom: <sip:alice@d.test>;tag=a1\r\nTo: <sip:bob@d.test>;tag=b1\r\nCall-ID: call2\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n";
    const a = dgram(ALICE, ack, 7);
    expect(a.length).toBe(1);
    expect(a[0].addr).toBe(BOB);
    expect(a[0].data.includes("Route:")).toBe(false);
    const bye = ack.replace("ACK sip", "BYE sip").replace("CSeq: 1 ACK", "CSeq: 2 BYE").replace("z9hG4bKa2", "z9hG4bKb2");
    const b = dgram(ALICE, bye, 8);
    expect(b.length).toBe(1);
    expect(b[0].data.startsWith("BYE sip:bob@127.0.0.1:5071 SIP/2.0\r\n")).toBe(true);
  });
  test("CANCEL: 200 to the CANCEL, CANCEL to the callee with the same branch; 487 comes back", () => {
    start();
    dgram(BOB, register("bob", BOB, "300", "c1", 1, "r1"), 0);
    const rs = dgram(ALICE, invite("bob", "i3", "70", "call3"), 0);
    const fwd = rs[1].data;
    const br = fwd.substr(fwd.indexOf("branch=") + 7, 23);
    const cancel = "CANCEL sip:bob@d.test SIP/2.0\r\nVia: SIP/2.0/UDP " + ALICE + ";branch=z9hG4bKi3;rport\r\nMax-Forwards: 70\r\n" +
      "From: <sip:alice@d.test>;tag=a1\r\nTo: <sip:bob@d.test>\r\nCall-ID: call3\r\nCSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n";
    const c = dgram(ALICE, cancel, 10);
    expect(c.length).toBe(2);
    expect(status(c[0])).toBe(200);
    expect(c[1].addr).toBe(BOB);
    expect(c[1].data.startsWith("CANCEL sip:bob@127.0.0.1:5071 SIP/2.0\r\n")).toBe(true);
    expect(c[1].data.includes("branch=" + br)).toBe(true);
  });
  test("pool exhaustion answers 503 with Retry-After, never traps", () => {
    start();
    dgram(BOB, register("bob", BOB, "300", "c1", 1, "r1"), 0);
    let saw503 = false;
    for (let i = 0; i < 40; i++) {
      const rs = dgram(ALICE, invite("bob", "p" + i.toString(), "70", "pc" + i.toString()), 0);
      for (let k = 0; k < rs.length; k++) if (status(rs[k]) == 503 && rs[k].data.includes("Retry-After: 5\r\n")) saw503 = true;
    }
    expect(saw503).toBe(true);
    expect(proxyPairs()).toBeLessThanOrEqual(16);
  });
});

describe("streams (§18.3) and hostile input", () => {
  test("a REGISTER over a connection: whole, byte by byte and at every split point", () => {
    start();
    const id = serverStreamOpen(IN, put(IN, 0, "127.0.0.1:40000"));
    expect(id).toBeGreaterThanOrEqual(0);
    let cseq = 1;
    const base = register("tom", "127.0.0.1:40000;transport=tcp", "300", "s1", 1, "x").replace("SIP/2.0/UDP", "SIP/2.0/TCP");
    const n = base.length;
    for (let split = 0; split <= n; split++) {
      const m = register("tom", "127.0.0.1:40000;transport=tcp", "300", "s1", cseq, "x" + cseq.toString()).replace("SIP/2.0/UDP", "SIP/2.0/TCP");
      cseq++;
      const ml = put(IN, 0, m);
      if (split == n) {
        for (let i = 0; i < ml; i++) serverStream(IN + <usize>i, id, 1, 0);       // byte by byte
      } else {
        const k = split < ml ? split : ml;
        serverStream(IN, id, k, 0);
        serverStream(IN + <usize>k, id, ml - k, 0);
      }
      const rs = drainOut();
      let ok = false;
      for (let i = 0; i < rs.length; i++) if (rs[i].op == OUT_SEND_STREAM && rs[i].id == id && status(rs[i]) == 200) ok = true;
      expect(ok).toBe(true);
      serverTimer(0);                      // Timer J is 0 over a stream: the transaction ends now
      drainOut();
    }
    serverStreamClosed(id);
  });
  test("a stream framing error closes the connection", () => {
    start();
    const id = serverStreamOpen(IN, put(IN, 0, "127.0.0.1:40001"));
    const ml = put(IN, 0, "INVITE sip:x@d.test SIP/2.0\nbroken\r\n\r\n");
    expect(serverStream(IN, id, ml, 0)).toBe(1);
    drainOut();
    expect(serverStream(IN, id, ml, 0)).toBe(-1);
  });
  test("every truncation and single-byte mutation of an INVITE is handled without a trap", () => {
    start();
    dgram(BOB, register("bob", BOB, "300", "c1", 1, "r1"), 0);
    const pages = memory.size();
    const m = invite("bob", "t1", "70", "tc");
    for (let k = 1; k < m.length; k++) {
      const fl = put(IN, 0, ALICE);
      put(IN, fl, m);
      serverDatagram(IN, 0, fl, k, 0);
      drainOut();
    }
    for (let k = 0; k < m.length; k += 3) {
      const fl = put(IN, 0, ALICE);
      put(IN, fl, m);
      store<u8>(IN + <usize>(fl + k), 0);
      serverDatagram(IN, 0, fl, m.length, 1);
      drainOut();
      store<u8>(IN + <usize>(fl + k), 0x2c);   // ','
      serverDatagram(IN, 0, fl, m.length, 2);
      drainOut();
    }
    serverTimer(100000);
    drainOut();
    expect(memory.size()).toBe(pages);
  });
  test("a request for a TCP contact opens a connection (CONNECT, then SEND_STREAM)", () => {
    start();
    dgram(BOB, register("tina", "127.0.0.1:5090;transport=tcp", "300", "c1", 1, "r1"), 0);
    const rs = dgram(ALICE, invite("tina", "k1", "70", "kc"), 0);
    // CONNECT (the host opens the socket), 100 Trying to alice, then the INVITE on the new connection
    expect(rs.length).toBe(3);
    expect(rs[0].op).toBe(OUT_CONNECT);
    expect(rs[0].addr).toBe("127.0.0.1:5090");
    expect(status(rs[1])).toBe(100);
    expect(rs[2].op).toBe(OUT_SEND_STREAM);
    expect(rs[2].id).toBe(rs[0].id);
    expect(rs[2].data.includes("Via: SIP/2.0/TCP 127.0.0.1:5060;branch=")).toBe(true);
    expect(rs[2].data.includes("Record-Route: <sip:127.0.0.1:5060;transport=tcp;lr>")).toBe(true);
  });
});
