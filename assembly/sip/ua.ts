// UA core helpers (RFC 3261 §8, §10, §11, §13, §9.2): out-of-dialog requests, responses and
// the UAS decisions that come before any dialog or application logic. Pure functions over
// parsed views (wire/sip.ts) and caller-given writers (wire/sip_build.ts); no clock, no I/O.
//
// Reading list:
//   RFC 3261 §8.1.1   a request's mandatory headers: To, From (+tag), CSeq, Call-ID, Max-Forwards
//                     (70), Via (+branch, §8.1.1.7); Contact in INVITE (§8.1.1.8)
//   RFC 3261 §8.2.1   method inspection: recognised but unsupported -> 405 with Allow;
//                     unknown -> 501 (§21.5.2)
//   RFC 3261 §8.2.2-3 420 with Unsupported, 415 with Accept (delegated to sip/validate.ts)
//   RFC 3261 §8.2.6   responses copy Via/From/To/Call-ID/CSeq, tag the To
//   RFC 3261 §9.2     CANCEL: 200 to the CANCEL, 487 to the INVITE when it has no final response yet;
//                     no matching transaction -> 481
//   RFC 3261 §10.2    REGISTER: Request-URI = registrar domain, To = From = AOR, Contact + Expires;
//   RFC 3261 §10.2.4  refresh before the binding expires (expiry read from the 200's Contact)
//   RFC 3261 §10.2.8  423 Interval Too Brief carries Min-Expires
//   RFC 3261 §11.2    200 to OPTIONS lists Allow / Accept
//   RFC 3261 §12.1.1  dialog-creating responses copy Record-Route and carry Contact
//   RFC 3261 §12.2.2  in-dialog request without a dialog -> 481, lower CSeq -> 500
//   RFC 3261 §21.4.24 486 Busy Here; §21.4.26 488 Not Acceptable Here (SDP we cannot use)
//   RFC 3428          MESSAGE (no dialog, no Contact needed)
//   RFC 4975 §8       an MSRP offer: m=message <port> TCP/MSRP *, a=path, a=accept-types
//
// API:
//   UaReq (@unmanaged) request parameters; uaReqAt(store)
//   uaBuildRequest(w, local, method, r, ctype, bodyPtr, bodyLen): i32 length or -1
//   uaBuildInvite(w, local, r, sdpPtr, sdpLen) / uaBuildRegister(w, local, r, expiresS) /
//   uaBuildOptions(w, local, r) / uaBuildMessage(w, local, r, ctype, bodyPtr, bodyLen)
//   uaBuildCancel(w, invite, rnd?)                    CANCEL for a sent INVITE (§9.1)
//   uaRegisterGranted(resp, contactPtr, contactLen): i64   seconds bound (0 none, -1 bad)
//   uaRegisterRefreshDelayS(grantedS): i64 / uaRegisterRefreshAt(nowMs, grantedS): f64
//   uaMinExpires(resp): i64                          423 Min-Expires
//   uaReasonPhrase(code): string
//   uaBuildResponse(w, req, code, local, tagPtr, tagLen, ctype, bodyPtr, bodyLen): i32
//   uaCheckRequest(req): i32                         0 or 400/405/406/415/416/420/501/505/...
//   uaCheckDialog(req, now): i32                     0 (uaDialog() = handle or -1), 481, 500, UA_DROP
//   uaCheckInvite(req, busy, allowTls): i32          0 (uaOfferMedia()), 415, 486, 488
//   uaOnCancel(wc, cancel, inviteFound, inviteFinal, wi, invite, tagPtr, tagLen): i32  200 / 481
//   uaLastReason(): string

