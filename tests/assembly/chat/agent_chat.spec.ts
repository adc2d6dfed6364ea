// The chat role (assembly/chat/agent_chat.ts) driven only through its entry points, sans-I/O:
// SIP over UDP with a hand-written "server" at 127.0.0.1:5060 (its 200 to REGISTER, the host's
// INVITE relayed with Record-Route, ACK, BYE), MSRP bytes written by hand, and everything read
// back from the OUTBOX records (mem/outbox.ts layout). Covers: the seed order (180, invited,
// CONNECT + empty bind SEND, SIP 200 only after the MSRP 200, ACK -> joined; RFC 6135 / RFC 4975
// §5.4, §7.1.1), refused offers (488, RFC 3264 §6 / RFC 4975 §8.6), an active or silent offerer
// (RFC 4975 §5.4 default), a 5000-byte CPIM message in MSRP chunks and at every split (§5.1),
// roster notices (RFC 4575 body), BYE (§15.1), mutated / truncated MSRP, and the host side.
import {
  chatStart, chatDatagram, chatMsrpStream, chatMsrpOpen, chatMsrpClosed, chatInvite, chatMembers, chatSetRelay,
  chatRelayState, chatSetLimits, chatTimer,
} from "../../../assembly/chat/agent_chat";
import { msrpSessionsActive, msrpConnsActive } from "../../../assembly/msrp/session";
import { OUTBOX } from "../../../assembly/mem/regions";
import { outboxUsed, outboxClear } from "../../../assembly/mem/outbox";

// ---- buffers (test heap; the ArrayBuffers stay referenced or the GC reuses them) and records --
const IN_BUF = new ArrayBuffer(65536);
const MB_BUF = new ArrayBuffer(65536);
const IN = changetype<usize>(IN_BUF);
const MB = changetype<usize>(MB_BUF);
const SRV = "127.0.0.1:5060";
let now: f64 = 1000;
function put(p: usize, s: string): i32 {
  for (let i = 0; i < s.length; i++) store<u8>(p + <usize>i, <u8>s.charCodeAt(i));
  return s.length;
}
function str(p: usize, n: i32): string {
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(load<u8>(p + <usize>i));
  return s;
}
let rOp: i32[] = [], rId: i32[] = [], rAddr: string[] = [], rData: string[] = [];
/** Moves the outbox records into rOp/rId/rAddr/rData and empties it. */
function take(): void {
  let off = 0;
  for (let g = 0; g < 100000 && off < outboxUsed(); g++) {
    const r = OUTBOX + <usize>off;
    const al = <i32>load<u32>(r, 8), dl = <i32>load<u32>(r, 12);
    rOp.push(<i32>load<u32>(r)); rId.push(<i32>load<u32>(r, 4));
    rAddr.push(str(r + 16, al)); rData.push(str(r + 16 + <usize>al, dl));
    off += (16 + al + dl + 3) & ~3;
  }
  outboxClear();
}
function forget(): void { take(); rOp = []; rId = []; rAddr = []; rData = []; }
/** Index of the first record with op whose data starts with pre (-1 none). */
function find(op: i32, pre: string): i32 {
  take();
  for (let i = 0; i < rOp.length; i++) if (rOp[i] == op && rData[i].startsWith(pre)) return i;
  return -1;
}
function count(op: i32, pre: string): i32 {
  take();
  let n = 0;
  for (let i = 0; i < rOp.length; i++) if (rOp[i] == op && rData[i].startsWith(pre)) n++;
  return n;
}
const DGRAM = 1, STREAM = 2, CONNECT = 3, CLOSE = 4, EVENT = 5, DATA = 6;

/** Value of the first header `name` in a SIP/MSRP text ("" none). */
function hdr(m: string, name: string): string {
  const k = m.indexOf("\r\n" + name + ": ");
  if (k < 0) return "";
  const v = k + 4 + name.length;
  return m.substring(v, m.indexOf("\r\n", v));
}
/** All "Via: ..." lines of a SIP message, CRLF-terminated. */
function vias(m: string): string {
  let out = "", at = 0;
  for (let g = 0; g < 16; g++) {
    const k = m.indexOf("\r\nVia: ", at);
    if (k < 0) break;
    const e = m.indexOf("\r\n", k + 2);
    out += m.substring(k + 2, e) + "\r\n"; at = e;
  }
  return out;
}
function sdpAttr(m: string, a: string): string { const k = m.indexOf("\na=" + a + ":"); return k < 0 ? "" : m.substring(k + 4 + a.length, m.indexOf("\r\n", k)); }

