// SIP dialogs (RFC 3261 §12) over a fixed pool, sans-I/O: state is copied out of the
// parsed messages into fixed slots (the inbox is reused), and in-dialog requests are
// written with wire/sip_build.ts into a caller-given buffer.
//
// Reading list (RFC 3261):
//   §12      dialog ID = Call-ID + local tag + remote tag; state = sequence numbers, local and
//            remote URI, remote target, secure flag, route set
//   §12.1.1  UAS side: route set = Record-Route of the request, in order; remote target =
//            Contact of the request; remote seq = request CSeq; local seq empty
//   §12.1.2  UAC side: route set = Record-Route of the response, reversed; remote target =
//            Contact of the response; local seq = request CSeq; remote seq empty; a 2xx with
//            no To tag gives a null remote tag (RFC 2543 peers)
//   §12.2.1.1 in-dialog request: To = remote URI + remote tag, From = local URI + local tag,
//            CSeq = local seq + 1 (ACK and CANCEL excepted), Request-URI and Route from the
//            route set (loose routing: first URI has ;lr; strict routing otherwise)
//   §12.2.2  incoming in-dialog request: lower CSeq than the remote seq -> 500
//   §12.3    a non-2xx final response ends the early dialogs of the request
//   §13.2.2.4 ACK for a 2xx: built by the UA core, CSeq number of the INVITE, new branch
//   §15      BYE ends the dialog
//   §8.1.2   the next hop: first Route URI when a route set exists, else the Request-URI
//   §19.1.1  table 1: "method" and headers are not allowed in a Request-URI (strict routing)
//
// API (handles are i32 = slot index | generation << 8; -1 = error, dialogLastError() says why):
//   dialogFromUacResponse(req, resp, now): i32            create/confirm from a 1xx-with-tag or 2xx
//   dialogFromUasRequest(req, tagPtr, tagLen, now): i32   create from an INVITE we will answer
//   dialogConfirm(h): i32                                  UAS sent its 2xx (early -> confirmed)
//   dialogMatch(callIdPtr, callIdLen, localTagPtr, localTagLen, remoteTagPtr, remoteTagLen): i32
//   dialogMatchRequest(req) / dialogMatchResponse(resp): i32  the same with tags from To/From
//   dialogOnRequest(h, req, now): i32 DialogErr            §12.2.2 CSeq check, target refresh, BYE ends it
//   dialogBuildRequest(h, method, w, local, rnd, ctype, bodyPtr, bodyLen): i32 length or -1
//   dialogBuildAck(h, w, local, rnd, ctype, bodyPtr, bodyLen) / dialogBuildBye(h, w, local, rnd)
//   dialogNextHopPtr() / dialogNextHopLen() / dialogLastStrict()   after a build (or dialogNextHop(h))
//   dialogTerminate(h), dialogTerminateEarly(callIdPtr, callIdLen, localTagPtr, localTagLen): i32
//   dialogState(h), dialogRole(h), dialogSecure(h), dialogLocalSeq(h), dialogRemoteSeq(h),
//   dialogRouteCount(h), dialogSpan(h, which) + dialogSpanPtr(), dialogActive(), dialogReset()
//   dialogErrCode(e) / dialogErrReason(e)
//
// Gaps: no 2xx retransmission / ACK wait at the UAS (§13.3.1.4) and no 2xx-retransmission
// absorption at the UAC beyond returning the existing dialog (the caller re-sends its ACK);
// URI comparison is byte-wise, not §19.1.4; only INVITE creates dialogs (no SUBSCRIBE/REFER).

import {
  DIALOG_MAX, DIALOG_CALLID_CAP, DIALOG_TAG_CAP, DIALOG_URI_CAP, DIALOG_ROUTE_MAX, DIALOG_ROUTE_CAP,
} from "../mem/limits";
import { eqSpan, isClass, C_TOKEN, eqNoCase } from "../mem/bytes";
import { SipMsg, HdrType, Method } from "../wire/sip_msg";
import { SipErr } from "../wire/sip_err";
import { SipNameAddr, SipCSeq, nameAddrParse, cseqParse, listElemEnd, skipLws, trimLwsEnd, isLws, NA_NEED_ANGLE } from "../wire/sip_hdr";
import { SipUri, UriScheme, uriParse, uriParamFind, uriScheme } from "../wire/sip_uri";
import {
  SipWriter, BuildErr, wRequestLine, wHeaderOpen, wStr, wRaw, wU64, wCrlf, wBranch, wHeaderU64, wCSeq,
  wHeaderStr, wEnd, wResult, methodName,
} from "../wire/sip_build";
import { sipValidateResponse, sipValidateRequest } from "./validate";

// ---- public enums -------------------------------------------------------------------

export const enum DialogState { Free = 0, Early = 1, Confirmed = 2, Terminating = 3 }
export const enum DialogRole { None = 0, Uac = 1, Uas = 2 }

/** Dialog errors (0 = OK); dialogErrCode maps them to the status a UAS answers (0 = none). */
export const enum DialogErr {
  Ok = 0,
  /** No free slot: a UAS answers 486 Busy Here (§21.4.24: not able to take more calls). */
  PoolFull = 1,
  /** Handle is not a live dialog (stale generation, out of range, freed). */
  BadHandle = 2,
  /** The response is not a usable response (parse/§8.1.3 checks failed). */
  BadResponse = 3,
  /** Only INVITE creates dialogs here, and only with 101..199 (tagged) or 2xx (§12.1). */
  NotDialogCreating = 4,
  /** 1xx without a To tag (no early dialog, §12.1.2), or a request without a From tag we need. */
  NoTag = 5,
  /** The response does not answer that request (Call-ID, CSeq or From tag differ). */
  Mismatch = 6,
  /** No usable Contact (missing, "*", not sip/sips): there is no remote target (§12.1.1, §12.1.2). */
  NoContact = 7,
  /** A Record-Route value is not a name-addr with a sip/sips URI (§20.30). */
  BadRoute = 8,
  /** More than DIALOG_ROUTE_MAX Record-Route values, or DIALOG_ROUTE_CAP bytes. */
  TooManyRoutes = 9,
  /** Call-ID, tag, URI or target longer than its slot area. */
  TooLong = 10,
  /** In-dialog request for no dialog we know (§12.2.2 -> 481). */
  NoDialog = 11,
  /** CSeq lower than the remote sequence number (§12.2.2 -> 500). */
  OutOfOrder = 12,
  /** The request is malformed (§8.2 checks failed). */
  BadRequest = 13,
  /** Not allowed in this dialog state (e.g. a request on a terminating dialog). */
  BadState = 14,
  /** The method cannot be built from dialog state (CANCEL follows its INVITE, §9.1). */
  BadMethod = 15,
  /** The writer failed (buffer full or an illegal byte in a span). */
  Build = 16,
  /** INVITE with a To tag that matched no dialog: not dialog-creating (§12.2.2 -> 481). */
  HasToTag = 17,
}

