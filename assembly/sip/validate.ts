// What a UAS endpoint checks before processing a request (RFC 3261 §8.2.1-§8.2.3, with the
// §16.3-style sanity checks of the mandatory headers), and what a UAC checks on a response
// (§8.1.3.3). Our agent is an endpoint: Proxy-Require is not ours to check (§8.2.2.3), a
// Max-Forwards of 0 is fine (RFC 4475 zeromf), unknown Authorization schemes are ignored
// (regaut01), a bare "z9hG4bK" branch is only a weak transaction key (badbranch).
//
// Exported API:
//   sipValidateRequest(m: SipMsg): i32   SipErr.Ok or the first problem, in this order:
//       505 version -> 400 header syntax / missing / repeated -> 400/501 CSeq method ->
//       400/416 Request-URI -> 400 REGISTER To/From scheme -> 420 Require -> 415 Content-Type
//       -> 406 Accept (INVITE)
//   sipValidateResponse(m: SipMsg): i32  SipErr.Ok, SipErr.ResponseVias (valid but discarded),
//       or the SipErr that makes the response unusable (dropped silently)
//   sipOptionSupported(b, off, len): bool   option tags we implement (none yet, see below)
//   sipContentTypeSupported(b, mt): bool    bodies we handle

import { eqNoCase, eqExact } from "../mem/bytes";
import { SipMsg, HdrType, Method } from "../wire/sip_msg";
import { SipErr } from "../wire/sip_err";
import { UriScheme, SipUri, uriScheme, uriParse, uriAbsoluteOk } from "../wire/sip_uri";
import {
  SipVia, SipNameAddr, SipCSeq, SipMediaType, viaParse, nameAddrParse, cseqParse, callIdOk,
  scalarParse, mediaTypeParse, tokenListCheck, listElemEnd, skipLws, trimLwsEnd,
  NA_ALLOW_STAR, NA_NEED_ANGLE
} from "../wire/sip_hdr";

const VIA = changetype<SipVia>(memory.data(offsetof<SipVia>(), 8));
const NA = changetype<SipNameAddr>(memory.data(offsetof<SipNameAddr>(), 8));
const CS = changetype<SipCSeq>(memory.data(offsetof<SipCSeq>(), 8));
const MT = changetype<SipMediaType>(memory.data(offsetof<SipMediaType>(), 8));
const RURI = changetype<SipUri>(memory.data(offsetof<SipUri>(), 8));

// Headers that may appear once only (§7.3.1: only comma-list headers may repeat).
const SINGLE_MASK: u64 =
  (<u64>1 << HdrType.From) | (<u64>1 << HdrType.To) | (<u64>1 << HdrType.CallId) |
  (<u64>1 << HdrType.CSeq) | (<u64>1 << HdrType.MaxForwards) | (<u64>1 << HdrType.ContentLength) |
  (<u64>1 << HdrType.ContentType) | (<u64>1 << HdrType.Expires) | (<u64>1 << HdrType.Date);
const MANDATORY_MASK: u64 =
  (<u64>1 << HdrType.Via) | (<u64>1 << HdrType.From) | (<u64>1 << HdrType.To) |
  (<u64>1 << HdrType.CallId) | (<u64>1 << HdrType.CSeq);

/**
 * Option tags (RFC 3261 §19.2) this agent implements. None yet: every Require tag is
 * answered with 420 (§8.2.2.3). Extend here when an extension is implemented.
 */
export function sipOptionSupported(b: usize, off: i32, len: i32): bool {
  return false;
}

/** Bodies the agent can process (§8.2.3): SDP offers, CPIM/plain IM, multipart, IMDN. */
export function sipContentTypeSupported(b: usize, mt: SipMediaType): bool {
  const t = b + <usize>mt.typeOff, s = b + <usize>mt.subOff;
  const tl = mt.typeLen, sl = mt.subLen;
  if (eqNoCase(t, tl, "application")) return eqNoCase(s, sl, "sdp");
  if (eqNoCase(t, tl, "message")) return eqNoCase(s, sl, "cpim") || eqNoCase(s, sl, "imdn+xml");
  // text/uri-list (RFC 2483): the member list of a chat-room request (host/rooms.ts)
  if (eqNoCase(t, tl, "text")) return eqNoCase(s, sl, "plain") || eqNoCase(s, sl, "uri-list");
  if (eqNoCase(t, tl, "multipart")) return eqNoCase(s, sl, "mixed");
  return false;
}

