// Registrar glue (RFC 3261 §10.3) between a parsed REGISTER and the location table
// (server/location.ts), answered through the REGISTER's server transaction (§17.2.2) so that
// a retransmitted REGISTER gets the same answer without touching the bindings again.
//
//   §10.3 step 5  AOR = the To URI (canonicalised by the table)
//   §10.3 step 6  "Contact: *" only alone and with Expires: 0, else 400
//   §10.3 step 7  per Contact: expires param, else Expires header, else the default; 0 < e <
//                 Min-Expires -> 423 with Min-Expires (§20.23); Call-ID/CSeq ordering; all
//                 Contacts of one REGISTER are applied or none (locTxBegin/Commit/Abort)
//   §10.3 step 8  200 lists every current binding with its remaining expires
//   RFC 3261 §20.10 q-value "0" / "1" / "0.xyz" -> thousandths
//
// Registration changes (registered / unregistered) become EVENT records (emitLocEvents, called
// by the caller after the response is queued so the SEND record comes first).

import { SipMsg, HdrType } from "../wire/sip_msg";
import { SipErr } from "../wire/sip_err";
import {
  SipNameAddr, sipNameAddrAt, nameAddrParse, SipCSeq, sipCSeqAt, cseqParse, scalarParse, listElemEnd,
  paramFind, NA_ALLOW_STAR,
} from "../wire/sip_hdr";
import {
  wStart, wResponseHeadersFrom, wHeaderOpen, wRaw, wStr, wU64, wCrlf, wHeaderU64, wEnd,
} from "../wire/sip_build";
import { txnServerSendResponse } from "../sip/transaction";
import {
  locTxBegin, locTxCommit, locTxAbort, locRegister, locRemoveAll, locLookup, locContactUriPtr,
  locContactUriLen, locContactRemainingS, locMinExpiresS, locLastErr, locErrReason, locEventCount,
  locEventKind, locEventContacts, locEventAorPtr, locEventAorLen, locEventPop, LOC_CONN_NONE,
  LOC_Q_NONE, LOC_EV_REGISTERED,
} from "./location";
import { W2, BUILD2, BUILD2_CAP, TAG, TAG_LEN, newTag } from "./common";
import { outEventOpen, outStr, outJsonBytes, outDec, outEventClose } from "../mem/outbox";
import { LOC_CONTACT_MAX } from "../mem/limits";

const NA: SipNameAddr = sipNameAddrAt(memory.data(offsetof<SipNameAddr>(), 8));
const CS: SipCSeq = sipCSeqAt(memory.data(offsetof<SipCSeq>(), 8));

/** RFC 3261 §20.10 qvalue -> thousandths; LOC_Q_NONE when absent, -2 when malformed. */
function qOf(b: usize, paramsOff: i32, paramsLen: i32): i32 {
  if (paramsOff < 0) return LOC_Q_NONE;
  const r = paramFind(b, paramsOff, paramsLen, "q");
  if (r < 0) return LOC_Q_NONE;
  const p = b + <usize>(r >>> 32);
  const n = <i32>(r & 0xffffffff);
  if (n <= 0 || n > 5) return -2;
  const d0 = <i32>load<u8>(p) - 48;
  if (d0 < 0 || d0 > 1) return -2;
  let v = d0 * 1000;
  if (n == 1) return v;
  if (load<u8>(p, 1) != 46) return -2;
  let scale = 100;
  for (let i = 2; i < n; i++) {
    const d = <i32>load<u8>(p + <usize>i) - 48;
    if (d < 0 || d > 9) return -2;
    v += d * scale; scale /= 10;
  }
  return v > 1000 ? -2 : v;
}

/**
 * §10.3 for REGISTER m on server transaction h (the caller drains the transaction queue).
 * conn: the connection it came on (-1 for UDP); src: the source address text.
 */