/** SIP status a UAS answers for e (0 = nothing: responses and UAC-side errors are never answered). */
export function dialogErrCode(e: i32): i32 {
  switch (e) {
    case DialogErr.Ok: return 0;
    case DialogErr.PoolFull: return 486;
    case DialogErr.NoDialog: return 481;
    case DialogErr.HasToTag: return 481;
    case DialogErr.OutOfOrder: return 500;
    case DialogErr.TooLong: return 500;
    case DialogErr.TooManyRoutes: return 500;
    case DialogErr.BadRequest: return 400;
    case DialogErr.NoContact: return 400;
    case DialogErr.BadRoute: return 400;
    case DialogErr.NoTag: return 400;
  }
  return 0;
}

export function dialogErrReason(e: i32): string {
  switch (e) {
    case DialogErr.Ok: return "ok";
    case DialogErr.PoolFull: return "dialog pool full";
    case DialogErr.BadHandle: return "stale or unknown dialog handle";
    case DialogErr.BadResponse: return "unusable response";
    case DialogErr.NotDialogCreating: return "not a dialog-creating message";
    case DialogErr.NoTag: return "missing tag";
    case DialogErr.Mismatch: return "response does not match request";
    case DialogErr.NoContact: return "no usable Contact";
    case DialogErr.BadRoute: return "malformed Record-Route";
    case DialogErr.TooManyRoutes: return "route set too large";
    case DialogErr.TooLong: return "dialog field too long";
    case DialogErr.NoDialog: return "call/transaction does not exist";
    case DialogErr.OutOfOrder: return "CSeq out of order";
    case DialogErr.BadRequest: return "malformed request";
    case DialogErr.BadState: return "not allowed in this dialog state";
    case DialogErr.BadMethod: return "method not built from a dialog";
    case DialogErr.Build: return "message does not fit";
    case DialogErr.HasToTag: return "To tag of an unknown dialog";
  }
  return "unknown";
}

/** Spans readable with dialogSpan(h, which); the route set entries follow at DlgSpan.Route + i. */
export const enum DlgSpan { CallId = 0, LocalTag = 1, RemoteTag = 2, LocalUri = 3, RemoteUri = 4, RemoteTarget = 5, Route = 8 }

/**
 * What the UA says about itself in every request it builds (shared with sip/ua.ts).
 * The spans are the caller's configuration (trusted to hold no CR/LF, still checked).
 */
// @ts-ignore: decorator
@unmanaged
export class UaLocal {
  /** sent-protocol SP sent-by of our Via, e.g. "SIP/2.0/TCP 192.0.2.1:5060" (§20.42). */
  viaPtr: usize; viaLen: i32;
  /** 1: add ";rport" to the Via (RFC 3581 §3). */
  rport: i32;
  /** Our Contact URI without <> (§8.1.1.8: a SIP/SIPS URI where we can be reached). */
  contactPtr: usize; contactLen: i32;
}
export function uaLocalAt(store: usize): UaLocal { return changetype<UaLocal>(store); }

// ---- slot layout --------------------------------------------------------------------

// @ts-ignore: decorator
@unmanaged
class Dlg {
  gen: u32;
  state: i32;
  role: i32;
  secure: i32;
  /** §12: sequence numbers; *Set = 0 means "empty". */
  localSeq: u32; localSeqSet: i32;
  remoteSeq: u32; remoteSeqSet: i32;
  /** CSeq number of the last INVITE we sent (the ACK to its 2xx reuses it, §13.2.2.4). */
  inviteSeq: u32; inviteSeqSet: i32;
  callIdLen: i32;
  localTagLen: i32;
  /** 0 = null remote tag (2xx from an RFC 2543 UAS, §12.1.2). */
  remoteTagLen: i32;
  localUriLen: i32;
  remoteUriLen: i32;
  targetLen: i32;
  routeCount: i32;
  routeBytes: i32;
  created: f64;
  updated: f64;
}

// Byte areas after the header, in this order.
// @ts-ignore: decorator
@lazy const HDR: i32 = (<i32>offsetof<Dlg>() + 7) & ~7;
// @ts-ignore: decorator
@lazy const O_CALLID: i32 = HDR;
// @ts-ignore: decorator
@lazy const O_LTAG: i32 = O_CALLID + DIALOG_CALLID_CAP;
// @ts-ignore: decorator
@lazy const O_RTAG: i32 = O_LTAG + DIALOG_TAG_CAP;
// @ts-ignore: decorator
@lazy const O_LURI: i32 = O_RTAG + DIALOG_TAG_CAP;
// @ts-ignore: decorator
@lazy const O_RURI: i32 = O_LURI + DIALOG_URI_CAP;
// @ts-ignore: decorator
@lazy const O_TARGET: i32 = O_RURI + DIALOG_URI_CAP;
/** Route table: per entry (entryOff, entryLen, uriOff, uriLen) as i32, relative to the route area. */
// @ts-ignore: decorator
@lazy const O_RTAB: i32 = O_TARGET + DIALOG_URI_CAP;
// @ts-ignore: decorator
@lazy const O_ROUTES: i32 = O_RTAB + DIALOG_ROUTE_MAX * 16;
// @ts-ignore: decorator
@lazy const SLOT: i32 = (O_ROUTES + DIALOG_ROUTE_CAP + 15) & ~15;

const POOL: usize = memory.data(DIALOG_MAX * ((((<i32>offsetof<Dlg>() + 7) & ~7) + DIALOG_CALLID_CAP + 2 * DIALOG_TAG_CAP +
  3 * DIALOG_URI_CAP + DIALOG_ROUTE_MAX * 16 + DIALOG_ROUTE_CAP + 15) & ~15), 16);

// @ts-ignore: decorator
@inline function slotBase(i: i32): usize { return POOL + <usize>i * <usize>SLOT; }
// @ts-ignore: decorator
@inline function slotAt(i: i32): Dlg { return changetype<Dlg>(slotBase(i)); }
// @ts-ignore: decorator
@inline function area(i: i32, off: i32): usize { return slotBase(i) + <usize>off; }

const NA = changetype<SipNameAddr>(memory.data(offsetof<SipNameAddr>(), 8));
const CS = changetype<SipCSeq>(memory.data(offsetof<SipCSeq>(), 8));
const CS2 = changetype<SipCSeq>(memory.data(offsetof<SipCSeq>(), 8));
const URI = changetype<SipUri>(memory.data(offsetof<SipUri>(), 8));
/** Record-Route element spans (absolute offsets into the message) collected before the copy. */
const RR_TMP: usize = memory.data(DIALOG_ROUTE_MAX * 16, 8);