import { eqSpan, eqNoCase } from "../mem/bytes";
import { DEFAULT_EXPIRES_S, SDP_ATTR_MAX, SDP_MEDIA_MAX } from "../mem/limits";
import { SipMsg, HdrType, Method } from "../wire/sip_msg";
import { SipErr, sipErrCode, sipErrReason } from "../wire/sip_err";
import {
  SipNameAddr, nameAddrParse, listElemEnd, scalarParse, paramFind, skipLws, trimLwsEnd,
  SipMediaType, mediaTypeParse,
} from "../wire/sip_hdr";
import {
  SipWriter, BuildErr, wRequestLine, wHeaderOpen, wHeaderU64, wHeaderStr, wHeader, wCSeq, wStr, wCrlf,
  wEnd, wCopyAll, wCopyHeaderFrom, wRequestLineSpan, wResponseHeadersFrom, wResult, methodName,
} from "../wire/sip_build";
import { SdpView, SdpMedia, sdpViewAt, parseSdp, sdpErrCode, sdpErrReason } from "../wire/sdp";
import { sipValidateRequest } from "./validate";
import {
  UaLocal, wVia, wContact, wParty, dialogMatchRequest, dialogOnRequest, dialogMatch, dialogTerminate,
  DialogErr, dialogErrCode, dialogErrReason, dialogState, DialogState,
} from "./dialog";
import { TIMER_F_MS } from "./timers";

/** Methods this UA implements (§8.2.1, §20.5); answered in Allow. */
export const UA_ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE";
/** Bodies we accept (§8.2.3, §20.1): SDP offers (RFC 4975 §8) and RFC 3428 pager-mode IM. */
export const UA_ACCEPT = "application/sdp, message/cpim, text/plain, text/uri-list";
/** uaCheckDialog: the request must be dropped without an answer (an ACK, §17). */
export const UA_DROP: i32 = -1;

/** Parameters of an out-of-dialog request (§8.1.1). Spans are absolute pointers + lengths. */
// @ts-ignore: decorator
@unmanaged
export class UaReq {
  /** Request-URI (for REGISTER the registrar's domain, §10.2). */
  ruriPtr: usize; ruriLen: i32;
  /** To value: name-addr or URI (written as given, no tag: §8.1.1.2). */
  toPtr: usize; toLen: i32;
  /** From value without tag, and our tag (§8.1.1.3: a From tag is mandatory). */
  fromPtr: usize; fromLen: i32;
  fromTagPtr: usize; fromTagLen: i32;
  callIdPtr: usize; callIdLen: i32;
  /** §8.1.1.5: below 2^31. */
  cseq: u32;
  /** Randomness for the Via branch (the host supplies it, the core reads no entropy). */
  rnd: u64;
  /** Pre-loaded route (§8.1.2, an outbound proxy "<sip:p;lr>"); len 0 = none. */
  routePtr: usize; routeLen: i32;
}
export function uaReqAt(store: usize): UaReq { return changetype<UaReq>(store); }

let lastReason: string = "ok";
let lastDialog: i32 = -1;
let offerMedia: i32 = -1;
/** Why the last uaCheck* / uaOnCancel result was what it was (static ASCII). */
export function uaLastReason(): string { return lastReason; }
/** Dialog of the request uaCheckDialog accepted, -1 when out of dialog (or ended by a BYE). */
export function uaDialog(): i32 { return lastDialog; }
/** Media index of the usable MSRP offer uaCheckInvite found, -1 when the INVITE had no offer. */
export function uaOfferMedia(): i32 { return offerMedia; }

const NA = changetype<SipNameAddr>(memory.data(offsetof<SipNameAddr>(), 8));
const MT = changetype<SipMediaType>(memory.data(offsetof<SipMediaType>(), 8));
const SDP = sdpViewAt(memory.data(offsetof<SdpView>(), 8),
                      memory.data(SDP_ATTR_MAX * 20, 8),
                      memory.data(SDP_MEDIA_MAX * offsetof<SdpMedia>(), 8));
/** The SDP view of the last offer uaCheckInvite parsed (offsets into that INVITE's body). */
export function uaSdp(): SdpView { return SDP; }

// ---- requests ---------------------------------------------------------------------------

/**
 * An out-of-dialog request (§8.1.1) into w (wStart-ed by the caller): Request-URI, Via (new
 * branch), Max-Forwards 70, [Route], To, From;tag, Call-ID, CSeq, Contact (INVITE, REGISTER,
 * OPTIONS: §8.1.1.8, §10.2.1, §11.1), Allow (INVITE, §20.5), Content-Type when there is a body.
 * ACK and CANCEL are refused here: they follow their INVITE (dialogBuildAck, uaBuildCancel).
 * Returns the length or -1.
 */