// ---- SIP from the fake server ----------------------------------------------------------------
function sipIn(m: string): i32 {
  const a = put(IN, SRV);
  put(IN + <usize>a, m);
  now += 10;
  return chatDatagram(IN, 0, a, m.length, now);
}
function withBody(head: string, ct: string, body: string): string {
  return head + (ct.length > 0 ? "Content-Type: " + ct + "\r\n" : "") + "Content-Length: " + body.length.toString() + "\r\n\r\n" + body;
}
function offer(setup: string, accept: string, media: string): string {
  return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" + media + "\r\n"
    + "a=accept-types:" + accept + "\r\na=path:msrp://127.0.0.1:2855/hostsess1;tcp\r\n" + setup;
}
const MEDIA = "m=message 2855 TCP/MSRP *";
const HOSTPATH = "msrp://127.0.0.1:2855/hostsess1;tcp";
function inviteFromBob(sdp: string): i32 {
  return sipIn(withBody("INVITE sip:pat@127.0.0.1:5070 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKsrv1\r\n"
    + "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKbob1;rport=5080\r\nRecord-Route: <sip:127.0.0.1:5060;lr>\r\n"
    + "Max-Forwards: 69\r\nFrom: <sip:bob@d>;tag=bobtag\r\nTo: <sip:pat@d>\r\nCall-ID: call1@d\r\nCSeq: 1 INVITE\r\n"
    + "Contact: <sip:bob@127.0.0.1:5080>\r\n", "application/sdp", sdp));
}
function inDialog(method: string, cseq: i32, branch: string): i32 {
  return sipIn("" + method + " sip:pat@127.0.0.1:5070 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK" + branch + "s\r\n"
    + "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK" + branch + "\r\nMax-Forwards: 69\r\nFrom: <sip:bob@d>;tag=bobtag\r\n"
    + "To: <sip:pat@d>;tag=" + myTag + "\r\nCall-ID: call1@d\r\nCSeq: " + cseq.toString() + " " + method + "\r\nContent-Length: 0\r\n\r\n");
}

/** chatStart for AOR aor; answers the REGISTER with 200 (RFC 3261 §10.3). */
function start(aor: string, flags: i32): void {
  forget();
  let n = put(IN, aor); n += put(IN + <usize>n, SRV); n += put(IN + <usize>n, "127.0.0.1:5070");
  n += put(IN + <usize>n, "127.0.0.1:2856");
  expect(chatStart(IN, aor.length, 14, 14, 14, 0, 600, flags, 7, 9, now)).toBe(0);
  const k = find(DGRAM, "REGISTER ");
  expect(k).toBe(0);   // the UA sends REGISTER first
  const reg = rData[k];
  sipIn("SIP/2.0 200 OK\r\n" + vias(reg) + "From: " + hdr(reg, "From") + "\r\nTo: " + hdr(reg, "To") + ";tag=reg\r\n"
    + "Call-ID: " + hdr(reg, "Call-ID") + "\r\nCSeq: " + hdr(reg, "CSeq") + "\r\nContact: " + hdr(reg, "Contact")
    + ";expires=600\r\nContent-Length: 0\r\n\r\n");
  expect(find(EVENT, "{\"event\":\"registered\"")).toBeGreaterThanOrEqual(0);
  forget();
}

// ---- MSRP (RFC 4975 §9: transact-id and Message-ID are ident, 4..32 characters) -----------------
let conn: i32 = -1;
let myPath = "";      // our MSRP URI (the bind's From-Path)
let myTag = "";       // our To tag in the dialog
/** Feeds [MB, MB+len) to conn `step` new bytes at a time, re-offering what chatMsrpStream did
 *  not take, as a host does. Returns the bytes taken in all. */