const GEN_MASK: u32 = 0x7fffff;
let inited = false;
let lastErr: i32 = DialogErr.Ok;
let wasNew = false;
let spanPtr: usize = 0;
let nextHopPtr: usize = 0;
let nextHopLen: i32 = 0;
let lastStrict = false;
/** Scratch results of the span helpers below (module statics: no closures, no tuples). */
let cidOff: i32 = 0, cidLen: i32 = 0;
let tagSpanOff: i32 = -1, tagSpanLen: i32 = 0;
let tgtOff: i32 = 0, tgtLen: i32 = 0;
let rrCount: i32 = 0;

function initOnce(): void {
  if (inited) return;
  inited = true;
  for (let i = 0; i < DIALOG_MAX; i++) { const d = slotAt(i); d.gen = 1; d.state = DialogState.Free; }
}

// @ts-ignore: decorator
@inline function handleOf(i: i32): i32 { return i | <i32>(slotAt(i).gen << 8); }

function slotOf(h: i32): i32 {
  initOnce();
  if (h < 0) { lastErr = DialogErr.BadHandle; return -1; }
  const i = h & 0xff;
  if (i >= DIALOG_MAX) { lastErr = DialogErr.BadHandle; return -1; }
  const d = slotAt(i);
  if (d.state == DialogState.Free || d.gen != (<u32>h >>> 8)) { lastErr = DialogErr.BadHandle; return -1; }
  return i;
}

function allocSlot(): i32 {
  for (let i = 0; i < DIALOG_MAX; i++) if (slotAt(i).state == DialogState.Free) return i;
  return -1;
}

function freeSlot(i: i32): void {
  const d = slotAt(i);
  d.state = DialogState.Free;
  d.role = DialogRole.None;
  let g = (d.gen + 1) & GEN_MASK;
  if (g == 0) g = 1;
  d.gen = g;
}

function fail(e: i32): i32 { lastErr = e; return -1; }

// ---- copying helpers -------------------------------------------------------------------

/** Copies [p, p+n) to dst dropping CR and LF (folding is LWS; the WSP after it stays, §7.3.1). -1 if > cap. */
function copyUnfold(dst: usize, cap: i32, p: usize, n: i32): i32 {
  let k = 0;
  for (let i = 0; i < n; i++) {
    const c = load<u8>(p + <usize>i);
    if (c == 13 || c == 10) continue;
    if (k >= cap) return -1;
    store<u8>(dst + <usize>k, c);
    k++;
  }
  return k;
}

/**
 * Copies a From/To value [vo, ve) of b without its tag parameter (the tag is kept apart as
 * part of the dialog ID, §12). tagOff/tagLen come from nameAddrParse; -1 if it does not fit.
 */
function copyWithoutTag(dst: usize, cap: i32, b: usize, vo: i32, ve: i32, tagOff: i32, tagLen: i32): i32 {
  ve = trimLwsEnd(b, vo, ve);
  vo = skipLws(b, vo, ve);
  if (tagOff < 0) return copyUnfold(dst, cap, b + <usize>vo, ve - vo);
  // walk back from the tag value: LWS "=" LWS "tag" LWS ";" (nameAddrParse accepted exactly this)
  let j = tagOff - 1;
  while (j > vo && isLws(load<u8>(b + <usize>j))) j--;
  if (j <= vo || load<u8>(b + <usize>j) != 61) return -1;
  j--;
  while (j > vo && isLws(load<u8>(b + <usize>j))) j--;
  j -= 2;                                 // "tag" ends at j+2
  if (j <= vo) return -1;
  j--;
  while (j > vo && isLws(load<u8>(b + <usize>j))) j--;
  if (load<u8>(b + <usize>j) != 59) return -1;
  const headEnd = trimLwsEnd(b, vo, j);
  const a = copyUnfold(dst, cap, b + <usize>vo, headEnd - vo);
  if (a < 0) return -1;
  const rs = tagOff + tagLen;
  const r = copyUnfold(dst + <usize>a, cap - a, b + <usize>rs, ve - rs);
  if (r < 0) return -1;
  return a + r;
}

function copyTo(dst: usize, cap: i32, p: usize, n: i32): i32 {
  if (n < 0 || n > cap) return -1;
  memory.copy(dst, p, <usize>n);
  return n;
}

/** Parses the first Contact value of m: 0 and NA filled, or DialogErr.NoContact. */
function contactOf(m: SipMsg): i32 {
  const h = m.firstContact;
  if (h < 0 || h >= m.hdrCount) return DialogErr.NoContact;
  const b = m.base, vo = m.valOff(h), ve = vo + m.valLen(h);
  const e = listElemEnd(b, vo, ve);
  if (nameAddrParse(b, vo, e - vo, NA, 0, SipErr.Contact) != SipErr.Ok) return DialogErr.NoContact;
  if (NA.star != 0 || (NA.scheme != UriScheme.Sip && NA.scheme != UriScheme.Sips)) return DialogErr.NoContact;
  return DialogErr.Ok;
}

/** Checks the Contact of m for use as the remote target; leaves its URI span in tgtOff/tgtLen. */
function prepareTarget(m: SipMsg): i32 {
  const e = contactOf(m);
  if (e != DialogErr.Ok) return e;
  if (NA.uriLen > DIALOG_URI_CAP) return DialogErr.TooLong;   // unfolding only shrinks it
  tgtOff = NA.uriOff; tgtLen = NA.uriLen;
  return DialogErr.Ok;
}
/** Remote target = the Contact URI (§12.1.1, §12.1.2, §12.2.2 target refresh); cannot fail after prepareTarget. */
function commitTarget(i: i32, m: SipMsg): void {
  slotAt(i).targetLen = copyUnfold(area(i, O_TARGET), DIALOG_URI_CAP, m.base + <usize>tgtOff, tgtLen);
}

/**
 * Route set, first half: every Record-Route value of m (all lines, in message order) is
 * parsed and its spans kept in RR_TMP; the sizes are checked so that commitRoutes cannot fail
 * (a refused message leaves the dialog as it was).
 */
function prepareRoutes(m: SipMsg): i32 {
  const b = m.base;
  let count = 0, bytes = 0;
  const n = m.hdrCount;
  for (let h = 0; h < n; h++) {
    if (m.hdrType(h) != HdrType.RecordRoute) continue;
    const vo = m.valOff(h), ve = vo + m.valLen(h);
    let p = vo;
    for (let g = 0; g <= ve - vo; g++) {      // one element per pass, bounded by the value length
      const le = listElemEnd(b, p, ve);
      const te = trimLwsEnd(b, p, le), ts = skipLws(b, p, te);
      if (ts >= te) return DialogErr.BadRoute;
      if (nameAddrParse(b, ts, te - ts, NA, NA_NEED_ANGLE, SipErr.Route) != SipErr.Ok) return DialogErr.BadRoute;
      if (NA.scheme != UriScheme.Sip && NA.scheme != UriScheme.Sips) return DialogErr.BadRoute;
      if (count >= DIALOG_ROUTE_MAX) return DialogErr.TooManyRoutes;
      bytes += te - ts;
      if (bytes > DIALOG_ROUTE_CAP) return DialogErr.TooManyRoutes;
      const r = RR_TMP + <usize>(count * 16);
      store<i32>(r, ts); store<i32>(r, te - ts, 4); store<i32>(r, NA.uriOff, 8); store<i32>(r, NA.uriLen, 12);
      count++;
      if (le >= ve) break;
      p = le + 1;
    }
  }
  rrCount = count;
  return DialogErr.Ok;
}