export function uaBuildRequest(w: SipWriter, local: UaLocal, method: i32, r: UaReq,
                               ctype: string, bodyPtr: usize, bodyLen: i32): i32 {
  const name = methodName(method);
  if (name.length == 0 || method == Method.ACK || method == Method.CANCEL) return -1;
  if (r.fromTagLen <= 0 || r.callIdLen <= 0 || r.cseq > 0x7fffffff) return -1;
  if (bodyLen > 0 && ctype.length == 0) return -1;          // §7.4.1: a body needs Content-Type
  wRequestLine(w, name, r.ruriPtr, r.ruriLen);
  wVia(w, local, r.rnd);
  wHeaderU64(w, "Max-Forwards", 70);
  if (r.routeLen > 0) wHeader(w, "Route", r.routePtr, r.routeLen);
  wParty(w, "To", r.toPtr, r.toLen, 0, 0);
  wParty(w, "From", r.fromPtr, r.fromLen, r.fromTagPtr, r.fromTagLen);
  wHeader(w, "Call-ID", r.callIdPtr, r.callIdLen);
  wCSeq(w, <u64>r.cseq, name);
  if (method == Method.INVITE || method == Method.REGISTER || method == Method.OPTIONS) wContact(w, local);
  if (method == Method.INVITE) wHeaderStr(w, "Allow", UA_ALLOW);
  if (method == Method.OPTIONS) wHeaderStr(w, "Accept", UA_ACCEPT);
  if (bodyLen > 0) wHeaderStr(w, "Content-Type", ctype);
  return wEnd(w, bodyPtr, bodyLen > 0 ? bodyLen : 0);
}

/** INVITE with an SDP offer (§13.2.1; the body from wire/sdp_build.ts buildMsrpSdp). */
export function uaBuildInvite(w: SipWriter, local: UaLocal, r: UaReq, sdpPtr: usize, sdpLen: i32): i32 {
  return uaBuildRequest(w, local, Method.INVITE, r, "application/sdp", sdpPtr, sdpLen);
}

/** REGISTER (§10.2): Expires header with the interval we ask for (0 = remove the binding, §10.2.2). */
export function uaBuildRegister(w: SipWriter, local: UaLocal, r: UaReq, expiresS: u32): i32 {
  const name = "REGISTER";
  if (r.fromTagLen <= 0 || r.callIdLen <= 0 || r.cseq > 0x7fffffff) return -1;
  wRequestLine(w, name, r.ruriPtr, r.ruriLen);
  wVia(w, local, r.rnd);
  wHeaderU64(w, "Max-Forwards", 70);
  if (r.routeLen > 0) wHeader(w, "Route", r.routePtr, r.routeLen);
  wParty(w, "To", r.toPtr, r.toLen, 0, 0);
  wParty(w, "From", r.fromPtr, r.fromLen, r.fromTagPtr, r.fromTagLen);
  wHeader(w, "Call-ID", r.callIdPtr, r.callIdLen);   // §10.2: the same Call-ID for every refresh
  wCSeq(w, <u64>r.cseq, name);
  wContact(w, local);
  wHeaderU64(w, "Expires", <u64>expiresS);
  return wEnd(w, 0, 0);
}

/** OPTIONS (§11.1). */
export function uaBuildOptions(w: SipWriter, local: UaLocal, r: UaReq): i32 {
  return uaBuildRequest(w, local, Method.OPTIONS, r, "", 0, 0);
}

/** MESSAGE (RFC 3428 §4): pager-mode IM, the body is the message (text/plain, message/cpim). */
export function uaBuildMessage(w: SipWriter, local: UaLocal, r: UaReq, ctype: string, bodyPtr: usize, bodyLen: i32): i32 {
  return uaBuildRequest(w, local, Method.MESSAGE, r, ctype, bodyPtr, bodyLen);
}

/**
 * CANCEL for an INVITE we sent (§9.1): same Request-URI, Call-ID, To, From, CSeq number and
 * Route headers; a single Via equal to the INVITE's top Via (same branch, so the server
 * transaction matches, §9.2); Max-Forwards 70. invite is our INVITE, parsed.
 */