function feed(c: i32, len: i32, step: i32): i32 {
  let pos = 0, avail = 0;
  for (let g = 0; g < 4 * len + 100 && pos < len; g++) {
    avail = avail + step < len ? avail + step : len;
    const r = chatMsrpStream(MB + <usize>pos, c, avail - pos, now);
    if (r < 0) return -1;
    pos += r;
    take();
  }
  return pos;
}
function whole(b: string): string { return "1-" + b.length.toString() + "/" + b.length.toString(); }
function msrpFrame(tid: string, msgId: string, range: string, ct: string, body: string, flag: string): i32 {
  let s = "MSRP " + tid + " SEND\r\nTo-Path: " + myPath + "\r\nFrom-Path: " + HOSTPATH + "\r\nMessage-ID: " + msgId
    + "\r\nByte-Range: " + range + "\r\n";
  if (ct.length > 0) s += "Content-Type: " + ct + "\r\n\r\n" + body + "\r\n";
  s += "-------" + tid + flag + "\r\n";
  return put(MB, s);
}
/** Item 1 to the end: the participant joins through the seed order; leaves conn/myPath/myTag. */
function join(): void {
  start("sip:pat@d", 2);   // auto-accept
  inviteFromBob(offer("a=setup:passive\r\n", "message/cpim text/plain", MEDIA));
  const ring = find(DGRAM, "SIP/2.0 180 ");
  expect(ring).toBeGreaterThanOrEqual(0);
  expect(rAddr[ring]).toBe(SRV);
  expect(find(EVENT, "{\"event\":\"invited\",\"from\":\"sip:bob@d\"}")).toBeGreaterThanOrEqual(0);
  const c = find(CONNECT, "");
  expect(c).toBeGreaterThanOrEqual(0);
  expect(rAddr[c]).toBe("127.0.0.1:2855");
  conn = rId[c];
  const b = find(STREAM, "MSRP ");
  expect(b).toBeGreaterThan(c);
  expect(rId[b]).toBe(conn);
  const bind = rData[b];
  expect(bind.substring(0, bind.indexOf("\r\n")).endsWith(" SEND")).toBe(true);
  expect(hdr(bind, "Byte-Range")).toBe("1-0/0");
  expect(hdr(bind, "To-Path")).toBe(HOSTPATH);
  myPath = hdr(bind, "From-Path");
  expect(count(DGRAM, "SIP/2.0 200")).toBe(0);   // no 200 OK before the bind's 200 (seed step 6)
  const tid = bind.substring(5, bind.indexOf(" ", 5));
  forget();
  const n = put(MB, "MSRP " + tid + " 200 OK\r\nTo-Path: " + myPath + "\r\nFrom-Path: " + HOSTPATH + "\r\n-------" + tid + "$\r\n");
  expect(chatMsrpStream(MB, conn, n, now)).toBe(n);
  const ok = find(DGRAM, "SIP/2.0 200 OK");
  expect(ok).toBeGreaterThanOrEqual(0);
  const resp = rData[ok];
  expect(sdpAttr(resp, "setup")).toBe("active");
  expect(sdpAttr(resp, "path")).toBe(myPath);
  expect(hdr(resp, "Record-Route")).toBe("<sip:127.0.0.1:5060;lr>");
  const to = hdr(resp, "To");
  myTag = to.substring(to.indexOf(";tag=") + 5);
  forget();
  inDialog("ACK", 1, "ack1");
  expect(find(EVENT, "{\"event\":\"joined\",\"member\":\"sip:pat@d\"}")).toBeGreaterThanOrEqual(0);
  expect(chatMembers()).toBe(1);
  forget();
}

// content of the relayed message: printable, with CRLFs and dashes that are not an end-line
function content(n: i32): string {
  let s = "";
  for (let i = 0; i < n; i++) s += i % 97 == 95 ? "\r" : i % 97 == 96 ? "\n" : i % 50 == 7 ? "-" : String.fromCharCode(33 + (i * 7) % 90);
  return s;
}
const CPIM_HDR = "From: <sip:alice@d>\r\nTo: <sip:bob@d>\r\nDateTime: 2024-01-01T00:00:00Z\r\n\r\nContent-Type: text/plain\r\n\r\n";
let msgSeq = 0;
/** A message whose CPIM body is sent in `chunks` MSRP chunks, fed `step` bytes at a time. */
function deliver(body: string, chunks: i32, step: i32): void {
  const total = body.length;
  const per = (total + chunks - 1) / chunks;
  msgSeq++;
  let sent = 0;
  for (let k = 0; k < chunks; k++) {
    const e = sent + per < total ? sent + per : total;
    const tid = "tid" + msgSeq.toString() + "x" + k.toString();
    const n = msrpFrame(tid, "msg" + msgSeq.toString(), (sent + 1).toString() + "-" + e.toString() + "/" + total.toString(),
      "message/cpim", body.substring(sent, e), e == total ? "$" : "+");
    expect(feed(conn, n, step)).toBe(n);
    sent = e;
  }
}
function dataOf(): string {
  take();
  let s = "";
  for (let i = 0; i < rOp.length; i++) if (rOp[i] == DATA) s += rData[i];
  return s;
}

