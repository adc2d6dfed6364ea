// Dialogs (assembly/sip/dialog.ts, RFC 3261 §12, §13.2.2.4, §15): UAC and UAS creation with
// a two-proxy Record-Route, golden ACK/BYE, strict routing, CSeq ordering, early -> confirmed,
// forks, pool exhaustion, and malformed / truncated / mutated responses that must never make
// a dialog (nor trap). Every built message goes back through sipParse (parse(build(x))).

import {
  dialogFromUacResponse, dialogFromUasRequest, dialogConfirm, dialogMatch, dialogMatchRequest,
  dialogMatchResponse, dialogOnRequest, dialogBuildRequest, dialogBuildAck, dialogBuildBye,
  dialogNextHop, dialogNextHopPtr, dialogNextHopLen, dialogLastStrict, dialogTerminate,
  dialogTerminateEarly, dialogState, dialogRole, dialogSecure, dialogLocalSeq, dialogRemoteSeq,
  dialogRouteCount, dialogSpan, dialogSpanPtr, dialogActive, dialogReset, dialogLastError,
  dialogWasNew, dialogErrCode, dialogErrReason, DialogErr, DialogState, DialogRole, DlgSpan, UaLocal, uaLocalAt,
} from "../../../assembly/sip/dialog";
import { sipParse, SipStream, sipStreamAt, sipStreamReset, sipStreamFeed, sipStreamNext } from "../../../assembly/wire/sip";
import { SipMsg, sipMsgAt, HDR_STRIDE, HdrType, Method } from "../../../assembly/wire/sip_msg";
import { SipWriter, sipWriterAt, wStart } from "../../../assembly/wire/sip_build";
import { SIP_HDR_MAX, DIALOG_MAX, DIALOG_ROUTE_MAX } from "../../../assembly/mem/limits";
import { NEED_MORE } from "../../../assembly/mem/result";

const REQ_BUF = memory.data(8192);
const RESP_BUF = memory.data(8192);
const OUT_BUF = memory.data(8192 + 64);
const TMP = memory.data(512);
const CFG = memory.data(256);
const REQ = sipMsgAt(memory.data(offsetof<SipMsg>(), 8), memory.data(SIP_HDR_MAX * HDR_STRIDE, 8));
const RESP = sipMsgAt(memory.data(offsetof<SipMsg>(), 8), memory.data(SIP_HDR_MAX * HDR_STRIDE, 8));
const OUTM = sipMsgAt(memory.data(offsetof<SipMsg>(), 8), memory.data(SIP_HDR_MAX * HDR_STRIDE, 8));
const W = sipWriterAt(memory.data(offsetof<SipWriter>(), 8));
const LOCAL = uaLocalAt(memory.data(offsetof<UaLocal>(), 8));
const STREAM = sipStreamAt(memory.data(offsetof<SipStream>(), 8));
const SBUF = memory.data(8192);

function put(dst: usize, s: string): i32 {
  for (let i = 0; i < s.length; i++) store<u8>(dst + i, <u8>s.charCodeAt(i));
  return s.length;
}
function str(p: usize, n: i32): string { return n < 0 ? "<none>" : String.UTF8.decodeUnsafe(p, <usize>n); }
function parseInto(buf: usize, m: SipMsg, s: string): i32 {
  const n = put(buf, s);
  return sipParse(buf, n, m, true);
}
function span(h: i32, which: i32): string { const n = dialogSpan(h, which); return str(dialogSpanPtr(), n); }
function out(n: i32): string { return str(OUT_BUF, n); }
/** Header value of the first header of type t in OUTM. */
function hv(m: SipMsg, t: i32): string {
  for (let i = 0; i < m.hdrCount; i++) if (m.hdrType(i) == t) return str(m.base + m.valOff(i), m.valLen(i));
  return "<none>";
}
function hcount(m: SipMsg, t: i32): i32 {
  let n = 0;
  for (let i = 0; i < m.hdrCount; i++) if (m.hdrType(i) == t) n++;
  return n;
}
function setLocal(via: string, contact: string): void {
  const a = put(CFG, via);
  const b = put(CFG + 128, contact);
  LOCAL.viaPtr = CFG; LOCAL.viaLen = a; LOCAL.rport = 0;
  LOCAL.contactPtr = CFG + 128; LOCAL.contactLen = b;
}

// ---- golden messages: Alice (UAC) -> p1 -> p2 -> Bob (UAS) ------------------------------

const INVITE_SENT =
  "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n" +
  "Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK74bf9\r\n" +
  "Max-Forwards: 70\r\n" +
  "To: Bob <sip:bob@biloxi.example.com>\r\n" +
  "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n" +
  "Call-ID: 3848276298220188511@atlanta.example.com\r\n" +
  "CSeq: 314159 INVITE\r\n" +
  "Contact: <sip:alice@192.0.2.1:5060;transport=tcp>\r\n" +
  "Content-Length: 0\r\n\r\n";