/** Syntax of every header we understand + presence/uniqueness (shared by requests and responses). */
function checkHeaders(m: SipMsg): i32 {
  const b = m.base;
  if ((m.seen & MANDATORY_MASK) != MANDATORY_MASK) return SipErr.MissingHeader;
  let seenTwice: u64 = 0, seenOnce: u64 = 0;
  const n = m.hdrCount;
  for (let h = 0; h < n; h++) {
    const t = m.hdrType(h);
    const bit = <u64>1 << <u64>t;
    if ((seenOnce & bit) != 0) seenTwice |= bit;
    seenOnce |= bit;
    const vo = m.valOff(h), vl = m.valLen(h), ve = vo + vl;
    switch (t) {
      case HdrType.Via: {
        if (vl == 0) return SipErr.Via;
        let p = vo;
        for (let g = 0; g <= vl; g++) {          // one element per pass, bounded by the value length
          const e = listElemEnd(b, p, ve);
          if (viaParse(b, p, e - p, VIA) != SipErr.Ok) return SipErr.Via;
          if (e >= ve) break;
          p = e + 1;
        }
        break;
      }
      case HdrType.From:
        if (nameAddrParse(b, vo, vl, NA, 0, SipErr.From) != SipErr.Ok) return SipErr.From;
        break;
      case HdrType.To:
        if (nameAddrParse(b, vo, vl, NA, 0, SipErr.To) != SipErr.Ok) return SipErr.To;
        break;
      case HdrType.Contact:
      case HdrType.Route:
      case HdrType.RecordRoute: {
        const err = t == HdrType.Contact ? SipErr.Contact : SipErr.Route;
        const flags = t == HdrType.Contact ? NA_ALLOW_STAR : NA_NEED_ANGLE;
        if (vl == 0) return err;
        let p = vo;
        for (let g = 0; g <= vl; g++) {
          const e = listElemEnd(b, p, ve);
          if (nameAddrParse(b, p, e - p, NA, flags, err) != SipErr.Ok) return err;
          if (NA.star != 0 && (p != vo || e < ve)) return err;   // "*" stands alone (§10.2.2)
          if (e >= ve) break;
          p = e + 1;
        }
        break;
      }
      case HdrType.CallId:
        if (!callIdOk(b, vo, vl)) return SipErr.CallId;
        break;
      case HdrType.CSeq:
        if (cseqParse(b, vo, vl, CS) != SipErr.Ok) return SipErr.CSeq;
        break;
      case HdrType.MaxForwards:
        // §20.22 / RFC 4475 scalar02: 0..255
        if (scalarParse(b, vo, vl, 255) < 0) return SipErr.MaxForwards;
        break;
      case HdrType.Expires:
        // §20.19 delta-seconds; RFC 4475 scalar02: beyond 2^32-1 is malformed
        if (scalarParse(b, vo, vl, 4294967295) < 0) return SipErr.Expires;
        break;
      case HdrType.ContentType:
        if (mediaTypeParse(b, vo, vl, MT) != SipErr.Ok) return SipErr.ContentType;
        break;
      case HdrType.Require:
      case HdrType.ProxyRequire:
        if (!tokenListCheck(b, vo, vl)) return SipErr.OptionTag;
        break;
      case HdrType.Supported:
        if (vl > 0 && !tokenListCheck(b, vo, vl)) return SipErr.OptionTag;   // Supported may be empty (§20.37)
        break;
      case HdrType.Accept: {
        if (vl == 0) break;                                 // empty Accept: nothing acceptable (§20.1)
        let p = vo;
        for (let g = 0; g <= vl; g++) {
          const e = listElemEnd(b, p, ve);
          if (mediaTypeParse(b, p, e - p, MT) != SipErr.Ok) return SipErr.Accept;
          if (e >= ve) break;
          p = e + 1;
        }
        break;
      }
      case HdrType.Date:
        // §20.17: rfc1123-date always ends in "GMT" (RFC 4475 baddate)
        if (vl < 4 || !eqExact(b + <usize>(ve - 4), 4, " GMT")) return SipErr.Date;
        break;
    }
  }
  if ((seenTwice & SINGLE_MASK) != 0) return SipErr.DupHeader;
  return SipErr.Ok;
}

/** Count of Via values (comma elements over all Via headers). */
function viaCount(m: SipMsg): i32 {
  const b = m.base;
  let count = 0;
  for (let h = 0; h < m.hdrCount; h++) {
    if (m.hdrType(h) != HdrType.Via) continue;
    const vo = m.valOff(h), ve = vo + m.valLen(h);
    let p = vo;
    for (let g = 0; g <= ve - vo; g++) {
      const e = listElemEnd(b, p, ve);
      count++;
      if (e >= ve) break;
      p = e + 1;
    }
  }
  return count;
}

/** Does any media-range of the Accept headers cover application/sdp? */
function acceptsSdp(m: SipMsg): bool {
  const b = m.base;
  for (let h = 0; h < m.hdrCount; h++) {
    if (m.hdrType(h) != HdrType.Accept) continue;
    const vo = m.valOff(h), ve = vo + m.valLen(h);
    if (ve == vo) continue;
    let p = vo;
    for (let g = 0; g <= ve - vo; g++) {
      const e = listElemEnd(b, p, ve);
      if (mediaTypeParse(b, p, e - p, MT) == SipErr.Ok) {
        const t = b + <usize>MT.typeOff, s = b + <usize>MT.subOff;
        if (eqExact(t, MT.typeLen, "*") && eqExact(s, MT.subLen, "*")) return true;
        if (eqNoCase(t, MT.typeLen, "application") && (eqExact(s, MT.subLen, "*") || eqNoCase(s, MT.subLen, "sdp"))) return true;
      }
      if (e >= ve) break;
      p = e + 1;
    }
  }
  return false;
}