describe("chat role: participant", () => {
  test("seed order: 180 + invited + CONNECT + empty bind SEND, 200 OK only after the MSRP 200, ACK -> joined", () => {
    join();
  });

  test("content types: a type we did not offer gets MSRP 415 (RFC 4975 §7.3, §8.6); text/plain is taken and wrapped", () => {
    join();
    forget();
    let n = msrpFrame("ct415", "mct1", whole("binary"), "application/octet-stream", "binary", "$");
    expect(feed(conn, n, n)).toBe(n);
    expect(count(STREAM, "MSRP ct415 415")).toBe(1);
    expect(count(DATA, "")).toBe(0);
    expect(count(EVENT, "{\"event\":\"message\"")).toBe(0);
    forget();
    n = msrpFrame("ctplain", "mct2", whole("plain hello"), "text/plain;charset=utf-8", "plain hello", "$");
    expect(feed(conn, n, 5)).toBe(n);
    expect(count(STREAM, "MSRP ctplain 200")).toBe(1);
    expect(dataOf()).toBe("plain hello");
    // the sender of an unwrapped message is the dialog's peer (the host)
    expect(count(EVENT, "{\"event\":\"message\",\"from\":\"sip:bob@d\"")).toBe(1);
  });

  test("offers refused with 488 (no MSRP, no message/cpim, bad SDP, holdconn): no CONNECT", () => {
    const sdps: string[] = [
      "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n",
      offer("a=setup:passive\r\n", "text/plain", MEDIA),
      offer("a=setup:passive\r\n", "text/html application/im-iscomposing+xml", MEDIA),
      "v=0\r\nthis is not sdp\r\n",
      offer("a=setup:holdconn\r\n", "message/cpim", MEDIA),
    ];
    for (let i = 0; i < sdps.length; i++) {
      start("sip:pat@d", 2);
      inviteFromBob(sdps[i]);
      const r = find(DGRAM, "SIP/2.0 488");
      expect(r >= 0 && rAddr[r] == SRV).toBe(true);
      expect(count(CONNECT, "")).toBe(0);
      expect(count(DGRAM, "SIP/2.0 200")).toBe(0);
      expect(count(EVENT, "{\"event\":\"invited\"")).toBe(0);
    }
  });

  test("accept-types * (RFC 4975 §8.6) is accepted like message/cpim", () => {
    start("sip:pat@d", 2);
    inviteFromBob(offer("a=setup:actpass\r\n", "*", MEDIA));
    expect(count(CONNECT, "")).toBe(1);
    expect(count(DGRAM, "SIP/2.0 488")).toBe(0);
  });

  test("active or silent offerer (RFC 4975 §5.4 default): SIP 200 at once with setup:passive, no CONNECT", () => {
    const setups: string[] = ["a=setup:active\r\n", ""];
    for (let i = 0; i < setups.length; i++) {
      start("sip:pat@d", 2);
      inviteFromBob(offer(setups[i], "message/cpim text/plain", MEDIA));
      const ok = find(DGRAM, "SIP/2.0 200 OK");
      expect(ok).toBeGreaterThanOrEqual(0);
      if (ok < 0) continue;
      expect(sdpAttr(rData[ok], "setup")).toBe("passive");
      const path = sdpAttr(rData[ok], "path");
      expect(path.startsWith("msrp://127.0.0.1:2856/")).toBe(true);
      expect(path.endsWith(";tcp")).toBe(true);
      expect(count(CONNECT, "")).toBe(0);
      expect(count(STREAM, "")).toBe(0);
      // the host connects and binds to us; our MSRP 200, then its ACK -> joined
      const to = hdr(rData[ok], "To");
      myTag = to.substring(to.indexOf(";tag=") + 5); myPath = path;
      forget();
      conn = chatMsrpOpen();
      const n = msrpFrame("hbnd" + i.toString(), "hbnd" + i.toString(), "1-0/0", "", "", "$");
      expect(feed(conn, n, 9)).toBe(n);
      const r = find(STREAM, "MSRP hbnd" + i.toString() + " 200 OK");
      expect(r >= 0 && rId[r] == conn).toBe(true);
      inDialog("ACK", 1, "ack" + i.toString());
      expect(find(EVENT, "{\"event\":\"joined\",\"member\":\"sip:pat@d\"}")).toBeGreaterThanOrEqual(0);
    }
  });

  test("a 5000-byte relayed message: MSRP 200 per chunk, DATA == content, then the message event", () => {
    join();
    const text = content(5000);
    const body = CPIM_HDR + text;
    // [chunks, step]: whole, byte by byte, odd reads, reads around the 2048 feed step
    const plan: i32[] = [1, 100000, 1, 1, 1, 7, 3, 1000, 3, 2047, 3, 2049, 5, 333, 2, 4096];
    for (let p = 0; p < plan.length; p += 2) {
      forget();
      deliver(body, plan[p], plan[p + 1]);
      expect(count(STREAM, "MSRP tid")).toBe(plan[p]);
      for (let i = 0; i < rOp.length; i++) {
        if (rOp[i] == STREAM) { expect(rData[i].indexOf(" 200 OK\r\n")).toBeGreaterThan(0); expect(rId[i]).toBe(conn); }
      }
      expect(dataOf() == text).toBe(true);
      const e = find(EVENT, "{\"event\":\"message\",\"from\":\"sip:alice@d\",\"id\":");
      expect(e).toBeGreaterThan(0);
      expect(rData[e].endsWith(",\"bytes\":5000}")).toBe(true);
      expect(e).toBe(rOp.length - 1);   // the event follows the last DATA piece
    }
  });

  test("a short message cut at every split point arrives whole", () => {
    join();
    const text = content(150);
    const body = CPIM_HDR + text;
    const n0 = msrpFrame("spl10000", "spl10000", whole(body), "message/cpim", body, "$");
    for (let cut = 1; cut < n0; cut++) {
      // the same frame with a fresh tid / Message-ID each time (same length)
      const id = "spl" + (10000 + cut).toString();
      const n = msrpFrame(id, id, whole(body), "message/cpim", body, "$");
      forget();
      let r = chatMsrpStream(MB, conn, cut, now);
      expect(r).toBeGreaterThanOrEqual(0);
      const r2 = chatMsrpStream(MB + <usize>r, conn, n - r, now);
      expect(r + r2).toBe(n);
      expect(dataOf() == text).toBe(true);
      expect(count(EVENT, "{\"event\":\"message\",\"from\":\"sip:alice@d\"")).toBe(1);
    }
  });

  test("roster notices: state deleted -> left, full -> joined (RFC 4575 user element)", () => {
    join();
    const states: string[] = ["deleted", "full"];
    const evs: string[] = ["{\"event\":\"left\",\"member\":\"sip:tom@d\"}", "{\"event\":\"joined\",\"member\":\"sip:tom@d\"}"];
    for (let i = 0; i < 2; i++) {
      forget();
      const body = "From: <sip:bob@d>\r\nTo: <sip:pat@d>\r\n\r\nContent-Type: application/conference-info+xml\r\n\r\n"
        + "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<conference-info xmlns=\"urn:ietf:params:xml:ns:conference-info\" "
        + "entity=\"sip:bob@d\" state=\"partial\" version=\"" + (i + 1).toString() + "\"><users><user entity=\"sip:tom@d\" state=\""
        + states[i] + "\"/></users></conference-info>\r\n";
      const n = msrpFrame("rost" + i.toString(), "rost" + i.toString(), whole(body), "message/cpim", body, "$");
      expect(feed(conn, n, 37)).toBe(n);
      expect(count(STREAM, "MSRP rost")).toBe(1);
      expect(find(EVENT, evs[i])).toBeGreaterThanOrEqual(0);
      expect(count(DATA, "")).toBe(0);   // a notice is not app content
    }
  });

  test("BYE from the host -> SIP 200, ended, CLOSE of the MSRP connection", () => {
    join();
    inDialog("BYE", 2, "bye1");
    const ok = find(DGRAM, "SIP/2.0 200 OK");
    expect(ok).toBeGreaterThanOrEqual(0);
    expect(hdr(rData[ok], "CSeq")).toBe("2 BYE");
    expect(find(EVENT, "{\"event\":\"ended\",\"reason\":\"host ended the chat\"}")).toBeGreaterThanOrEqual(0);
    const c = find(CLOSE, "");
    expect(c >= 0 && rId[c] == conn).toBe(true);
    expect(chatMembers()).toBe(0);
  });
});