// "CANCEL" as bytes for wRequestLineSpan (string literals are UTF-16 in memory)
const CANCEL_STR: usize = memory.data<u8>([67, 65, 78, 67, 69, 76]);

export function uaBuildCancel(w: SipWriter, invite: SipMsg): i32 {
  if (invite.isRequest == 0 || invite.method != Method.INVITE) return -1;
  if (invite.firstVia < 0 || invite.firstTo < 0 || invite.firstFrom < 0 || invite.firstCallId < 0 || invite.firstCSeq < 0) return -1;
  const b = invite.base;
  const vo = invite.valOff(invite.firstVia), ve = vo + invite.valLen(invite.firstVia);
  const top = trimLwsEnd(b, vo, listElemEnd(b, vo, ve));
  // CSeq number of the INVITE
  const co = invite.valOff(invite.firstCSeq), ce = co + invite.valLen(invite.firstCSeq);
  const cs = skipLws(b, co, ce);
  let cn = cs;
  while (cn < ce && load<u8>(b + <usize>cn) - 48 < 10) cn++;
  if (cn == cs) return -1;
  wRequestLineSpan(w, CANCEL_STR, 6, b + <usize>invite.uriOff, invite.uriLen);
  wHeader(w, "Via", b + <usize>vo, top - vo);
  wHeaderU64(w, "Max-Forwards", 70);
  wCopyAll(w, invite, HdrType.Route);
  wCopyHeaderFrom(w, invite, invite.firstTo);
  wCopyHeaderFrom(w, invite, invite.firstFrom);
  wCopyHeaderFrom(w, invite, invite.firstCallId);
  wHeaderOpen(w, "CSeq");
  wRawSpan(w, b + <usize>cs, cn - cs);
  wStr(w, " CANCEL");
  wCrlf(w);
  return wEnd(w, 0, 0);
}

/** Appends [p, p+n) refusing CR/LF (§7.3); sticky failure like the sip_build pieces. */
function wRawSpan(w: SipWriter, p: usize, n: i32): void {
  if (w.err != BuildErr.OK) return;
  for (let k = 0; k < n; k++) {
    const c = load<u8>(p + <usize>k);
    if (c == 13 || c == 10) { w.err = BuildErr.BadByte; return; }
  }
  if (n > w.cap - w.len) { w.err = BuildErr.Overflow; w.overflow = 1; return; }
  memory.copy(w.buf + <usize>w.len, p, <usize>n);
  w.len += n;
}

// ---- registration timing (§10.2.4) --------------------------------------------------------

/**
 * Seconds the registrar granted our binding, from its 2xx (§10.2.4): the expires param of
 * the Contact whose URI equals ours (byte compare, not §19.1.4), else the Expires header,
 * else the §10.2.1.1 default. 0 when our Contact is not listed (no binding); -1 when the
 * response is not a 2xx or a Contact is malformed.
 */
export function uaRegisterGranted(resp: SipMsg, contactPtr: usize, contactLen: i32): i64 {
  if (resp.isRequest != 0 || resp.status < 200 || resp.status > 299) return -1;
  const b = resp.base;
  let found = false;
  let exp: i64 = -1;
  for (let h = 0; h < resp.hdrCount && !found; h++) {
    if (resp.hdrType(h) != HdrType.Contact) continue;
    const vo = resp.valOff(h), ve = vo + resp.valLen(h);
    let p = vo;
    for (let g = 0; g <= ve - vo; g++) {
      const le = listElemEnd(b, p, ve);
      if (nameAddrParse(b, p, le - p, NA, 0, SipErr.Contact) != SipErr.Ok) return -1;
      if (NA.star == 0 && eqSpan(b + <usize>NA.uriOff, NA.uriLen, contactPtr, contactLen, false)) {
        found = true; exp = NA.expires; break;
      }
      if (le >= ve) break;
      p = le + 1;
    }
  }
  if (!found) return 0;
  if (exp >= 0) return exp;
  if (resp.firstExpires >= 0) {
    const x = scalarParse(b, resp.valOff(resp.firstExpires), resp.valLen(resp.firstExpires), 4294967295);
    if (x >= 0) return x;
  }
  return <i64>DEFAULT_EXPIRES_S;
}

