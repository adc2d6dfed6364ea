// Benchmark inputs: one realistic OMA SIMPLE IM chat mix (INVITE with an MSRP SDP
// offer through the IM server, 200 OK with the answer, ACK, BYE, REGISTER), the
// valid RFC 4475 torture messages, a 64 KiB MSRP SEND frame and the valid MSRP SDP
// offers/answers of the shared corpus. Everything is built once, as bytes (for the
// wasm and the CRLF scan) and as latin1 strings (what JsSIP / sip.js / sdp-transform
// take), so every contender sees exactly the same octets.
import { readFileSync } from "node:fs";
import path from "node:path";

export interface Msg { name: string; bytes: Buffer; text: string; }

const CRLF = "\r\n";
const lines = (...ls: string[]): string => ls.join(CRLF);

function mk(name: string, s: string): Msg {
  const bytes = Buffer.from(s, "latin1");
  return { name, bytes, text: bytes.toString("latin1") };
}

/** Content-Length is computed, so the mix stays well formed when edited. */
function sipWithBody(head: string[], body: string): string {
  return lines(...head, `Content-Length: ${Buffer.byteLength(body, "latin1")}`, "", body);
}

const OFFER = lines(
  "v=0",
  "o=bob 2890844526 2890844527 IN IP4 bob.example.com",
  "s=-",
  "c=IN IP4 192.0.2.10",
  "t=0 0",
  "m=message 7394 TCP/MSRP *",
  "a=accept-types:message/cpim text/plain",
  "a=accept-wrapped-types:text/plain message/imdn+xml",
  "a=max-size:131072",
  "a=path:msrp://192.0.2.10:7394/kjhd37s2s20w2a;tcp",
  "a=setup:actpass",
  "a=connection:new",
  "") ;

const ANSWER = lines(
  "v=0",
  "o=alice 2890844530 2890844530 IN IP4 alice.example.com",
  "s=-",
  "c=IN IP4 198.51.100.7",
  "t=0 0",
  "m=message 12763 TCP/MSRP *",
  "a=accept-types:message/cpim text/plain",
  "a=accept-wrapped-types:text/plain message/imdn+xml",
  "a=path:msrp://198.51.100.7:12763/98cjs9;tcp",
  "a=setup:active",
  "");

const CALL_ID = "a84b4c76e66710@bob.example.com";

export function sipMix(): Msg[] {
  const invite = sipWithBody([
    "INVITE sip:alice@example.com SIP/2.0",
    "Via: SIP/2.0/TCP im.example.com:5060;branch=z9hG4bK2d4790.1",
    "Via: SIP/2.0/TCP 192.0.2.10:5060;received=192.0.2.10;branch=z9hG4bK74bf9",
    "Max-Forwards: 69",
    "Record-Route: <sip:im.example.com;lr;transport=tcp>",
    "From: \"Bob\" <sip:bob@example.com>;tag=9fxced76sl",
    "To: <sip:alice@example.com>",
    `Call-ID: ${CALL_ID}`,
    "CSeq: 1 INVITE",
    "Contact: <sip:bob@192.0.2.10:5060;transport=tcp>;isfocus",
    "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE",
    "Supported: timer",
    "Accept-Contact: *;+g.oma.sip-im",
    "User-Agent: simple-im-agent/0.1",
    "Subject: lunch?",
    "Content-Type: application/sdp",
  ], OFFER);
  const ok = sipWithBody([
    "SIP/2.0 200 OK",
    "Via: SIP/2.0/TCP im.example.com:5060;branch=z9hG4bK2d4790.1",
    "Via: SIP/2.0/TCP 192.0.2.10:5060;received=192.0.2.10;branch=z9hG4bK74bf9",
    "Record-Route: <sip:im.example.com;lr;transport=tcp>",
    "From: \"Bob\" <sip:bob@example.com>;tag=9fxced76sl",
    "To: <sip:alice@example.com>;tag=8321234356",
    `Call-ID: ${CALL_ID}`,
    "CSeq: 1 INVITE",
    "Contact: <sip:alice@198.51.100.7:5060;transport=tcp>",
    "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE",
    "Content-Type: application/sdp",
  ], ANSWER);
  const ack = sipWithBody([
    "ACK sip:alice@198.51.100.7:5060;transport=tcp SIP/2.0",
    "Via: SIP/2.0/TCP 192.0.2.10:5060;branch=z9hG4bK74bfa",
    "Max-Forwards: 70",
    "Route: <sip:im.example.com;lr;transport=tcp>",
    "From: \"Bob\" <sip:bob@example.com>;tag=9fxced76sl",
    "To: <sip:alice@example.com>;tag=8321234356",
    `Call-ID: ${CALL_ID}`,
    "CSeq: 1 ACK",
  ], "");
  const bye = sipWithBody([
    "BYE sip:alice@198.51.100.7:5060;transport=tcp SIP/2.0",
    "Via: SIP/2.0/TCP 192.0.2.10:5060;branch=z9hG4bK74bfb",
    "Max-Forwards: 70",
    "Route: <sip:im.example.com;lr;transport=tcp>",
    "From: \"Bob\" <sip:bob@example.com>;tag=9fxced76sl",
    "To: <sip:alice@example.com>;tag=8321234356",
    `Call-ID: ${CALL_ID}`,
    "CSeq: 2 BYE",
  ], "");
  const register = sipWithBody([
    "REGISTER sip:example.com SIP/2.0",
    "Via: SIP/2.0/TCP 198.51.100.7:5060;branch=z9hG4bKnashds7",
    "Max-Forwards: 70",
    "From: <sip:alice@example.com>;tag=a73kszlfl",
    "To: <sip:alice@example.com>",
    "Call-ID: 1j9FpLxk3uxtm8tn@198.51.100.7",
    "CSeq: 1 REGISTER",
    "Contact: <sip:alice@198.51.100.7:5060;transport=tcp>;+g.oma.sip-im;expires=3600",
    "Expires: 3600",
    "User-Agent: simple-im-agent/0.1",
  ], "");
  return [mk("invite-msrp", invite), mk("200-ok", ok), mk("ack", ack), mk("bye", bye), mk("register", register)];
}