// ---- robustness: mutated / truncated MSRP never traps nor grows memory ------------------------
let rng: u32 = 0x9e3779b9;
function rnd(): u32 { rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5; return rng; }

describe("chat role: hostile MSRP", () => {
  test("every prefix and 3000 mutations of a SEND: result in -1..len, memory.size() unchanged", () => {
    join();
    const body = CPIM_HDR + content(300);
    const n = msrpFrame("fuzz1", "fuzz1", whole(body), "message/cpim", body, "$");
    memory.copy(MB + 32768, MB, <usize>n);   // pristine copy
    const pages = memory.size();
    let bad = 0;
    // every prefix on the bound connection, then the rest: the same frame completes
    for (let k = 0; k <= n; k++) {
      const r = chatMsrpStream(MB, conn, k, now);
      if (r < -1 || r > k) bad++;
      outboxClear();
      const r2 = chatMsrpStream(MB + <usize>(r < 0 ? 0 : r), conn, n - (r < 0 ? 0 : r), now);
      if (r2 < -1 || r2 > n) bad++;
      outboxClear();
    }
    // mutations on fresh accepted connections (closed after each) and on the bound one
    for (let it = 0; it < 3000; it++) {
      memory.copy(MB, MB + 32768, <usize>n);
      const flips = 1 + <i32>(rnd() % 4);
      for (let f = 0; f < flips; f++) store<u8>(MB + <usize>(rnd() % <u32>n), <u8>rnd());
      const len = it % 3 == 0 ? <i32>(rnd() % <u32>(n + 1)) : n;
      const c = it % 2 == 0 ? chatMsrpOpen() : conn;
      const r = chatMsrpStream(MB, c, len, now);
      if (r < -1 || r > len) bad++;
      if (c != conn) chatMsrpClosed(c, now);
      outboxClear();
    }
    expect(bad).toBe(0);
    expect(memory.size()).toBe(pages);
  });
});