/**
 * Route set, second half: stored in order (UAS, §12.1.1) or reversed (UAC, §12.1.2). Each
 * entry is the whole value (name-addr with its header params) so Route echoes it; the URI
 * span inside is kept for ;lr and the next hop. The URI is copied as is (a URI holds no LWS),
 * the parts around it unfolded.
 */
function commitRoutes(i: i32, m: SipMsg, reverse: bool): void {
  const b = m.base;
  const d = slotAt(i);
  const tab = area(i, O_RTAB), dst = area(i, O_ROUTES);
  const count = rrCount;
  let used = 0;
  for (let k = 0; k < count; k++) {
    const r = RR_TMP + <usize>((reverse ? count - 1 - k : k) * 16);
    const eo = load<i32>(r), el = load<i32>(r, 4), uo = load<i32>(r, 8), ul = load<i32>(r, 12);
    const a = copyUnfold(dst + <usize>used, DIALOG_ROUTE_CAP - used, b + <usize>eo, uo - eo);
    memory.copy(dst + <usize>(used + a), b + <usize>uo, <usize>ul);
    const z = copyUnfold(dst + <usize>(used + a + ul), DIALOG_ROUTE_CAP - used - a - ul, b + <usize>(uo + ul), eo + el - uo - ul);
    const t = tab + <usize>(k * 16);
    store<i32>(t, used); store<i32>(t, a + ul + z, 4); store<i32>(t, used + a, 8); store<i32>(t, ul, 12);
    used += a + ul + z;
  }
  d.routeCount = count;
  d.routeBytes = used;
}

// @ts-ignore: decorator
@inline function routeUriOff(i: i32, k: i32): i32 { return load<i32>(area(i, O_RTAB) + <usize>(k * 16), 8); }
// @ts-ignore: decorator
@inline function routeUriLen(i: i32, k: i32): i32 { return load<i32>(area(i, O_RTAB) + <usize>(k * 16), 12); }
// @ts-ignore: decorator
@inline function routeOff(i: i32, k: i32): i32 { return load<i32>(area(i, O_RTAB) + <usize>(k * 16)); }
// @ts-ignore: decorator
@inline function routeLen(i: i32, k: i32): i32 { return load<i32>(area(i, O_RTAB) + <usize>(k * 16), 4); }

/** Tag span of a From/To header h of m into (tagOff, tagLen) via NA; DialogErr on a bad value. */
function nameAddrOf(m: SipMsg, h: i32, err: i32): i32 {
  if (h < 0 || h >= m.hdrCount) return DialogErr.BadRequest;
  if (nameAddrParse(m.base, m.valOff(h), m.valLen(h), NA, 0, err) != SipErr.Ok) return DialogErr.BadRequest;
  return DialogErr.Ok;
}

/** Stores a From/To value (minus tag) in area off and its tag in tagArea; DialogErr. */
function storeParty(i: i32, m: SipMsg, h: i32, err: i32, uriArea: i32, tagArea: i32, isLocal: bool): i32 {
  const e = nameAddrOf(m, h, err);
  if (e != DialogErr.Ok) return e;
  const b = m.base;
  const tagOff = NA.tagOff, tagLen = NA.tagLen;
  const n = copyWithoutTag(area(i, uriArea), DIALOG_URI_CAP, b, m.valOff(h), m.valOff(h) + m.valLen(h), tagOff, tagLen);
  if (n <= 0) return DialogErr.TooLong;
  let t = 0;
  if (tagOff >= 0) {
    t = copyTo(area(i, tagArea), DIALOG_TAG_CAP, b + <usize>tagOff, tagLen);
    if (t < 0) return DialogErr.TooLong;
  }
  const d = slotAt(i);
  if (isLocal) { d.localUriLen = n; d.localTagLen = t; } else { d.remoteUriLen = n; d.remoteTagLen = t; }
  return DialogErr.Ok;
}

function storeCallId(i: i32, m: SipMsg): i32 {
  const h = m.firstCallId;
  if (h < 0 || h >= m.hdrCount) return DialogErr.BadRequest;
  const b = m.base, ve = trimLwsEnd(b, m.valOff(h), m.valOff(h) + m.valLen(h)), vs = skipLws(b, m.valOff(h), ve);
  const n = copyTo(area(i, O_CALLID), DIALOG_CALLID_CAP, b + <usize>vs, ve - vs);
  if (n <= 0) return DialogErr.TooLong;
  slotAt(i).callIdLen = n;
  return DialogErr.Ok;
}

/** Call-ID value span of m (trimmed) into cidOff/cidLen. */
function callIdSpan(m: SipMsg): bool {
  const h = m.firstCallId;
  if (h < 0 || h >= m.hdrCount) return false;
  const b = m.base;
  const ve = trimLwsEnd(b, m.valOff(h), m.valOff(h) + m.valLen(h));
  cidOff = skipLws(b, m.valOff(h), ve); cidLen = ve - cidOff;
  return cidLen > 0;
}

/** Tag of the From (which == 0) or To (1) of m into tagSpanOff/Len (-1 off: no tag); false if malformed. */
function tagOf(m: SipMsg, which: i32): bool {
  const h = which == 0 ? m.firstFrom : m.firstTo;
  if (nameAddrOf(m, h, which == 0 ? SipErr.From : SipErr.To) != DialogErr.Ok) return false;
  tagSpanOff = NA.tagOff; tagSpanLen = NA.tagLen;
  return true;
}

// ---- creation -------------------------------------------------------------------------

/**
 * UAC side (§12.1.2): a 101..199 response with a To tag creates an early dialog, a 2xx a
 * confirmed one (or confirms the early dialog with the same tags, refreshing its route set
 * and remote target; a 2xx retransmission returns the confirmed dialog, dialogWasNew() false,
 * so the caller re-sends its ACK, §13.2.2.4). req is the INVITE we sent (parsed), resp the
 * response. Returns a handle or -1 (dialogLastError()). Nothing is stored unless all checks pass.
 */