function manifest(dir: string): { file: string; verdict: string; expect: string }[] {
  const rows = readFileSync(path.join(dir, "MANIFEST.tsv"), "utf8").split("\n").filter((l) => l.length > 0);
  const head = rows[0].split("\t");
  const fi = head.indexOf("file"), vi = head.indexOf("verdict"), ei = head.indexOf("expect");
  return rows.slice(1).map((r) => { const c = r.split("\t"); return { file: c[fi], verdict: c[vi], expect: c[ei] }; });
}

/** RFC 4475 messages whose MANIFEST verdict is `valid` (syntactically well formed). */
export function rfc4475Valid(corpus: string): Msg[] {
  const dir = path.join(corpus, "sip", "rfc4475");
  return manifest(dir).filter((r) => r.verdict === "valid")
    .map((r) => { const b = readFileSync(path.join(dir, r.file)); return { name: r.file, bytes: b, text: b.toString("latin1") }; });
}

/** Valid SDP bodies (expect = parse). */
export function sdpValid(corpus: string): Msg[] {
  const dir = path.join(corpus, "sdp");
  return manifest(dir).filter((r) => r.verdict === "valid" && r.expect === "parse")
    .map((r) => { const b = readFileSync(path.join(dir, r.file)); return { name: r.file, bytes: b, text: b.toString("latin1") }; });
}

export const MSRP_TID = "a786hjs2";

/**
 * One MSRP SEND chunk (RFC 4975 §7.1) whose whole frame is exactly `frameLen` octets
 * (64 KiB: the inbox size, i.e. one host read). The body is printable filler that
 * contains many "-------" runs and CRLFs but never the end-line, so a scanner cannot
 * skip ahead cheaply; the end-line is `-------a786hjs2$` (§7.1: 7 dashes, tid, flag).
 */
export function msrpSend64k(frameLen = 65536): { frame: Buffer; endLine: Buffer; bodyLen: number } {
  const head = (bodyLen: number): string => lines(
    `MSRP ${MSRP_TID} SEND`,
    "To-Path: msrp://198.51.100.7:12763/98cjs9;tcp",
    "From-Path: msrp://192.0.2.10:7394/kjhd37s2s20w2a;tcp",
    "Message-ID: 87652491",
    `Byte-Range: 1-${bodyLen}/${bodyLen}`,
    "Content-Type: text/plain",
    "", "");
  const tail = `${CRLF}-------${MSRP_TID}$${CRLF}`;
  // Fixed point: the Byte-Range digits depend on the body length.
  let bodyLen = frameLen - head(frameLen).length - tail.length;
  for (let k = 0; k < 4; k++) bodyLen = frameLen - head(bodyLen).length - tail.length;
  const unit = "The quick brown fox -------jumps over the lazy dog 0123456789.\r\n";
  let body = unit.repeat(Math.ceil(bodyLen / unit.length) + 1).slice(0, bodyLen);
  if (body.endsWith("\r")) body = body.slice(0, -1) + "x";
  const frame = Buffer.from(head(bodyLen) + body + tail, "latin1");
  if (frame.length !== frameLen) throw new Error(`msrp frame ${frame.length} != ${frameLen}`);
  return { frame, endLine: Buffer.from(`${CRLF}-------${MSRP_TID}`, "latin1"), bodyLen };
}