describe("chat role: host", () => {
  test("chatInvite -> INVITE (setup:passive, message/cpim); bind -> MSRP 200; 200 OK -> ACK + joined", () => {
    start("sip:bob@d", 1);
    const aor = put(IN, "sip:tom@d");
    expect(chatInvite(IN, aor, now)).toBe(0);
    const k = find(DGRAM, "INVITE sip:tom@d SIP/2.0");
    expect(k).toBeGreaterThanOrEqual(0);
    const inv = rData[k];
    expect(rAddr[k]).toBe(SRV);
    expect(sdpAttr(inv, "setup")).toBe("passive");
    expect(sdpAttr(inv, "accept-types").indexOf("message/cpim")).toBeGreaterThanOrEqual(0);
    const hostPath = sdpAttr(inv, "path");
    expect(hostPath.startsWith("msrp://127.0.0.1:2856/")).toBe(true);
    forget();
    // Tom connects and binds (seed steps 4-5)
    const tomPath = "msrp://127.0.0.1:2857/tomsess9;tcp";
    const c = chatMsrpOpen();
    const n = put(MB, "MSRP bnd1 SEND\r\nTo-Path: " + hostPath + "\r\nFrom-Path: " + tomPath
      + "\r\nMessage-ID: xid1\r\nByte-Range: 1-0/0\r\n-------bnd1$\r\n");
    expect(feed(c, n, 5)).toBe(n);
    const ok = find(STREAM, "MSRP bnd1 200 OK");
    expect(ok >= 0 && rId[ok] == c).toBe(true);
    expect(hdr(rData[ok], "To-Path")).toBe(tomPath);
    forget();
    // Tom's 200 OK through the server (seed steps 6-7)
    const sdp = "v=0\r\no=- 2 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=message 2857 TCP/MSRP *\r\n"
      + "a=accept-types:message/cpim text/plain\r\na=path:" + tomPath + "\r\na=setup:active\r\n";
    sipIn(withBody("SIP/2.0 200 OK\r\n" + vias(inv) + "Record-Route: <sip:127.0.0.1:5060;lr>\r\nFrom: " + hdr(inv, "From")
      + "\r\nTo: " + hdr(inv, "To") + ";tag=tomtag\r\nCall-ID: " + hdr(inv, "Call-ID") + "\r\nCSeq: " + hdr(inv, "CSeq")
      + "\r\nContact: <sip:tom@127.0.0.1:5090>\r\n", "application/sdp", sdp));
    const ack = find(DGRAM, "ACK sip:tom@127.0.0.1:5090 SIP/2.0");
    expect(ack).toBeGreaterThanOrEqual(0);
    expect(rAddr[ack]).toBe(SRV);
    expect(hdr(rData[ack], "Route")).toBe("<sip:127.0.0.1:5060;lr>");
    expect(find(EVENT, "{\"event\":\"joined\",\"member\":\"sip:tom@d\"}")).toBeGreaterThanOrEqual(0);
    expect(chatMembers()).toBe(1);
    expect(count(CONNECT, "")).toBe(0);   // Tom is the active side (RFC 6135)
  });

  test("chatStart restarts the role: no member, no MSRP session or connection left", () => {
    join();
    expect(chatMembers()).toBe(1);
    expect(msrpSessionsActive()).toBe(1);
    start("sip:pat@d", 2);
    expect(chatMembers()).toBe(0);
    expect(msrpSessionsActive()).toBe(0);
    expect(msrpConnsActive()).toBe(0);
  });

  test("chatStart after chatSetRelay: the relay is forgotten (state 0)", () => {
    start("sip:pat@d", 2);
    let n = put(IN, "msrp://127.0.0.1:2999"); n += put(IN + <usize>n, "u"); n += put(IN + <usize>n, "p");
    expect(chatSetRelay(IN, 21, 1, 1, now)).toBe(0);
    start("sip:pat@d", 2);
    expect(chatRelayState()).toBe(0);
    // no relay after the restart: an active offer is answered 200 with a=setup:passive (not 500)
    inviteFromBob(offer("a=setup:active\r\n", "message/cpim", MEDIA));
    expect(count(CONNECT, "")).toBe(0);
    expect(count(DGRAM, "SIP/2.0 500")).toBe(0);
    expect(count(DGRAM, "SIP/2.0 200")).toBe(1);
  });
});

// ---- the relay on a virtual clock (issue 10): stall eviction and the idle abort, no sockets -----
// The host (bob) with two members joined by hand: each binds over its own MSRP connection and
// answers the INVITE through the fake server. `now` only moves when the test says so.