export function dialogFromUacResponse(req: SipMsg, resp: SipMsg, now: f64): i32 {
  initOnce();
  wasNew = false;
  if (resp.isRequest != 0 || req.isRequest == 0) return fail(DialogErr.BadResponse);
  if (sipValidateResponse(resp) != SipErr.Ok) return fail(DialogErr.BadResponse);
  if (req.method != Method.INVITE) return fail(DialogErr.NotDialogCreating);
  const st = resp.status;
  if (st <= 100 || st >= 300) return fail(DialogErr.NotDialogCreating);
  // the response must answer req: same Call-ID, CSeq (number and method) and From tag (§8.1.3.3, §17.1.3)
  if (!callIdSpan(req)) return fail(DialogErr.BadRequest);
  const qOff = cidOff, qLen = cidLen;
  if (!callIdSpan(resp)) return fail(DialogErr.BadResponse);
  if (!eqSpan(req.base + <usize>qOff, qLen, resp.base + <usize>cidOff, cidLen, false)) return fail(DialogErr.Mismatch);
  if (req.firstCSeq < 0 || cseqParse(req.base, req.valOff(req.firstCSeq), req.valLen(req.firstCSeq), CS) != SipErr.Ok) return fail(DialogErr.BadRequest);
  if (cseqParse(resp.base, resp.valOff(resp.firstCSeq), resp.valLen(resp.firstCSeq), CS2) != SipErr.Ok) return fail(DialogErr.BadResponse);
  if (CS.num != CS2.num || CS2.method != Method.INVITE) return fail(DialogErr.Mismatch);
  if (!tagOf(req, 0) || tagSpanOff < 0) return fail(DialogErr.NoTag);   // §8.1.1.3: our From always has a tag
  const lOff = tagSpanOff, lLen = tagSpanLen;
  if (!tagOf(resp, 0) || tagSpanOff < 0) return fail(DialogErr.Mismatch);
  if (!eqSpan(req.base + <usize>lOff, lLen, resp.base + <usize>tagSpanOff, tagSpanLen, false)) return fail(DialogErr.Mismatch);
  if (!tagOf(resp, 1)) return fail(DialogErr.BadResponse);
  const rOff = tagSpanOff, rLen = tagSpanOff < 0 ? 0 : tagSpanLen;
  if (rLen == 0 && st < 200) return fail(DialogErr.NoTag);            // §12.1.2: only a tagged 1xx makes an early dialog
  if (rLen > DIALOG_TAG_CAP || lLen > DIALOG_TAG_CAP) return fail(DialogErr.TooLong);
  const e0 = contactOf(resp);
  if (e0 != DialogErr.Ok) return fail(e0);

  // existing dialog with this ID? (2xx after 1xx: confirm; retransmission: return it)
  const found = dialogMatch(resp.base + <usize>cidOff, cidLen, req.base + <usize>lOff, lLen, resp.base + <usize>rOff, rLen);
  let i: i32;
  if (found >= 0) {
    i = found & 0xff;
    const d = slotAt(i);
    if (d.role != DialogRole.Uac) return fail(DialogErr.BadState);
    if (d.state != DialogState.Early || st < 200) { lastErr = DialogErr.Ok; return found; }
    // early -> confirmed: the 2xx's Contact and Record-Route replace the early ones
    // (RFC 3261 §12.1.2 computes both from the dialog-creating response; the 2xx is final)
    const e1 = refreshFrom(i, resp, true);
    if (e1 != DialogErr.Ok) return fail(e1);
    d.state = DialogState.Confirmed;
    d.updated = now;
    lastErr = DialogErr.Ok;
    return found;
  }
  i = allocSlot();
  if (i < 0) return fail(DialogErr.PoolFull);
  const d = slotAt(i);
  d.role = DialogRole.Uac;
  d.localSeq = CS.num; d.localSeqSet = 1;          // §12.1.2: local seq = CSeq of the request
  d.remoteSeq = 0; d.remoteSeqSet = 0;             // remote seq empty
  d.inviteSeq = CS.num; d.inviteSeqSet = 1;
  // §12.1.2: secure when the request went over TLS with a SIPS Request-URI; a SIPS request is
  // only ever sent over TLS (§26.2.2), so the scheme decides here
  d.secure = uriScheme(req.base, req.uriOff, req.uriLen) == UriScheme.Sips ? 1 : 0;
  d.routeCount = 0; d.routeBytes = 0;
  d.created = now; d.updated = now;
  let e = storeCallId(i, resp);
  if (e == DialogErr.Ok) e = storeParty(i, req, req.firstFrom, SipErr.From, O_LURI, O_LTAG, true);
  if (e == DialogErr.Ok) e = storeParty(i, resp, resp.firstTo, SipErr.To, O_RURI, O_RTAG, false);
  if (e == DialogErr.Ok) e = refreshFrom(i, resp, true);
  if (e != DialogErr.Ok) return fail(e);            // slot still Free: nothing leaked
  d.state = st >= 200 ? DialogState.Confirmed : DialogState.Early;
  wasNew = true;
  lastErr = DialogErr.Ok;
  return handleOf(i);
}

/** Remote target and route set from m (reverse for a UAC): all checks first, then the copy. */
function refreshFrom(i: i32, m: SipMsg, reverse: bool): i32 {
  let e = prepareRoutes(m);
  if (e != DialogErr.Ok) return e;
  e = prepareTarget(m);
  if (e != DialogErr.Ok) return e;
  commitTarget(i, m);
  commitRoutes(i, m, reverse);
  return DialogErr.Ok;
}

/**
 * UAS side (§12.1.1): an INVITE without a To tag that we answer with a tagged 1xx/2xx. The
 * dialog starts Early; dialogConfirm(h) when the 2xx goes out. tag = our To tag (a token).
 * Returns a handle or -1 (dialogLastError(); dialogErrCode gives the answer: 400, 481, 486, 500).
 */
export function dialogFromUasRequest(req: SipMsg, tagPtr: usize, tagLen: i32, now: f64): i32 {
  initOnce();
  wasNew = false;
  if (req.isRequest == 0) return fail(DialogErr.BadRequest);
  if (sipValidateRequest(req) != SipErr.Ok) return fail(DialogErr.BadRequest);
  if (req.method != Method.INVITE) return fail(DialogErr.NotDialogCreating);
  if (tagLen <= 0 || tagLen > DIALOG_TAG_CAP) return fail(DialogErr.TooLong);
  for (let k = 0; k < tagLen; k++) if (!isClass(load<u8>(tagPtr + <usize>k), C_TOKEN)) return fail(DialogErr.BadRequest);
  if (!tagOf(req, 1)) return fail(DialogErr.BadRequest);
  if (tagSpanOff >= 0) return fail(DialogErr.HasToTag);
  if (!tagOf(req, 0)) return fail(DialogErr.BadRequest);
  const rOff = tagSpanOff, rLen = tagSpanOff < 0 ? 0 : tagSpanLen;   // no From tag: RFC 2543 peer, null tag
  if (rLen > DIALOG_TAG_CAP) return fail(DialogErr.TooLong);
  if (!callIdSpan(req)) return fail(DialogErr.BadRequest);
  cseqParse(req.base, req.valOff(req.firstCSeq), req.valLen(req.firstCSeq), CS);   // validated above
  const e0 = contactOf(req);
  if (e0 != DialogErr.Ok) return fail(e0);
  const found = dialogMatch(req.base + <usize>cidOff, cidLen, tagPtr, tagLen, req.base + <usize>rOff, rLen);
  if (found >= 0) { lastErr = DialogErr.Ok; return found; }
  const i = allocSlot();
  if (i < 0) return fail(DialogErr.PoolFull);
  const d = slotAt(i);
  d.role = DialogRole.Uas;
  d.remoteSeq = CS.num; d.remoteSeqSet = 1;        // §12.1.1: remote seq = CSeq of the request
  d.localSeq = 0; d.localSeqSet = 0;               // local seq empty
  d.inviteSeq = 0; d.inviteSeqSet = 0;
  d.secure = uriScheme(req.base, req.uriOff, req.uriLen) == UriScheme.Sips ? 1 : 0;
  d.routeCount = 0; d.routeBytes = 0;
  d.created = now; d.updated = now;
  let e = storeCallId(i, req);
  if (e == DialogErr.Ok) e = storeParty(i, req, req.firstFrom, SipErr.From, O_RURI, O_RTAG, false);
  if (e == DialogErr.Ok) e = storeParty(i, req, req.firstTo, SipErr.To, O_LURI, O_LTAG, true);
  if (e == DialogErr.Ok) { memory.copy(area(i, O_LTAG), tagPtr, <usize>tagLen); d.localTagLen = tagLen; }
  if (e == DialogErr.Ok) e = refreshFrom(i, req, false);
  if (e != DialogErr.Ok) return fail(e);
  d.state = DialogState.Early;
  wasNew = true;
  lastErr = DialogErr.Ok;
  return handleOf(i);
}