// Record-Route as the UAS copied it from the request: p2 (nearest Bob) first, then p1.
const OK_2RR =
  "SIP/2.0 200 OK\r\n" +
  "Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK74bf9\r\n" +
  "Record-Route: <sip:p2.example.com;lr>\r\n" +
  "Record-Route: <sip:p1.example.com;lr>;x=1\r\n" +
  "To: Bob <sip:bob@biloxi.example.com>;tag=8321234356\r\n" +
  "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n" +
  "Call-ID: 3848276298220188511@atlanta.example.com\r\n" +
  "CSeq: 314159 INVITE\r\n" +
  "Contact: <sip:bob@192.0.2.4:5062;transport=tcp>\r\n" +
  "Content-Length: 0\r\n\r\n";

const ACK_GOLD =
  "ACK sip:bob@192.0.2.4:5062;transport=tcp SIP/2.0\r\n" +
  "Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK00000000000000a1\r\n" +
  "Max-Forwards: 70\r\n" +
  "Route: <sip:p1.example.com;lr>;x=1\r\n" +
  "Route: <sip:p2.example.com;lr>\r\n" +
  "To: Bob <sip:bob@biloxi.example.com>;tag=8321234356\r\n" +
  "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n" +
  "Call-ID: 3848276298220188511@atlanta.example.com\r\n" +
  "CSeq: 314159 ACK\r\n" +
  "Content-Length: 0\r\n\r\n";

const BYE_UAC_GOLD =
  "BYE sip:bob@192.0.2.4:5062;transport=tcp SIP/2.0\r\n" +
  "Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK00000000000000b2\r\n" +
  "Max-Forwards: 70\r\n" +
  "Route: <sip:p1.example.com;lr>;x=1\r\n" +
  "Route: <sip:p2.example.com;lr>\r\n" +
  "To: Bob <sip:bob@biloxi.example.com>;tag=8321234356\r\n" +
  "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n" +
  "Call-ID: 3848276298220188511@atlanta.example.com\r\n" +
  "CSeq: 314160 BYE\r\n" +
  "Content-Length: 0\r\n\r\n";

// The INVITE as it reaches Bob: both proxies added Record-Route (p2 on top) and a Via.
const INVITE_AT_UAS =
  "INVITE sip:bob@192.0.2.4:5062;transport=tcp SIP/2.0\r\n" +
  "Via: SIP/2.0/TCP p2.example.com;branch=z9hG4bKp2\r\n" +
  "Via: SIP/2.0/TCP p1.example.com;branch=z9hG4bKp1\r\n" +
  "Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK74bf9\r\n" +
  "Max-Forwards: 68\r\n" +
  "Record-Route: <sip:p2.example.com;lr>, <sip:p1.example.com;lr>;x=1\r\n" +
  "To: Bob <sip:bob@biloxi.example.com>\r\n" +
  "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n" +
  "Call-ID: 3848276298220188511@atlanta.example.com\r\n" +
  "CSeq: 314159 INVITE\r\n" +
  "Contact: <sip:alice@192.0.2.1:5060;transport=tcp>\r\n" +
  "Content-Length: 0\r\n\r\n";

const BYE_UAS_GOLD =
  "BYE sip:alice@192.0.2.1:5060;transport=tcp SIP/2.0\r\n" +
  "Via: SIP/2.0/TCP 192.0.2.4:5062;branch=z9hG4bK00000000000000c3\r\n" +
  "Max-Forwards: 70\r\n" +
  "Route: <sip:p2.example.com;lr>\r\n" +
  "Route: <sip:p1.example.com;lr>;x=1\r\n" +
  "To: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n" +
  "From: Bob <sip:bob@biloxi.example.com>;tag=b0b\r\n" +
  "Call-ID: 3848276298220188511@atlanta.example.com\r\n" +
  "CSeq: 1 BYE\r\n" +
  "Content-Length: 0\r\n\r\n";

function resp200(rr: string, contact: string, toTag: string, status: string = "200 OK"): string {
  return "SIP/2.0 " + status + "\r\n" +
    "Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK74bf9\r\n" + rr +
    "To: Bob <sip:bob@biloxi.example.com>" + toTag + "\r\n" +
    "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n" +
    "Call-ID: 3848276298220188511@atlanta.example.com\r\n" +
    "CSeq: 314159 INVITE\r\n" + contact +
    "Content-Length: 0\r\n\r\n";
}
const C_BOB = "Contact: <sip:bob@192.0.2.4:5062;transport=tcp>\r\n";

function uac(resp: string): i32 {
  expect(parseInto(REQ_BUF, REQ, INVITE_SENT)).toBeGreaterThan(0);
  const r = parseInto(RESP_BUF, RESP, resp);
  if (r <= 0) return -1000 + r;
  return dialogFromUacResponse(REQ, RESP, 1000);
}
function uas(inv: string, tag: string): i32 {
  const r = parseInto(REQ_BUF, REQ, inv);
  if (r <= 0) return -1000 + r;
  const t = put(TMP, tag);
  return dialogFromUasRequest(REQ, TMP, t, 2000);
}