/**
 * When to refresh a binding granted for grantedS seconds (§10.2.4: before it expires): the
 * later of half the interval and the expiry minus one Timer F (64*T1 = 32 s, the longest a
 * non-INVITE transaction may take before it times out), so a slow refresh still lands in
 * time and a short binding is not refreshed in a tight loop. -1 when nothing is bound.
 */
export function uaRegisterRefreshDelayS(grantedS: i64): i64 {
  if (grantedS <= 0) return -1;
  const half = grantedS / 2;
  const late = grantedS - <i64>(TIMER_F_MS / 1000);
  return late > half ? late : half;
}
/** Absolute deadline (ms, the host's clock) of the refresh, or -1. */
export function uaRegisterRefreshAt(nowMs: f64, grantedS: i64): f64 {
  const d = uaRegisterRefreshDelayS(grantedS);
  return d < 0 ? -1 : nowMs + <f64>d * 1000;
}

/** 423 Interval Too Brief: the Min-Expires to retry with (§10.2.8), -1 when absent/bad. */
export function uaMinExpires(resp: SipMsg): i64 {
  if (resp.isRequest != 0 || resp.status != 423) return -1;
  for (let h = 0; h < resp.hdrCount; h++) {
    if (resp.hdrType(h) == HdrType.MinExpires) return scalarParse(resp.base, resp.valOff(h), resp.valLen(h), 4294967295);
  }
  return -1;
}

// ---- responses ---------------------------------------------------------------------------

/** Reason phrases of §21 for the codes this UA sends. */
export function uaReasonPhrase(code: i32): string {
  switch (code) {
    case 100: return "Trying";
    case 180: return "Ringing";
    case 183: return "Session Progress";
    case 200: return "OK";
    case 202: return "Accepted";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 413: return "Request Entity Too Large";
    case 415: return "Unsupported Media Type";
    case 416: return "Unsupported URI Scheme";
    case 420: return "Bad Extension";
    case 423: return "Interval Too Brief";
    case 480: return "Temporarily Unavailable";
    case 481: return "Call/Transaction Does Not Exist";
    case 486: return "Busy Here";
    case 487: return "Request Terminated";
    case 488: return "Not Acceptable Here";
    case 500: return "Server Internal Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "Version Not Supported";
    case 513: return "Message Too Large";
    case 603: return "Decline";
  }
  if (code < 200) return "Progress";
  if (code < 300) return "OK";
  return "Error";
}

/**
 * A response to req (§8.2.6) into w (wStart-ed by the caller), To tagged with tag when it has
 * none (tagLen 0: leave it). Per code and method:
 *   101..299 to INVITE: Record-Route copied in order and our Contact (§12.1.1)
 *   2xx to INVITE / OPTIONS and 405: Allow (§20.5, §8.2.1); 2xx to OPTIONS and 415: Accept (§11.2, §8.2.3)
 *   420: Unsupported listing the request's Require tags (we support none, §8.2.2.3)
 * then Content-Type (when there is a body) and the body. Returns the length or -1.
 */
export function uaBuildResponse(w: SipWriter, req: SipMsg, code: i32, local: UaLocal, tagPtr: usize, tagLen: i32,
                                ctype: string, bodyPtr: usize, bodyLen: i32): i32 {
  if (bodyLen > 0 && ctype.length == 0) return -1;
  wResponseHeadersFrom(w, req, code, uaReasonPhrase(code), tagPtr, tagLen);
  const m = req.method;
  if (m == Method.INVITE && code > 100 && code < 300) {
    wCopyAll(w, req, HdrType.RecordRoute);
    wContact(w, local);
  }
  if (code == 405 || (code >= 200 && code < 300 && (m == Method.INVITE || m == Method.OPTIONS))) wHeaderStr(w, "Allow", UA_ALLOW);
  if (code == 415 || (code >= 200 && code < 300 && m == Method.OPTIONS)) wHeaderStr(w, "Accept", UA_ACCEPT);
  if (code == 420) {
    for (let h = 0; h < req.hdrCount; h++) {
      if (req.hdrType(h) == HdrType.Require) wHeader(w, "Unsupported", req.base + <usize>req.valOff(h), req.valLen(h));
    }
  }
  if (bodyLen > 0) wHeaderStr(w, "Content-Type", ctype);
  return wEnd(w, bodyPtr, bodyLen > 0 ? bodyLen : 0);
}