/** The UAS sent its 2xx: the dialog is confirmed (§12.1.1 / §13.3.1.4). */
export function dialogConfirm(h: i32): i32 {
  const i = slotOf(h);
  if (i < 0) return lastErr;
  const d = slotAt(i);
  if (d.state == DialogState.Terminating) return (lastErr = DialogErr.BadState);
  d.state = DialogState.Confirmed;
  return (lastErr = DialogErr.Ok);
}

// ---- matching ---------------------------------------------------------------------------

/**
 * §12.2: the dialog whose ID is (Call-ID, local tag, remote tag). Call-IDs compare byte by byte
 * (§20.8); tags are tokens, compared without case (§7.3.1). A zero-length remote tag is the
 * null tag. Returns the handle or -1 (no lastErr change).
 */
export function dialogMatch(callIdPtr: usize, callIdLen: i32, localTagPtr: usize, localTagLen: i32,
                            remoteTagPtr: usize, remoteTagLen: i32): i32 {
  initOnce();
  if (callIdLen <= 0 || localTagLen < 0 || remoteTagLen < 0) return -1;
  for (let i = 0; i < DIALOG_MAX; i++) {
    const d = slotAt(i);
    if (d.state == DialogState.Free) continue;
    if (d.callIdLen != callIdLen || d.localTagLen != localTagLen || d.remoteTagLen != remoteTagLen) continue;
    if (!eqSpan(area(i, O_CALLID), callIdLen, callIdPtr, callIdLen, false)) continue;
    if (!eqSpan(area(i, O_LTAG), localTagLen, localTagPtr, localTagLen, true)) continue;
    if (!eqSpan(area(i, O_RTAG), remoteTagLen, remoteTagPtr, remoteTagLen, true)) continue;
    return handleOf(i);
  }
  return -1;
}

/** An incoming request: local tag = To tag, remote tag = From tag (§12.2.2). -1 when none. */
export function dialogMatchRequest(req: SipMsg): i32 {
  if (!callIdSpan(req)) return -1;
  if (!tagOf(req, 1) || tagSpanOff < 0) return -1;
  const lo = tagSpanOff, ll = tagSpanLen;
  if (!tagOf(req, 0)) return -1;
  const rl = tagSpanOff < 0 ? 0 : tagSpanLen;
  return dialogMatch(req.base + <usize>cidOff, cidLen, req.base + <usize>lo, ll, req.base + <usize>tagSpanOff, rl);
}

/** An incoming response: local tag = From tag, remote tag = To tag (§12.2.1.2). -1 when none. */
export function dialogMatchResponse(resp: SipMsg): i32 {
  if (!callIdSpan(resp)) return -1;
  if (!tagOf(resp, 0) || tagSpanOff < 0) return -1;
  const lo = tagSpanOff, ll = tagSpanLen;
  if (!tagOf(resp, 1)) return -1;
  const rl = tagSpanOff < 0 ? 0 : tagSpanLen;
  return dialogMatch(resp.base + <usize>cidOff, cidLen, resp.base + <usize>lo, ll, resp.base + <usize>tagSpanOff, rl);
}

/**
 * An in-dialog request reached the UAS core (§12.2.2), h from dialogMatchRequest (pass -1
 * when none matched: NoDialog -> 481). Checks the CSeq against the remote sequence number
 * (empty: set it; lower: OutOfOrder -> 500; else remember the higher one). ACK and CANCEL
 * reuse their INVITE's number and do not move it. A re-INVITE with a Contact refreshes the
 * remote target (§12.2.2 target refresh). A BYE ends the dialog (§15.1.2): the handle is
 * stale after an Ok return. ACK is never answered: the caller drops it on any error (§17).
 */
export function dialogOnRequest(h: i32, req: SipMsg, now: f64): i32 {
  const i = slotOf(h);
  if (i < 0) return (lastErr = DialogErr.NoDialog);
  if (req.isRequest == 0 || req.firstCSeq < 0 || req.firstCSeq >= req.hdrCount) return (lastErr = DialogErr.BadRequest);
  if (cseqParse(req.base, req.valOff(req.firstCSeq), req.valLen(req.firstCSeq), CS) != SipErr.Ok) return (lastErr = DialogErr.BadRequest);
  const d = slotAt(i);
  const m = req.method;
  if (d.remoteSeqSet != 0 && CS.num < d.remoteSeq) return (lastErr = DialogErr.OutOfOrder);
  if (m == Method.INVITE && req.firstContact >= 0) {
    const e = prepareTarget(req);           // checked before anything changes
    if (e != DialogErr.Ok) return (lastErr = e);
    commitTarget(i, req);
  }
  if (m != Method.ACK && m != Method.CANCEL) {
    if (d.remoteSeqSet == 0 || CS.num > d.remoteSeq) { d.remoteSeq = CS.num; d.remoteSeqSet = 1; }
  }
  d.updated = now;
  if (m == Method.BYE) freeSlot(i);
  return (lastErr = DialogErr.Ok);
}

// ---- termination ------------------------------------------------------------------------

/**
 * RFC 3261 §22.2: our BYE was challenged (401/407): the dialog goes back from Terminating to
 * Confirmed so that exactly one more BYE (CSeq + 1, with credentials) can be built. False when
 * the dialog is not Terminating.
 */
export function dialogByeRetry(h: i32): bool {
  const i = slotOf(h);
  if (i < 0) return false;
  const d = slotAt(i);
  if (d.state != DialogState.Terminating) return false;
  d.state = DialogState.Confirmed;
  return true;
}