describe("UAC dialog (§12.1.2)", () => {
  test("2xx with two Record-Routes: reversed route set, target, tags, CSeq", () => {
    dialogReset();
    const h = uac(OK_2RR);
    expect(h).toBeGreaterThanOrEqual(0);
    expect(dialogWasNew()).toBe(true);
    expect(dialogState(h)).toBe(DialogState.Confirmed);
    expect(dialogRole(h)).toBe(DialogRole.Uac);
    expect(dialogSecure(h)).toBe(0);
    expect(dialogRouteCount(h)).toBe(2);
    expect(span(h, DlgSpan.Route)).toBe("<sip:p1.example.com;lr>;x=1");
    expect(span(h, DlgSpan.Route + 1)).toBe("<sip:p2.example.com;lr>");
    expect(span(h, DlgSpan.Route + DIALOG_ROUTE_MAX)).toBe("sip:p1.example.com;lr");
    expect(span(h, DlgSpan.RemoteTarget)).toBe("sip:bob@192.0.2.4:5062;transport=tcp");
    expect(span(h, DlgSpan.CallId)).toBe("3848276298220188511@atlanta.example.com");
    expect(span(h, DlgSpan.LocalTag)).toBe("9fxced76sl");
    expect(span(h, DlgSpan.RemoteTag)).toBe("8321234356");
    expect(span(h, DlgSpan.LocalUri)).toBe("Alice <sip:alice@atlanta.example.com>");
    expect(span(h, DlgSpan.RemoteUri)).toBe("Bob <sip:bob@biloxi.example.com>");
    expect(dialogLocalSeq(h)).toBe(314159);
    expect(dialogRemoteSeq(h)).toBe(-1);
    expect(dialogActive()).toBe(1);
  });

  test("the 2xx fed over a stream whole, byte by byte and at every split gives the same dialog", () => {
    expect(parseInto(REQ_BUF, REQ, INVITE_SENT)).toBeGreaterThan(0);
    const n = put(RESP_BUF, OK_2RR);
    for (let cut = 0; cut <= n; cut++) {            // cut == n: whole; below: two pieces
      for (let mode = 0; mode < 2; mode++) {        // mode 1: byte by byte (once)
        if (mode == 1 && cut > 0) continue;
        dialogReset();
        sipStreamReset(STREAM, SBUF, 8192);
        let r = NEED_MORE;
        if (mode == 1) {
          for (let i = 0; i < n && r == NEED_MORE; i++) { sipStreamFeed(STREAM, RESP_BUF + i, 1); r = sipStreamNext(STREAM, RESP); }
        } else {
          if (cut > 0) { sipStreamFeed(STREAM, RESP_BUF, cut); r = sipStreamNext(STREAM, RESP); }
          if (r == NEED_MORE && cut < n) { sipStreamFeed(STREAM, RESP_BUF + cut, n - cut); r = sipStreamNext(STREAM, RESP); }
        }
        expect(r).toBe(n);
        const h = dialogFromUacResponse(REQ, RESP, 1);
        expect(h).toBeGreaterThanOrEqual(0);
        expect(span(h, DlgSpan.Route)).toBe("<sip:p1.example.com;lr>;x=1");
        expect(span(h, DlgSpan.Route + 1)).toBe("<sip:p2.example.com;lr>");
        expect(span(h, DlgSpan.RemoteTag)).toBe("8321234356");
      }
    }
    dialogReset();
  });

  test("ACK for the 2xx (§13.2.2.4): golden bytes, INVITE CSeq, loose route, next hop", () => {
    dialogReset();
    const h = uac(OK_2RR);
    setLocal("SIP/2.0/TCP 192.0.2.1:5060", "sip:alice@192.0.2.1:5060;transport=tcp");
    wStart(W, OUT_BUF, 8192);
    const n = dialogBuildAck(h, W, LOCAL, 0xa1, "", 0, 0);
    expect(out(n)).toBe(ACK_GOLD);
    expect(dialogLastStrict()).toBe(false);
    expect(str(dialogNextHopPtr(), dialogNextHopLen())).toBe("sip:p1.example.com;lr");
    expect(dialogLocalSeq(h)).toBe(314159);   // ACK does not move the local seq
    // parse(build(x))
    expect(sipParse(OUT_BUF, n, OUTM, true)).toBe(n);
    expect(OUTM.method).toBe(Method.ACK);
    expect(hcount(OUTM, HdrType.Route)).toBe(2);
    expect(hv(OUTM, HdrType.CSeq)).toBe("314159 ACK");
    // the ACK is repeatable (2xx retransmission): same CSeq again
    wStart(W, OUT_BUF, 8192);
    expect(out(dialogBuildAck(h, W, LOCAL, 0xa1, "", 0, 0))).toBe(ACK_GOLD);
  });

  test("BYE: CSeq local+1, Terminating, then dialogTerminate makes the handle stale", () => {
    dialogReset();
    const h = uac(OK_2RR);
    setLocal("SIP/2.0/TCP 192.0.2.1:5060", "sip:alice@192.0.2.1:5060;transport=tcp");
    wStart(W, OUT_BUF, 8192);
    const n = dialogBuildBye(h, W, LOCAL, 0xb2);
    expect(out(n)).toBe(BYE_UAC_GOLD);
    expect(dialogLocalSeq(h)).toBe(314160);
    expect(dialogState(h)).toBe(DialogState.Terminating);
    expect(sipParse(OUT_BUF, n, OUTM, true)).toBe(n);
    // the BYE's 200 matches the dialog from its tags
    const r = "SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK00000000000000b2\r\n" +
      "To: Bob <sip:bob@biloxi.example.com>;tag=8321234356\r\nFrom: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n" +
      "Call-ID: 3848276298220188511@atlanta.example.com\r\nCSeq: 314160 BYE\r\nContent-Length: 0\r\n\r\n";
    expect(parseInto(RESP_BUF, RESP, r)).toBeGreaterThan(0);
    expect(dialogMatchResponse(RESP)).toBe(h);
    // no request after BYE
    wStart(W, OUT_BUF, 8192);
    expect(dialogBuildRequest(h, Method.MESSAGE, W, LOCAL, 1, "text/plain", TMP, 2)).toBe(-1);
    expect(dialogLastError()).toBe(DialogErr.BadState);
    expect(dialogTerminate(h)).toBe(DialogErr.Ok);
    expect(dialogState(h)).toBe(-1);
    wStart(W, OUT_BUF, 8192);
    expect(dialogBuildBye(h, W, LOCAL, 1)).toBe(-1);
    expect(dialogLastError()).toBe(DialogErr.BadHandle);
    expect(dialogActive()).toBe(0);
  });

  test("no Record-Route: Request-URI = remote target = next hop; in-dialog MESSAGE with body", () => {
    dialogReset();
    const h = uac(resp200("", C_BOB, ";tag=t1"));
    expect(dialogRouteCount(h)).toBe(0);
    setLocal("SIP/2.0/TCP 192.0.2.1:5060", "sip:alice@192.0.2.1:5060;transport=tcp");
    wStart(W, OUT_BUF, 8192);
    const b = put(TMP, "hi");
    const n = dialogBuildRequest(h, Method.MESSAGE, W, LOCAL, 7, "text/plain", TMP, b);
    expect(n).toBeGreaterThan(0);
    expect(sipParse(OUT_BUF, n, OUTM, true)).toBe(n);
    expect(str(OUT_BUF + OUTM.uriOff, OUTM.uriLen)).toBe("sip:bob@192.0.2.4:5062;transport=tcp");
    expect(hcount(OUTM, HdrType.Route)).toBe(0);
    expect(hv(OUTM, HdrType.CSeq)).toBe("314160 MESSAGE");
    expect(hv(OUTM, HdrType.ContentType)).toBe("text/plain");
    expect(str(OUT_BUF + OUTM.bodyOff, OUTM.bodyLen)).toBe("hi");
    expect(str(dialogNextHopPtr(), dialogNextHopLen())).toBe("sip:bob@192.0.2.4:5062;transport=tcp");
    expect(dialogNextHop(h)).toBe(36);
    // a re-INVITE carries Contact and becomes the CSeq the next ACK reuses
    wStart(W, OUT_BUF, 8192);
    const n2 = dialogBuildRequest(h, Method.INVITE, W, LOCAL, 8, "", 0, 0);
    expect(sipParse(OUT_BUF, n2, OUTM, true)).toBe(n2);
    expect(hv(OUTM, HdrType.Contact)).toBe("<sip:alice@192.0.2.1:5060;transport=tcp>");
    expect(hv(OUTM, HdrType.CSeq)).toBe("314161 INVITE");
    wStart(W, OUT_BUF, 8192);
    const n3 = dialogBuildAck(h, W, LOCAL, 9, "", 0, 0);
    expect(sipParse(OUT_BUF, n3, OUTM, true)).toBe(n3);
    expect(hv(OUTM, HdrType.CSeq)).toBe("314161 ACK");
    // CANCEL is not a dialog request; a body needs a Content-Type
    wStart(W, OUT_BUF, 8192);
    expect(dialogBuildRequest(h, Method.CANCEL, W, LOCAL, 1, "", 0, 0)).toBe(-1);
    expect(dialogLastError()).toBe(DialogErr.BadMethod);
    expect(dialogBuildRequest(h, Method.MESSAGE, W, LOCAL, 1, "", TMP, 2)).toBe(-1);
  });

  test("strict router first (no ;lr): R-URI = its URI minus method, target appended as last Route", () => {
    dialogReset();
    const h = uac(resp200("Record-Route: <sip:p2.example.com;lr>, <sip:s1.example.com;method=INVITE;transport=tcp>\r\n", C_BOB, ";tag=t2"));
    expect(h).toBeGreaterThanOrEqual(0);
    expect(span(h, DlgSpan.Route)).toBe("<sip:s1.example.com;method=INVITE;transport=tcp>");
    setLocal("SIP/2.0/TCP 192.0.2.1:5060", "sip:alice@192.0.2.1:5060;transport=tcp");
    wStart(W, OUT_BUF, 8192);
    const n = dialogBuildBye(h, W, LOCAL, 0xb2);
    expect(n).toBeGreaterThan(0);
    expect(dialogLastStrict()).toBe(true);
    expect(out(n)).toBe(
      "BYE sip:s1.example.com;transport=tcp SIP/2.0\r\n" +
      "Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK00000000000000b2\r\n" +
      "Max-Forwards: 70\r\n" +
      "Route: <sip:p2.example.com;lr>\r\n" +
      "Route: <sip:bob@192.0.2.4:5062;transport=tcp>\r\n" +
      "To: Bob <sip:bob@biloxi.example.com>;tag=t2\r\n" +
      "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n" +
      "Call-ID: 3848276298220188511@atlanta.example.com\r\n" +
      "CSeq: 314160 BYE\r\n" +
      "Content-Length: 0\r\n\r\n");
    expect(str(dialogNextHopPtr(), dialogNextHopLen())).toBe("sip:s1.example.com;method=INVITE;transport=tcp");
    expect(sipParse(OUT_BUF, n, OUTM, true)).toBe(n);
  });

  test("early dialog from a tagged 180, confirmed by the 2xx (new target), retransmission, fork", () => {
    dialogReset();
    const h1 = uac(resp200("", "Contact: <sip:bob@198.51.100.9>\r\n", ";tag=e1", "180 Ringing"));
    expect(h1).toBeGreaterThanOrEqual(0);
    expect(dialogState(h1)).toBe(DialogState.Early);
    expect(span(h1, DlgSpan.RemoteTarget)).toBe("sip:bob@198.51.100.9");
    const h2 = uac(resp200("Record-Route: <sip:p9.example.com;lr>\r\n", C_BOB, ";tag=e1"));
    expect(h2).toBe(h1);
    expect(dialogWasNew()).toBe(false);
    expect(dialogState(h1)).toBe(DialogState.Confirmed);
    expect(span(h1, DlgSpan.RemoteTarget)).toBe("sip:bob@192.0.2.4:5062;transport=tcp");
    expect(dialogRouteCount(h1)).toBe(1);
    // 2xx retransmission: same dialog, nothing new (the caller re-sends its ACK)
    expect(uac(resp200("Record-Route: <sip:p9.example.com;lr>\r\n", C_BOB, ";tag=e1"))).toBe(h1);
    expect(dialogWasNew()).toBe(false);
    // a fork answers with another tag: a second dialog
    const h3 = uac(resp200("", C_BOB, ";tag=fork2"));
    expect(h3).toBeGreaterThanOrEqual(0);
    expect(h3 != h1).toBe(true);
    expect(dialogActive()).toBe(2);
    // a 2xx without a To tag (RFC 2543 UAS): null remote tag
    const h4 = uac(resp200("", C_BOB, ""));
    expect(h4).toBeGreaterThanOrEqual(0);
    expect(dialogSpan(h4, DlgSpan.RemoteTag)).toBe(0);
  });

  test("§12.3: a non-2xx final ends the early dialogs of the INVITE (all forks)", () => {
    dialogReset();
    uac(resp200("", C_BOB, ";tag=f1", "180 Ringing"));
    uac(resp200("", C_BOB, ";tag=f2", "183 Session Progress"));
    const c = uac(resp200("", C_BOB, ";tag=f3"));
    expect(dialogActive()).toBe(3);
    const a = put(TMP, "3848276298220188511@atlanta.example.com");
    const t = put(TMP + 100, "9fxced76sl");
    expect(dialogTerminateEarly(TMP, a, TMP + 100, t)).toBe(2);
    expect(dialogActive()).toBe(1);
    expect(dialogState(c)).toBe(DialogState.Confirmed);
  });
});