// ---- UAS decisions -------------------------------------------------------------------------

/** Methods of UA_ALLOW. */
function allowed(m: i32): bool {
  return m == Method.INVITE || m == Method.ACK || m == Method.CANCEL || m == Method.BYE ||
    m == Method.OPTIONS || m == Method.MESSAGE;
}

/**
 * First look at a request (§8.2): malformed -> 400/505/513 (sip/validate.ts), then the method
 * (§8.2.1: unknown -> 501, known but not ours -> 405 with Allow), then the Request-URI scheme
 * (416), Require (420), body type (415) and Accept (406), again from validate.ts. 0 = go on.
 * An ACK is never answered (§17): the caller drops it whatever this says.
 */
export function uaCheckRequest(req: SipMsg): i32 {
  lastReason = "ok";
  if (req.isRequest == 0) { lastReason = "not a request"; return 400; }
  const e = sipValidateRequest(req);
  const c = sipErrCode(e);
  if (c == 400 || c == 505 || c == 513) { lastReason = sipErrReason(e); return c; }
  if (req.method == Method.Unknown) { lastReason = "method not implemented"; return 501; }
  if (!allowed(req.method)) { lastReason = "method not allowed"; return 405; }
  if (c != 0) lastReason = sipErrReason(e);
  return c;
}

/**
 * In-dialog or not (§12.2.2): a request whose To has a tag must match a dialog. No match ->
 * 481 (an ACK -> UA_DROP; a CANCEL is matched to its transaction instead, so 0). A match runs
 * dialogOnRequest: lower CSeq -> 500, BYE ends the dialog. 0 = go on, uaDialog() is the dialog
 * (-1 for an out-of-dialog request).
 */
export function uaCheckDialog(req: SipMsg, now: f64): i32 {
  lastDialog = -1;
  lastReason = "ok";
  if (req.firstTo < 0 || req.firstTo >= req.hdrCount) { lastReason = "no To"; return 400; }
  if (nameAddrParse(req.base, req.valOff(req.firstTo), req.valLen(req.firstTo), NA, 0, SipErr.To) != SipErr.Ok) {
    lastReason = "malformed To"; return req.method == Method.ACK ? UA_DROP : 400;
  }
  if (NA.tagOff < 0) return 0;                              // out of dialog
  if (req.method == Method.CANCEL) return 0;                // §9.2: matched by transaction
  const h = dialogMatchRequest(req);
  if (h < 0) {
    lastReason = dialogErrReason(DialogErr.NoDialog);
    return req.method == Method.ACK ? UA_DROP : 481;
  }
  const e = dialogOnRequest(h, req, now);
  if (e != DialogErr.Ok) {
    lastReason = dialogErrReason(e);
    if (req.method == Method.ACK) return UA_DROP;
    const c = dialogErrCode(e);
    return c != 0 ? c : 500;
  }
  lastDialog = req.method == Method.BYE ? -1 : h;
  return 0;
}

/**
 * An out-of-dialog INVITE for the chat (§13.3.1): busy (no room for another session, or the
 * dialog pool is full) -> 486; a body that is not SDP -> 415; an SDP offer without a usable
 * MSRP section (m=message, port != 0, TCP/MSRP (TCP/TLS/MSRP only when allowTls), a=path and
 * a=accept-types: RFC 4975 §8) -> 488. No body: the offer will come in our 2xx (§13.2.1),
 * 0 with uaOfferMedia() == -1. Otherwise 0 and uaOfferMedia() is the first usable section of
 * uaSdp().
 */