/** Frees the dialog (BYE answered, early dialog failed, session given up). */
export function dialogTerminate(h: i32): i32 {
  const i = slotOf(h);
  if (i < 0) return lastErr;
  freeSlot(i);
  return (lastErr = DialogErr.Ok);
}

/**
 * §12.3: a non-2xx final response to the INVITE ends every early dialog it created (all forks).
 * Returns how many were freed.
 */
export function dialogTerminateEarly(callIdPtr: usize, callIdLen: i32, localTagPtr: usize, localTagLen: i32): i32 {
  initOnce();
  let n = 0;
  for (let i = 0; i < DIALOG_MAX; i++) {
    const d = slotAt(i);
    if (d.state != DialogState.Early) continue;
    if (!eqSpan(area(i, O_CALLID), d.callIdLen, callIdPtr, callIdLen, false)) continue;
    if (!eqSpan(area(i, O_LTAG), d.localTagLen, localTagPtr, localTagLen, true)) continue;
    freeSlot(i);
    n++;
  }
  return n;
}

// ---- building in-dialog requests ----------------------------------------------------------

/** Writes [p, p+n) refusing CR/LF (header injection would re-frame the message, §7.3). */
function wSpan(w: SipWriter, p: usize, n: i32): void {
  if (w.err != BuildErr.OK) return;
  for (let k = 0; k < n; k++) {
    const c = load<u8>(p + <usize>k);
    if (c == 13 || c == 10) { w.err = BuildErr.BadByte; return; }
  }
  wRaw(w, p, n);
}

/** "Via: <sent-protocol sent-by>;branch=z9hG4bK...[;rport]" (§8.1.1.7, RFC 3581). */
export function wVia(w: SipWriter, local: UaLocal, rnd: u64): void {
  wHeaderOpen(w, "Via");
  wSpan(w, local.viaPtr, local.viaLen);
  wStr(w, ";branch=");
  wBranch(w, rnd);
  if (local.rport != 0) wStr(w, ";rport");
  wCrlf(w);
}

/** "Contact: <uri>" (§8.1.1.8). */
export function wContact(w: SipWriter, local: UaLocal): void {
  wHeaderOpen(w, "Contact");
  wStr(w, "<");
  wSpan(w, local.contactPtr, local.contactLen);
  wStr(w, ">");
  wCrlf(w);
}

/** "name: <value>[;tag=<tag>]". */
export function wParty(w: SipWriter, name: string, p: usize, n: i32, tagPtr: usize, tagLen: i32): void {
  wHeaderOpen(w, name);
  wSpan(w, p, n);
  if (tagLen > 0) { wStr(w, ";tag="); wSpan(w, tagPtr, tagLen); }
  wCrlf(w);
}

/** Strict routing (§12.2.1.1): the Request-URI is the first route's URI minus "method" and headers (§19.1.1). */
function wStrictRuri(w: SipWriter, p: usize, n: i32): void {
  if (!uriParse(p, 0, n, URI)) { if (w.err == BuildErr.OK) w.err = BuildErr.BadByte; return; }
  // everything up to the parameters (or the headers, or the end)
  let head = n;
  if (URI.paramsOff >= 0) head = URI.paramsOff - 1;
  else if (URI.headersOff >= 0) head = URI.headersOff - 1;
  wRaw(w, p, head);
  if (URI.paramsOff >= 0) {
    const pe = URI.paramsOff + URI.paramsLen;
    let s = URI.paramsOff;
    for (let g = 0; g <= URI.paramsLen && s < pe; g++) {
      let e = s;
      while (e < pe && load<u8>(p + <usize>e) != 59) e++;
      let ne = s;
      while (ne < e && load<u8>(p + <usize>ne) != 61) ne++;
      if (!eqNoCase(p + <usize>s, ne - s, "method")) { wStr(w, ";"); wRaw(w, p + <usize>s, e - s); }
      s = e + 1;
    }
  }
}

/** Request line for method m with the Request-URI written by wStrictRuri. */
function wStrictRequestLine(w: SipWriter, method: string, p: usize, n: i32): void {
  wStr(w, method);
  wStr(w, " ");
  wStrictRuri(w, p, n);
  wStr(w, " SIP/2.0\r\n");
}

/** True when route k's URI carries ;lr (§19.1.1 lr-param: the element is a loose router). */
function routeIsLoose(i: i32, k: i32): bool {
  const p = area(i, O_ROUTES) + <usize>routeUriOff(i, k);
  if (!uriParse(p, 0, routeUriLen(i, k), URI)) return false;
  return URI.paramsOff >= 0 && uriParamFind(p, URI.paramsOff, URI.paramsLen, "lr") >= 0;
}

/**
 * Builds an in-dialog request (§12.2.1.1) into w (wStart-ed by the caller). method: a Method
 * enum value other than CANCEL. CSeq: local seq + 1 (empty local seq at a UAS: 1), except ACK,
 * which reuses the INVITE's number (§13.2.2.4); committed only when the build succeeds. An
 * INVITE (re-INVITE) and UPDATE carry our Contact (target refresh). ctype "" = no body.
 * After an Ok return dialogNextHopPtr/Len() give where to send (§8.1.2) and dialogLastStrict()
 * whether the first hop is a strict router. A BYE moves the dialog to Terminating: requests
 * after it are refused; dialogTerminate(h) when its final response arrives (§15.1.1).
 * Returns the message length or -1 (dialogLastError()).
 */