/** A member joined to the host chat by hand; returns its connection id and MSRP path. */
function hostAdd(name: string, port: i32): string {
  const aor = put(IN, "sip:" + name + "@d");
  expect(chatInvite(IN, aor, now)).toBe(0);
  const k = find(DGRAM, "INVITE sip:" + name + "@d SIP/2.0");
  expect(k).toBeGreaterThanOrEqual(0);
  const inv = rData[k];
  const hostPath = sdpAttr(inv, "path");
  forget();
  const path = "msrp://127.0.0.1:" + port.toString() + "/" + name + "sess;tcp";
  const c = chatMsrpOpen();
  const n = put(MB, "MSRP b" + name + " SEND\r\nTo-Path: " + hostPath + "\r\nFrom-Path: " + path
    + "\r\nMessage-ID: bind" + name + "\r\nByte-Range: 1-0/0\r\n-------b" + name + "$\r\n");
  expect(feed(c, n, 4096)).toBe(n);
  forget();
  const sdp = "v=0\r\no=- 2 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=message " + port.toString() + " TCP/MSRP *\r\n"
    + "a=accept-types:message/cpim text/plain\r\na=path:" + path + "\r\na=setup:active\r\n";
  sipIn(withBody("SIP/2.0 200 OK\r\n" + vias(inv) + "Record-Route: <sip:127.0.0.1:5060;lr>\r\nFrom: " + hdr(inv, "From")
    + "\r\nTo: " + hdr(inv, "To") + ";tag=" + name + "tag\r\nCall-ID: " + hdr(inv, "Call-ID") + "\r\nCSeq: " + hdr(inv, "CSeq")
    + "\r\nContact: <sip:" + name + "@127.0.0.1:5090>\r\n", "application/sdp", sdp));
  expect(find(EVENT, "{\"event\":\"joined\",\"member\":\"sip:" + name + "@d\"}")).toBeGreaterThanOrEqual(0);
  memberConn = c; memberHostPath = hostPath;
  hmConns.push(c); hmPaths.push(path); hmHostPaths.push(hostPath);
  // every member answers the roster notices of this join: their queues are idle again
  const fs: string[] = [], cs: i32[] = [];
  take();
  for (let i = 0; i < rOp.length; i++) if (rOp[i] == STREAM && rData[i].indexOf(" SEND\r\n") > 0) { fs.push(rData[i]); cs.push(rId[i]); }
  forget();
  for (let i = 0; i < fs.length; i++) {
    const m = hmConns.indexOf(cs[i]);
    if (m < 0) continue;
    const tid = fs[i].substring(5, fs[i].indexOf(" ", 5));
    const k = put(MB, "MSRP " + tid + " 200 OK\r\nTo-Path: " + hmHostPaths[m] + "\r\nFrom-Path: " + hmPaths[m] + "\r\n-------" + tid + "$\r\n");
    expect(feed(cs[i], k, 4096)).toBe(k);
  }
  forget();
  return path;
}
let memberConn: i32 = -1;
let memberHostPath = "";
let hmConns: i32[] = [], hmPaths: string[] = [], hmHostPaths: string[] = [];

/** A whole text/plain SEND from a member (path) to the host on connection c. */
function memberSend(c: i32, hostPath: string, path: string, tid: string, msgId: string, body: string, range: string, flag: string): i32 {
  const n = put(MB, "MSRP " + tid + " SEND\r\nTo-Path: " + hostPath + "\r\nFrom-Path: " + path + "\r\nMessage-ID: " + msgId
    + "\r\nByte-Range: " + range + "\r\nContent-Type: text/plain\r\n\r\n" + body + "\r\n-------" + tid + flag + "\r\n");
  return feed(c, n, 65536);
}
/** The frames on connection c that begin with pre and contain `has` (and end with `end`). */
function framesOn(c: i32, pre: string, has: string = "", end: string = ""): string[] {
  take();
  const out: string[] = [];
  for (let i = 0; i < rOp.length; i++) {
    if (rOp[i] != STREAM || rId[i] != c || !rData[i].startsWith(pre)) continue;
    if (has.length > 0 && rData[i].indexOf(has) < 0) continue;
    if (end.length > 0 && !rData[i].endsWith(end)) continue;
    out.push(rData[i]);
  }
  return out;
}