export function handleRegister(m: SipMsg, h: i32, peer: u32, conn: i32, srcPtr: usize, srcLen: i32, now: f64): void {
  const b = m.base;
  let code = 200;
  let reason = "OK";
  const aorPtr = b + <usize>m.valOff(m.firstTo), aorLen = m.valLen(m.firstTo);
  const cidPtr = b + <usize>m.valOff(m.firstCallId), cidLen = m.valLen(m.firstCallId);
  cseqParse(b, m.valOff(m.firstCSeq), m.valLen(m.firstCSeq), CS);
  let expHdr: i32 = -1;
  if (m.firstExpires >= 0) {
    const x = scalarParse(b, m.valOff(m.firstExpires), m.valLen(m.firstExpires), 0xffffffff);
    if (x < 0) { code = 400; reason = "Bad Expires"; }
    else expHdr = x > 0x7fffffff ? 0x7fffffff : <i32>x;
  }
  // count contacts and stars first (§10.3 step 6: "*" must stand alone)
  let count = 0, stars = 0;
  if (code == 200) {
    for (let i = 0; i < m.hdrCount && code == 200; i++) {
      if (m.hdrType(i) != HdrType.Contact) continue;
      const vo = m.valOff(i), end = vo + m.valLen(i);
      let p = vo;
      for (let g = 0; g <= m.valLen(i) && p < end; g++) {
        const e = listElemEnd(b, p, end);
        if (nameAddrParse(b, p, e - p, NA, NA_ALLOW_STAR, SipErr.Contact) != SipErr.Ok) { code = 400; reason = "Bad Contact"; break; }
        count++;
        if (NA.star != 0) stars++;
        p = e + 1;
      }
    }
    if (code == 200 && stars > 0 && count > 1) { code = 400; reason = "Contact * must be alone"; }
  }
  if (code == 200 && count > 0) {
    locTxBegin();
    for (let i = 0; i < m.hdrCount && code == 200; i++) {
      if (m.hdrType(i) != HdrType.Contact) continue;
      const vo = m.valOff(i), end = vo + m.valLen(i);
      let p = vo;
      for (let g = 0; g <= m.valLen(i) && p < end && code == 200; g++) {
        const e = listElemEnd(b, p, end);
        nameAddrParse(b, p, e - p, NA, NA_ALLOW_STAR, SipErr.Contact);
        if (NA.star != 0) {
          code = locRemoveAll(aorPtr, aorLen, cidPtr, cidLen, CS.num, now, expHdr);
        } else {
          const exp = NA.expires >= 0 ? (NA.expires > 0x7fffffff ? 0x7fffffff : <i32>NA.expires) : expHdr;
          const q = qOf(b, NA.paramsOff, NA.paramsLen);
          if (q == -2) { code = 400; reason = "Bad q value"; break; }
          code = locRegister(aorPtr, aorLen, b + <usize>NA.uriOff, NA.uriLen, exp, cidPtr, cidLen, CS.num,
            conn < 0 ? LOC_CONN_NONE : <u32>conn, now, q, srcPtr, srcLen);
        }
        if (code != 200) reason = locErrReason(locLastErr());
        p = e + 1;
      }
    }
    if (code == 200) locTxCommit(); else locTxAbort();
  }
  newTag();
  wStart(W2, BUILD2, BUILD2_CAP);
  wResponseHeadersFrom(W2, m, code, reason, TAG, TAG_LEN);
  if (code == 423) wHeaderU64(W2, "Min-Expires", <u64>locMinExpiresS());
  if (code == 200) {
    // §10.3 step 8: every current binding with its remaining time
    const n = locLookup(aorPtr, aorLen, now);
    for (let k = 0; k < n && k < LOC_CONTACT_MAX; k++) {
      wHeaderOpen(W2, "Contact");
      wStr(W2, "<"); wRaw(W2, locContactUriPtr(k), locContactUriLen(k)); wStr(W2, ">;expires=");
      wU64(W2, <u64>locContactRemainingS(k, now));
      wCrlf(W2);
    }
  }
  const len = wEnd(W2, 0, 0);
  if (len > 0) txnServerSendResponse(h, code, BUILD2, len, now);
}

/** Registration changes as EVENT records: {"event":"registered"|"unregistered","aor":"...","contacts":N}. */
export function emitLocEvents(): void {
  for (let g = 0; g < 64 && locEventCount() > 0; g++) {
    if (outEventOpen()) {
      outStr(locEventKind() == LOC_EV_REGISTERED ? "{\"event\":\"registered\",\"aor\":\"" : "{\"event\":\"unregistered\",\"aor\":\"");
      outJsonBytes(locEventAorPtr(), locEventAorLen());
      outStr("\",\"contacts\":");
      outDec(<u32>locEventContacts());
      outStr("}");
      outEventClose();
    }
    locEventPop();
  }
}