describe("UAS dialog (§12.1.1)", () => {
  test("INVITE with two Record-Routes: in-order route set, remote seq, golden BYE", () => {
    dialogReset();
    const h = uas(INVITE_AT_UAS, "b0b");
    expect(h).toBeGreaterThanOrEqual(0);
    expect(dialogState(h)).toBe(DialogState.Early);
    expect(dialogConfirm(h)).toBe(DialogErr.Ok);
    expect(dialogState(h)).toBe(DialogState.Confirmed);
    expect(dialogRole(h)).toBe(DialogRole.Uas);
    expect(dialogRouteCount(h)).toBe(2);
    expect(span(h, DlgSpan.Route)).toBe("<sip:p2.example.com;lr>");
    expect(span(h, DlgSpan.Route + 1)).toBe("<sip:p1.example.com;lr>;x=1");
    expect(span(h, DlgSpan.RemoteTarget)).toBe("sip:alice@192.0.2.1:5060;transport=tcp");
    expect(span(h, DlgSpan.LocalTag)).toBe("b0b");
    expect(span(h, DlgSpan.RemoteTag)).toBe("9fxced76sl");
    expect(dialogRemoteSeq(h)).toBe(314159);
    expect(dialogLocalSeq(h)).toBe(-1);
    setLocal("SIP/2.0/TCP 192.0.2.4:5062", "sip:bob@192.0.2.4:5062;transport=tcp");
    wStart(W, OUT_BUF, 8192);
    const n = dialogBuildBye(h, W, LOCAL, 0xc3);
    expect(out(n)).toBe(BYE_UAS_GOLD);
    expect(str(dialogNextHopPtr(), dialogNextHopLen())).toBe("sip:p2.example.com;lr");
    expect(sipParse(OUT_BUF, n, OUTM, true)).toBe(n);
    // the UAS has no INVITE of its own to ACK
    const h2 = uas(INVITE_AT_UAS, "other");
    wStart(W, OUT_BUF, 8192);
    expect(dialogBuildAck(h2, W, LOCAL, 1, "", 0, 0)).toBe(-1);
    expect(dialogLastError()).toBe(DialogErr.BadState);
  });

  test("same INVITE twice gives the same dialog; INVITE with a To tag is not dialog-creating", () => {
    dialogReset();
    const h = uas(INVITE_AT_UAS, "b0b");
    expect(uas(INVITE_AT_UAS, "b0b")).toBe(h);
    expect(dialogWasNew()).toBe(false);
    const tagged = INVITE_AT_UAS.replace("To: Bob <sip:bob@biloxi.example.com>", "To: Bob <sip:bob@biloxi.example.com>;tag=zz");
    expect(uas(tagged, "b0b")).toBe(-1);
    expect(dialogLastError()).toBe(DialogErr.HasToTag);
    expect(dialogErrCode(DialogErr.HasToTag)).toBe(481);
  });

  test("remote CSeq (§12.2.2): lower -> 500, equal/higher ok, ACK does not move it, BYE ends", () => {
    dialogReset();
    const h = uas(INVITE_AT_UAS, "b0b");
    dialogConfirm(h);
    const base = "To: Bob <sip:bob@biloxi.example.com>;tag=b0b\r\nFrom: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n" +
      "Call-ID: 3848276298220188511@atlanta.example.com\r\nVia: SIP/2.0/TCP p2.example.com;branch=z9hG4bKq\r\n";
    // rows: method, cseq, expected DialogErr, remote seq after
    const rows: string[] = ["ACK", "314159", "0", "314159",
                            "MESSAGE", "314158", "12", "314159",
                            "MESSAGE", "314159", "0", "314159",
                            "MESSAGE", "314170", "0", "314170",
                            "MESSAGE", "314160", "12", "314170",
                            "ACK", "1", "12", "314170"];
    for (let k = 0; k < rows.length; k += 4) {
      const m = rows[k] + " sip:bob@192.0.2.4:5062 SIP/2.0\r\n" + base + "CSeq: " + rows[k + 1] + " " + rows[k] + "\r\nContent-Length: 0\r\n\r\n";
      expect(parseInto(REQ_BUF, REQ, m)).toBeGreaterThan(0);
      expect(dialogMatchRequest(REQ)).toBe(h);
      expect(dialogOnRequest(h, REQ, 3000)).toBe(I32.parseInt(rows[k + 2]));
      expect(dialogRemoteSeq(h)).toBe(I64.parseInt(rows[k + 3]));
    }
    expect(dialogErrCode(DialogErr.OutOfOrder)).toBe(500);
    // re-INVITE refreshes the remote target
    const reinv = "INVITE sip:bob@192.0.2.4:5062 SIP/2.0\r\n" + base + "CSeq: 314171 INVITE\r\nContact: <sip:alice@203.0.113.7>\r\nContent-Length: 0\r\n\r\n";
    expect(parseInto(REQ_BUF, REQ, reinv)).toBeGreaterThan(0);
    expect(dialogOnRequest(h, REQ, 3000)).toBe(DialogErr.Ok);
    expect(span(h, DlgSpan.RemoteTarget)).toBe("sip:alice@203.0.113.7");
    const bye = "BYE sip:bob@192.0.2.4:5062 SIP/2.0\r\n" + base + "CSeq: 314172 BYE\r\nContent-Length: 0\r\n\r\n";
    expect(parseInto(REQ_BUF, REQ, bye)).toBeGreaterThan(0);
    expect(dialogOnRequest(h, REQ, 3000)).toBe(DialogErr.Ok);
    expect(dialogState(h)).toBe(-1);
    expect(dialogMatchRequest(REQ)).toBe(-1);
    expect(dialogOnRequest(-1, REQ, 3000)).toBe(DialogErr.NoDialog);
    expect(dialogErrCode(DialogErr.NoDialog)).toBe(481);
  });

  test("pool full -> PoolFull (486), no corruption of the live dialogs", () => {
    dialogReset();
    const first = uas(INVITE_AT_UAS, "t0");
    for (let k = 1; k < DIALOG_MAX; k++) expect(uas(INVITE_AT_UAS, "t" + k.toString())).toBeGreaterThanOrEqual(0);
    expect(dialogActive()).toBe(DIALOG_MAX);
    expect(uas(INVITE_AT_UAS, "one-more")).toBe(-1);
    expect(dialogLastError()).toBe(DialogErr.PoolFull);
    expect(dialogErrCode(DialogErr.PoolFull)).toBe(486);
    expect(dialogReasonOk()).toBe(true);
    expect(parseInto(REQ_BUF, REQ, INVITE_SENT)).toBeGreaterThan(0);
    expect(parseInto(RESP_BUF, RESP, OK_2RR)).toBeGreaterThan(0);
    expect(dialogFromUacResponse(REQ, RESP, 1)).toBe(-1);
    expect(dialogLastError()).toBe(DialogErr.PoolFull);
    expect(dialogActive()).toBe(DIALOG_MAX);
    // every dialog is still found and the first one still builds its golden BYE
    const cid = put(TMP, "3848276298220188511@atlanta.example.com");
    const rt = put(TMP + 100, "9fxced76sl");
    for (let k = 0; k < DIALOG_MAX; k++) {
      const lt = put(TMP + 200, "t" + k.toString());
      expect(dialogMatch(TMP, cid, TMP + 200, lt, TMP + 100, rt)).toBeGreaterThanOrEqual(0);
    }
    dialogTerminate(first);
    const h = uas(INVITE_AT_UAS, "b0b");
    setLocal("SIP/2.0/TCP 192.0.2.4:5062", "sip:bob@192.0.2.4:5062;transport=tcp");
    wStart(W, OUT_BUF, 8192);
    expect(out(dialogBuildBye(h, W, LOCAL, 0xc3))).toBe(BYE_UAS_GOLD);
    // the freed handle stays stale even though its slot is reused
    expect(dialogState(first)).toBe(-1);
  });

  test("a writer too small fails cleanly and does not move the CSeq", () => {
    dialogReset();
    const h = uas(INVITE_AT_UAS, "b0b");
    setLocal("SIP/2.0/TCP 192.0.2.4:5062", "sip:bob@192.0.2.4:5062;transport=tcp");
    const full = BYE_UAS_GOLD.length;
    for (let cap = 0; cap < full; cap += 7) {
      for (let g = 0; g < 64; g++) store<u8>(OUT_BUF + cap + g, 0xee);
      wStart(W, OUT_BUF, cap);
      expect(dialogBuildBye(h, W, LOCAL, 0xc3)).toBe(-1);
      expect(dialogLastError()).toBe(DialogErr.Build);
      for (let g = 0; g < 64; g++) expect(load<u8>(OUT_BUF + cap + g)).toBe(0xee);
    }
    expect(dialogLocalSeq(h)).toBe(-1);
    expect(dialogState(h)).toBe(DialogState.Early);
  });
});