function nameAddrScheme(m: SipMsg, h: i32): i32 {
  if (h < 0) return UriScheme.None;
  if (nameAddrParse(m.base, m.valOff(h), m.valLen(h), NA, 0, SipErr.To) != SipErr.Ok) return UriScheme.None;
  return NA.scheme;
}

export function sipValidateRequest(m: SipMsg): i32 {
  const b = m.base;
  // §8.2 / §21.5.7: a well-formed version other than 2.0 -> 505 (RFC 4475 badvers)
  if (!eqNoCase(b + <usize>m.verOff, m.verLen, "SIP/2.0")) return SipErr.VersionUnsupported;
  let e = checkHeaders(m);
  if (e != SipErr.Ok) return e;
  // §8.1.1.5: the CSeq method matches the request method; an unknown method that does not
  // even match its CSeq is answered 501 (RFC 4475 mismatch02), a known one 400 (mismatch01)
  cseqParse(b, m.valOff(m.firstCSeq), m.valLen(m.firstCSeq), CS);
  if (CS.methodLen != m.methodLen || !bytesEq(b, CS.methodOff, m.methodOff, m.methodLen)) {
    return m.method == Method.Unknown ? SipErr.NotImplemented : SipErr.CSeqMethod;
  }
  // Request-URI (§8.2.2.1, §19.1.1): malformed -> 400, headers not allowed -> 400,
  // a scheme we do not serve -> 416 (RFC 4475 unkscm, novelsc)
  const sch = uriScheme(b, m.uriOff, m.uriLen);
  if (sch == UriScheme.None) return SipErr.RequestUri;
  if (sch == UriScheme.Sip || sch == UriScheme.Sips) {
    if (!uriParse(b, m.uriOff, m.uriLen, RURI)) return SipErr.RequestUri;
    if (RURI.headersOff >= 0) return SipErr.UriHeaders;
  } else {
    if (!uriAbsoluteOk(b, m.uriOff, m.uriLen)) return SipErr.RequestUri;
    if (sch != UriScheme.Tel) return SipErr.UriScheme;
  }
  // §10.3 step 3 (registrar role): To (and From) of a REGISTER must be SIP/SIPS (RFC 4475 unksm2)
  if (m.method == Method.REGISTER) {
    const ts = nameAddrScheme(m, m.firstTo), fs = nameAddrScheme(m, m.firstFrom);
    if (ts != UriScheme.Sip && ts != UriScheme.Sips) return SipErr.RegisterScheme;
    if (fs != UriScheme.Sip && fs != UriScheme.Sips) return SipErr.RegisterScheme;
  }
  // §8.2.2.3: Require tags we lack -> 420 (not for ACK/CANCEL); Proxy-Require is for proxies
  if (m.method != Method.ACK && m.method != Method.CANCEL && m.has(HdrType.Require)) {
    for (let h = 0; h < m.hdrCount; h++) {
      if (m.hdrType(h) != HdrType.Require) continue;
      const vo = m.valOff(h), ve = vo + m.valLen(h);
      let p = vo;
      for (let g = 0; g <= ve - vo; g++) {
        const le = listElemEnd(b, p, ve);
        const te = trimLwsEnd(b, p, le), ts = skipLws(b, p, te);
        if (!sipOptionSupported(b, ts, te - ts)) return SipErr.BadExtension;
        if (le >= ve) break;
        p = le + 1;
      }
    }
  }
  // §8.2.3: a body we cannot process -> 415 (RFC 4475 invut)
  if (m.bodyLen > 0 && m.firstContentType >= 0) {
    mediaTypeParse(b, m.valOff(m.firstContentType), m.valLen(m.firstContentType), MT);
    if (!sipContentTypeSupported(b, MT)) return SipErr.UnsupportedMedia;
  }
  // §21.4.7 / §20.1: an INVITE whose Accept excludes application/sdp cannot get our SDP answer (sdp01)
  if (m.method == Method.INVITE && m.has(HdrType.Accept) && !acceptsSdp(m)) return SipErr.NotAcceptable;
  return SipErr.Ok;
}

function bytesEq(b: usize, x: i32, y: i32, n: i32): bool {
  for (let i = 0; i < n; i++) if (load<u8>(b + <usize>(x + i)) != load<u8>(b + <usize>(y + i))) return false;
  return true;
}

/**
 * A UAC's view of a response (§8.1.3): version 2.0, status 100..699, the mandatory headers
 * well formed (RFC 4475 scalarlg: CSeq beyond 2^31-1 -> drop). More than one Via means the
 * response was not meant for us (§8.1.3.3, RFC 4475 bcast): valid, but discarded.
 */
export function sipValidateResponse(m: SipMsg): i32 {
  const b = m.base;
  if (!eqNoCase(b + <usize>m.verOff, m.verLen, "SIP/2.0")) return SipErr.VersionUnsupported;
  if (m.status < 100 || m.status > 699) return SipErr.Status;
  const e = checkHeaders(m);
  if (e != SipErr.Ok) return e;
  if (viaCount(m) > 1) return SipErr.ResponseVias;
  return SipErr.Ok;
}