describe("chat role: the relay on a virtual clock", () => {
  test("a member that answers nothing is evicted at the stall limit; the others keep getting messages", () => {
    start("sip:bob@d", 1);
    hmConns = []; hmPaths = []; hmHostPaths = [];
    chatSetLimits(2000, 0);
    const tomPath = hostAdd("tom", 2857); const tomConn = memberConn; const hp1 = memberHostPath;
    const amyPath = hostAdd("amy", 2858); const amyConn = memberConn; const hp2 = memberHostPath;
    // amy sends; tom gets relayed copies but never answers one
    for (let i = 0; i < 40; i++) {
      const tid = "am" + i.toString() + "xx";
      expect(memberSend(amyConn, hp2, amyPath, tid, "amymsg" + i.toString(), "hello " + i.toString(), "1-" + (6 + i.toString().length).toString() + "/" + (6 + i.toString().length).toString(), "$")).toBeGreaterThan(0);
    }
    const toTom = framesOn(tomConn, "MSRP ", "hello ");
    expect(toTom.length).toBeGreaterThan(0);
    expect(framesOn(amyConn, "MSRP am").length).toBe(40);           // every SEND of amy got its answer
    forget();
    now += 1999; chatTimer(now);
    expect(count(EVENT, "{\"event\":\"left\"")).toBe(0);            // not yet
    now += 1; chatTimer(now);
    const left = find(EVENT, "{\"event\":\"left\",\"member\":\"sip:tom@d\",\"reason\":\"evicted: stalled\",\"code\":408}");
    expect(left).toBeGreaterThanOrEqual(0);
    expect(find(DGRAM, "BYE sip:tom@127.0.0.1:5090 SIP/2.0")).toBeGreaterThanOrEqual(0);
    const cl = find(CLOSE, "");
    expect(cl >= 0 && rId[cl] == tomConn).toBe(true);                // its MSRP connection closes
    // amy is told with a roster notice (state deleted)
    const notice = framesOn(amyConn, "MSRP ", "state=\"deleted\"");
    expect(notice.length).toBe(1);
    expect(chatMembers()).toBe(1);
    forget();
    // the chat goes on: amy's next message is answered and shown to the host's app
    expect(memberSend(amyConn, hp2, amyPath, "amlast", "amylast", "after", "1-5/5", "$")).toBeGreaterThan(0);
    expect(framesOn(amyConn, "MSRP amlast 200").length).toBe(1);
    expect(find(EVENT, "{\"event\":\"message\",\"from\":\"sip:amy@d\"")).toBeGreaterThanOrEqual(0);
    expect(hp1.length).toBeGreaterThan(0);
    expect(tomPath.length).toBeGreaterThan(0);
  });

  test("a '+' chunk never continued: at the idle limit '#' to the recipients, REPORT 408 to the sender", () => {
    start("sip:bob@d", 1);
    hmConns = []; hmPaths = []; hmHostPaths = [];
    chatSetLimits(0, 1500);
    hostAdd("tom", 2857); const tomConn = memberConn;
    const amyPath = hostAdd("amy", 2858); const amyConn = memberConn; const hp2 = memberHostPath;
    forget();
    expect(memberSend(amyConn, hp2, amyPath, "stk1", "stuck001", "part one ", "1-9/20", "+")).toBeGreaterThan(0);
    expect(framesOn(amyConn, "MSRP stk1 200").length).toBe(1);       // taken: answered at once
    const first = framesOn(tomConn, "MSRP ", "part one");
    expect(first.length).toBe(1);
    expect(first[0].endsWith("+\r\n")).toBe(true);
    const tomMsgId = hdr(first[0], "Message-ID");
    // meanwhile another message of amy's goes through whole (chunks interleave, RFC 4975 §5.1)
    expect(memberSend(amyConn, hp2, amyPath, "oth1", "other001", "other", "1-5/5", "$")).toBeGreaterThan(0);
    const other = framesOn(tomConn, "MSRP ", "other", "$\r\n");
    expect(other.length).toBe(1);
    forget();
    now += 1499; chatTimer(now);
    expect(framesOn(tomConn, "MSRP ").length).toBe(0);
    now += 1; chatTimer(now);
    const hash = framesOn(tomConn, "MSRP ", "Message-ID: " + tomMsgId + "\r\n");
    expect(hash.length).toBe(1);
    expect(hash[0].endsWith("#\r\n")).toBe(true);                      // never shown as complete
    const rep = framesOn(amyConn, "MSRP ", " REPORT\r\n");
    expect(rep.length).toBe(1);
    expect(hdr(rep[0], "Message-ID")).toBe("stuck001");
    expect(hdr(rep[0], "Status").startsWith("000 408")).toBe(true);
    expect(find(EVENT, "{\"event\":\"error\",\"name\":\"message_aborted\",\"code\":408")).toBeGreaterThanOrEqual(0);
    // the rest of it, late: refused (the message is gone)
    forget();
    expect(memberSend(amyConn, hp2, amyPath, "stk2", "stuck001", "part two, la", "10-20/20", "$")).toBeGreaterThan(0);
    expect(framesOn(amyConn, "MSRP stk2 400").length).toBe(1);
  });
});