function dialogReasonOk(): bool {
  for (let e = 0; e <= 17; e++) if (dialogErrReason(e).length == 0) return false;
  return true;
}

// ---- responses that must not create a dialog ---------------------------------------------

const TOO_MANY_RR = "Record-Route: <sip:a1;lr>, <sip:a2;lr>, <sip:a3;lr>, <sip:a4;lr>, <sip:a5;lr>\r\n" +
                    "Record-Route: <sip:a6;lr>, <sip:a7;lr>, <sip:a8;lr>, <sip:a9;lr>\r\n";
// name, response, expected DialogErr
const BAD_ROWS: string[] = [
  "no Contact", resp200("", "", ";tag=x"), "7",
  "Contact *", resp200("", "Contact: *\r\n", ";tag=x"), "7",
  "Contact tel:", resp200("", "Contact: <tel:+15551234>\r\n", ";tag=x"), "7",
  "180 without tag", resp200("", C_BOB, "", "180 Ringing"), "5",
  "100 Trying", resp200("", C_BOB, ";tag=x", "100 Trying"), "4",
  "486", resp200("", C_BOB, ";tag=x", "486 Busy Here"), "4",
  "other Call-ID", resp200("", C_BOB, ";tag=x").replace("Call-ID: 3848", "Call-ID: 9848"), "6",
  "other CSeq", resp200("", C_BOB, ";tag=x").replace("CSeq: 314159", "CSeq: 314158"), "6",
  "other From tag", resp200("", C_BOB, ";tag=x").replace("tag=9fxced76sl", "tag=zzz"), "6",
  "RR addr-spec", resp200("Record-Route: sip:p1.example.com;lr\r\n", C_BOB, ";tag=x"), "3",
  "RR empty element", resp200("Record-Route: <sip:p1;lr>,,<sip:p2;lr>\r\n", C_BOB, ";tag=x"), "3",
  "RR not sip", resp200("Record-Route: <http://p1.example.com>\r\n", C_BOB, ";tag=x"), "8",
  "too many RR", resp200(TOO_MANY_RR, C_BOB, ";tag=x"), "9",
  "two Vias", resp200("Via: SIP/2.0/TCP 192.0.2.99;branch=z9hG4bKo\r\n", C_BOB, ";tag=x"), "3",
  "request, not response", INVITE_SENT, "3",
];