export function uaCheckInvite(req: SipMsg, busy: bool, allowTls: bool): i32 {
  offerMedia = -1;
  lastReason = "ok";
  if (req.method != Method.INVITE) { lastReason = "not an INVITE"; return 400; }
  if (busy) { lastReason = "busy"; return 486; }
  if (req.bodyLen <= 0) return 0;
  if (req.firstContentType < 0 ||
      mediaTypeParse(req.base, req.valOff(req.firstContentType), req.valLen(req.firstContentType), MT) != SipErr.Ok ||
      !eqNoCase(req.base + <usize>MT.typeOff, MT.typeLen, "application") ||
      !eqNoCase(req.base + <usize>MT.subOff, MT.subLen, "sdp")) {
    lastReason = "INVITE body is not application/sdp"; return 415;
  }
  if (parseSdp(SDP, req.base + <usize>req.bodyOff, req.bodyLen, 0) < 0) {
    lastReason = sdpErrReason(SDP.err);
    const c = sdpErrCode(SDP.err);
    return c != 0 ? c : 488;
  }
  for (let k = 0; k < SDP.mediaCount; k++) {
    const md = SDP.m(k);
    if (md.isMsrp == 0 || md.port == 0) continue;
    if (md.isTls != 0 && !allowTls) continue;
    if (md.pathLen <= 0 || md.pathCount <= 0 || md.acceptLen <= 0) continue;
    offerMedia = k;
    return 0;
  }
  lastReason = "no usable m=message TCP/MSRP section";
  return 488;
}

/**
 * CANCEL at the UAS (§9.2). inviteFound: the transaction layer matched the CANCEL to an
 * INVITE server transaction (txnServerCancelTarget); inviteFinal: that INVITE already has a
 * final response. Writes the CANCEL's response into wc: 481 when no INVITE was found, else
 * 200 (To tagged with tag, the same tag as the INVITE's responses, §9.2). When the INVITE is
 * still pending, writes "487 Request Terminated" for it into wi and ends the early dialog it
 * made (§12.3: a non-2xx final response ends it); otherwise wi is left untouched. Returns the
 * CANCEL's status (200 or 481), or -1 when wc could not be written.
 */
export function uaOnCancel(wc: SipWriter, cancel: SipMsg, inviteFound: bool, inviteFinal: bool,
                           wi: SipWriter, invite: SipMsg, tagPtr: usize, tagLen: i32): i32 {
  if (!inviteFound) {
    lastReason = dialogErrReason(DialogErr.NoDialog);
    return wEndOk(wResponseTo(wc, cancel, 481, tagPtr, 0)) ? 481 : -1;
  }
  lastReason = "ok";
  if (!wEndOk(wResponseTo(wc, cancel, 200, tagPtr, tagLen))) return -1;
  if (!inviteFinal) {
    wResponseTo(wi, invite, 487, tagPtr, tagLen);
    const h = inviteDialog(invite, tagPtr, tagLen);
    if (h >= 0 && dialogState(h) == DialogState.Early) dialogTerminate(h);
  }
  return 200;
}

function wResponseTo(w: SipWriter, req: SipMsg, code: i32, tagPtr: usize, tagLen: i32): i32 {
  wResponseHeadersFrom(w, req, code, uaReasonPhrase(code), tagPtr, tagLen);
  return wEnd(w, 0, 0);
}
// @ts-ignore: decorator
@inline function wEndOk(n: i32): bool { return n > 0; }

/** The UAS dialog an INVITE created with our tag: (Call-ID, tag, From tag). */
function inviteDialog(invite: SipMsg, tagPtr: usize, tagLen: i32): i32 {
  if (invite.firstCallId < 0 || invite.firstFrom < 0) return -1;
  const b = invite.base;
  const ce = trimLwsEnd(b, invite.valOff(invite.firstCallId), invite.valOff(invite.firstCallId) + invite.valLen(invite.firstCallId));
  const cs = skipLws(b, invite.valOff(invite.firstCallId), ce);
  if (nameAddrParse(b, invite.valOff(invite.firstFrom), invite.valLen(invite.firstFrom), NA, 0, SipErr.From) != SipErr.Ok) return -1;
  const rl = NA.tagOff < 0 ? 0 : NA.tagLen;
  return dialogMatch(b + <usize>cs, ce - cs, tagPtr, tagLen, b + <usize>(NA.tagOff < 0 ? 0 : NA.tagOff), rl);
}