export function dialogBuildRequest(h: i32, method: i32, w: SipWriter, local: UaLocal, rnd: u64,
                                   ctype: string, bodyPtr: usize, bodyLen: i32): i32 {
  const i = slotOf(h);
  if (i < 0) return -1;
  const d = slotAt(i);
  if (d.state == DialogState.Terminating) return fail(DialogErr.BadState);
  const name = methodName(method);
  if (method == Method.CANCEL || method == Method.Unknown || name.length == 0) return fail(DialogErr.BadMethod);
  if (method == Method.ACK && d.inviteSeqSet == 0) return fail(DialogErr.BadState);   // no INVITE of ours to ACK
  if (bodyLen > 0 && ctype.length == 0) return fail(DialogErr.Build);                // §7.4.1: a body needs Content-Type
  let seq: u32;
  if (method == Method.ACK) seq = d.inviteSeq;
  else seq = d.localSeqSet != 0 ? d.localSeq + 1 : 1;
  if (seq > 0x7fffffff) return fail(DialogErr.BadState);   // §8.1.1.5: must stay below 2^31

  const routes = area(i, O_ROUTES);
  const target = area(i, O_TARGET);
  const strict = d.routeCount > 0 && !routeIsLoose(i, 0);
  // Request-URI (§12.2.1.1)
  if (strict) wStrictRequestLine(w, name, routes + <usize>routeUriOff(i, 0), routeUriLen(i, 0));
  else wRequestLine(w, name, target, d.targetLen);
  wVia(w, local, rnd);
  wHeaderU64(w, "Max-Forwards", 70);
  // Route: the route set (loose), or all but the first + the remote target (strict)
  const first = strict ? 1 : 0;
  for (let k = first; k < d.routeCount; k++) {
    wHeaderOpen(w, "Route");
    wRaw(w, routes + <usize>routeOff(i, k), routeLen(i, k));
    wCrlf(w);
  }
  if (strict) {
    wHeaderOpen(w, "Route"); wStr(w, "<"); wRaw(w, target, d.targetLen); wStr(w, ">"); wCrlf(w);
  }
  wParty(w, "To", area(i, O_RURI), d.remoteUriLen, area(i, O_RTAG), d.remoteTagLen);
  wParty(w, "From", area(i, O_LURI), d.localUriLen, area(i, O_LTAG), d.localTagLen);
  wHeaderOpen(w, "Call-ID"); wRaw(w, area(i, O_CALLID), d.callIdLen); wCrlf(w);
  wCSeq(w, <u64>seq, name);
  if (method == Method.INVITE || method == Method.UPDATE) wContact(w, local);
  if (bodyLen > 0 && ctype.length > 0) wHeaderStr(w, "Content-Type", ctype);
  const n = wEnd(w, bodyPtr, bodyLen > 0 ? bodyLen : 0);
  if (n < 0) return fail(DialogErr.Build);
  // commit
  if (method != Method.ACK) { d.localSeq = seq; d.localSeqSet = 1; }
  if (method == Method.INVITE) { d.inviteSeq = seq; d.inviteSeqSet = 1; }
  if (method == Method.BYE) d.state = DialogState.Terminating;
  lastStrict = strict;
  setNextHop(i);
  lastErr = DialogErr.Ok;
  return n;
}

/** ACK for a 2xx to our INVITE (§13.2.2.4): new branch, INVITE's CSeq number, same Route set. */
export function dialogBuildAck(h: i32, w: SipWriter, local: UaLocal, rnd: u64, ctype: string, bodyPtr: usize, bodyLen: i32): i32 {
  return dialogBuildRequest(h, Method.ACK, w, local, rnd, ctype, bodyPtr, bodyLen);
}

/** BYE (§15.1.1): the dialog moves to Terminating. */
export function dialogBuildBye(h: i32, w: SipWriter, local: UaLocal, rnd: u64): i32 {
  return dialogBuildRequest(h, Method.BYE, w, local, rnd, "", 0, 0);
}

function setNextHop(i: i32): void {
  const d = slotAt(i);
  if (d.routeCount > 0) {
    nextHopPtr = area(i, O_ROUTES) + <usize>routeUriOff(i, 0);
    nextHopLen = routeUriLen(i, 0);
  } else {
    nextHopPtr = area(i, O_TARGET);
    nextHopLen = d.targetLen;
  }
}

/** §8.1.2: next hop of requests in dialog h: first route URI, else the remote target. Length or -1. */
export function dialogNextHop(h: i32): i32 {
  const i = slotOf(h);
  if (i < 0) return -1;
  setNextHop(i);
  return nextHopLen;
}
/** URI of the next hop (valid until the dialog is freed). */
export function dialogNextHopPtr(): usize { return nextHopPtr; }
export function dialogNextHopLen(): i32 { return nextHopLen; }
/** True when the last built request went to a strict router (Request-URI = its URI). */
export function dialogLastStrict(): bool { return lastStrict; }

// ---- accessors -----------------------------------------------------------------------

export function dialogLastError(): i32 { return lastErr; }
/** True when the last dialogFrom* call created a new dialog (false: it returned an existing one). */
export function dialogWasNew(): bool { return wasNew; }
export function dialogState(h: i32): i32 { const i = slotOf(h); return i < 0 ? -1 : slotAt(i).state; }
export function dialogRole(h: i32): i32 { const i = slotOf(h); return i < 0 ? -1 : slotAt(i).role; }
export function dialogSecure(h: i32): i32 { const i = slotOf(h); return i < 0 ? -1 : slotAt(i).secure; }
/** Local / remote sequence number, -1 when empty (or a bad handle). */
export function dialogLocalSeq(h: i32): i64 {
  const i = slotOf(h); if (i < 0) return -1;
  const d = slotAt(i); return d.localSeqSet != 0 ? <i64>d.localSeq : -1;
}
export function dialogRemoteSeq(h: i32): i64 {
  const i = slotOf(h); if (i < 0) return -1;
  const d = slotAt(i); return d.remoteSeqSet != 0 ? <i64>d.remoteSeq : -1;
}
export function dialogRouteCount(h: i32): i32 { const i = slotOf(h); return i < 0 ? -1 : slotAt(i).routeCount; }

/**
 * Length of one stored span (DlgSpan; DlgSpan.Route + k for route entry k, the whole value;
 * DlgSpan.Route + DIALOG_ROUTE_MAX + k for its URI); dialogSpanPtr() is its address. -1 if none.
 */
export function dialogSpan(h: i32, which: i32): i32 {
  const i = slotOf(h);
  if (i < 0) return -1;
  const d = slotAt(i);
  switch (which) {
    case DlgSpan.CallId: spanPtr = area(i, O_CALLID); return d.callIdLen;
    case DlgSpan.LocalTag: spanPtr = area(i, O_LTAG); return d.localTagLen;
    case DlgSpan.RemoteTag: spanPtr = area(i, O_RTAG); return d.remoteTagLen;
    case DlgSpan.LocalUri: spanPtr = area(i, O_LURI); return d.localUriLen;
    case DlgSpan.RemoteUri: spanPtr = area(i, O_RURI); return d.remoteUriLen;
    case DlgSpan.RemoteTarget: spanPtr = area(i, O_TARGET); return d.targetLen;
  }
  let k = which - DlgSpan.Route;
  const uri = k >= DIALOG_ROUTE_MAX;
  if (uri) k -= DIALOG_ROUTE_MAX;
  if (k < 0 || k >= d.routeCount) return -1;
  if (uri) { spanPtr = area(i, O_ROUTES) + <usize>routeUriOff(i, k); return routeUriLen(i, k); }
  spanPtr = area(i, O_ROUTES) + <usize>routeOff(i, k);
  return routeLen(i, k);
}
export function dialogSpanPtr(): usize { return spanPtr; }

/** Live dialogs. */
export function dialogActive(): i32 {
  initOnce();
  let n = 0;
  for (let i = 0; i < DIALOG_MAX; i++) if (slotAt(i).state != DialogState.Free) n++;
  return n;
}

/** Frees every dialog (tests, agent restart); generations move on so old handles go stale. */
export function dialogReset(): void {
  initOnce();
  for (let i = 0; i < DIALOG_MAX; i++) if (slotAt(i).state != DialogState.Free) freeSlot(i);
  lastErr = DialogErr.Ok;
}