describe("malformed, truncated and mutated responses never create a dialog", () => {
  test("table of bad 1xx/2xx responses", () => {
    dialogReset();
    for (let k = 0; k < BAD_ROWS.length; k += 3) {
      const h = uac(BAD_ROWS[k + 1]);
      if (h != -1) log(BAD_ROWS[k]);
      expect(h).toBe(-1);
      if (dialogLastError() != I32.parseInt(BAD_ROWS[k + 2])) log(BAD_ROWS[k]);
      expect(dialogLastError()).toBe(I32.parseInt(BAD_ROWS[k + 2]));
      expect(dialogActive()).toBe(0);
    }
  });

  test("a bad 2xx after an early dialog leaves that dialog as it was", () => {
    dialogReset();
    const h = uac(resp200("Record-Route: <sip:p9.example.com;lr>\r\n", "Contact: <sip:bob@198.51.100.9>\r\n", ";tag=e1", "180 Ringing"));
    expect(uac(resp200(TOO_MANY_RR, C_BOB, ";tag=e1"))).toBe(-1);
    expect(dialogState(h)).toBe(DialogState.Early);
    expect(span(h, DlgSpan.RemoteTarget)).toBe("sip:bob@198.51.100.9");
    expect(span(h, DlgSpan.Route)).toBe("<sip:p9.example.com;lr>");
  });

  test("every prefix over a stream is NEED_MORE; a datagram prefix only makes a dialog once every dialog header is in", () => {
    dialogReset();
    expect(parseInto(REQ_BUF, REQ, INVITE_SENT)).toBeGreaterThan(0);
    const n = put(RESP_BUF, OK_2RR);
    // the Contact value is the last dialog header: its end (before its CRLF) is the first point
    // where a datagram holds everything (wire/sip.ts accepts a last header line without CRLF)
    const clAt = OK_2RR.indexOf("Content-Length") - 2;
    for (let k = 0; k < n; k++) {
      expect(sipParse(RESP_BUF, k, RESP, false)).toBe(NEED_MORE);
      const r = sipParse(RESP_BUF, k, RESP, true);
      if (r > 0) {
        const h = dialogFromUacResponse(REQ, RESP, 1);
        if (h >= 0) {
          expect(k).toBeGreaterThanOrEqual(clAt);
          expect(dialogRouteCount(h)).toBe(2);
          expect(span(h, DlgSpan.RemoteTarget)).toBe("sip:bob@192.0.2.4:5062;transport=tcp");
          dialogReset();
        }
      }
      expect(dialogActive()).toBe(0);
    }
  });

  test("every byte replaced by NUL, CR, ',', '<', ';', '>' or SP: no trap, no leak", () => {
    dialogReset();
    expect(parseInto(REQ_BUF, REQ, INVITE_SENT)).toBeGreaterThan(0);
    const subs: u8[] = [0, 13, 44, 60, 59, 62, 32];
    const n = OK_2RR.length;
    let made = 0;
    for (let k = 0; k < n; k++) {
      for (let s = 0; s < subs.length; s++) {
        put(RESP_BUF, OK_2RR);
        store<u8>(RESP_BUF + k, subs[s]);
        if (sipParse(RESP_BUF, n, RESP, true) > 0) {
          const h = dialogFromUacResponse(REQ, RESP, 1);
          if (h >= 0) {
            made++;
            setLocal("SIP/2.0/TCP 192.0.2.1:5060", "sip:alice@192.0.2.1:5060;transport=tcp");
            wStart(W, OUT_BUF, 8192);
            const m = dialogBuildBye(h, W, LOCAL, 1);
            if (m > 0) expect(sipParse(OUT_BUF, m, OUTM, true)).toBe(m);
            dialogReset();
          }
        }
        expect(dialogActive()).toBe(0);
      }
    }
    expect(made).toBeGreaterThan(0);   // harmless mutations (e.g. in the reason phrase) still work
  });
});
