// check driver for MSRP: runs bytes through the incremental frame parser (wire/msrp.ts)
// in whatever slices the host feeds, checks each frame, and reports the verdict of the
// whole input plus a digest of everything the parser produced (start line, headers,
// Byte-Range numbers, body length and a rolling hash of the body bytes, end flag), so a
// split feed can be proven to give the very same result as a whole feed.
// Receiver-side rules the wire layer cannot know: RFC 4975 §7.3 / §10 481 for a session
// we do not have, §8 a=max-size -> 413. Verdicts follow corpus/msrp/MANIFEST.tsv.

import { resultSet, digestU32, digestBytes } from "./result";
import { CONN_RX_CAP, MSRP_HDR_MAX, MSRP_MAX_SIZE_DEFAULT, MSRP_SESS_LIST_CAP } from "../mem/limits";
import { MsrpParser, msrpParserAt, msrpReset, msrpFeed, MsrpEvent, MsrpMethod, MSRP_PARSER_BYTES, MSRP_HDR_STRIDE, RANGE_STAR } from "../wire/msrp";
import { MsrpErr, msrpErrCode, msrpErrReason } from "../wire/msrp_err";
import { MsrpUri, msrpPathNth } from "../wire/msrp_uri";

const P: MsrpParser = msrpParserAt(memory.data(MSRP_PARSER_BYTES, 8), memory.data(MSRP_HDR_MAX * MSRP_HDR_STRIDE, 8),
  memory.data(CONN_RX_CAP, 8), CONN_RX_CAP);
const URI: MsrpUri = changetype<MsrpUri>(memory.data(offsetof<MsrpUri>(), 8));
const SESS: usize = memory.data(MSRP_SESS_LIST_CAP);
let sessLen: i32 = 0;
let maxSize: u64 = MSRP_MAX_SIZE_DEFAULT;

// verdict of the input so far: the first invalid frame wins, else the first answered code
let bad: bool = false;
let badCode: i32 = 0;
let badReason: string = "";
let okCode: i32 = 0;
let okReason: string = "OK";
let frames: i32 = 0;
let fatalSeen: bool = false;
let bodyHash: u32 = 0x811c9dc5;

export function msrpCheckOpen(flags: i32, maxSizeIn: u64, optPtr: usize, optLen: i32): void {
  msrpReset(P);
  maxSize = maxSizeIn == 0 ? MSRP_MAX_SIZE_DEFAULT : maxSizeIn;
  // the options live in the inbox, which the next feed overwrites: copy them now
  sessLen = optLen < 0 ? 0 : min(optLen, MSRP_SESS_LIST_CAP);
  memory.copy(SESS, optPtr, <usize>sessLen);
  bad = false; badCode = 0; badReason = ""; okCode = 0; okReason = "OK"; frames = 0; fatalSeen = false;
  bodyHash = 0x811c9dc5;
}

/** Is [sp, sp+sl) one of the comma-separated ids in SESS (exact: RFC 4975 §6.1, session-id is case-sensitive)? */
function knownSession(sp: usize, sl: i32): bool {
  let i = 0;
  while (i <= sessLen) {
    let j = i;
    while (j < sessLen && load<u8>(SESS + <usize>j) != 0x2c) j++;
    let a = i, b = j;
    while (a < b && load<u8>(SESS + <usize>a) == 0x20) a++;
    while (b > a && load<u8>(SESS + <usize>(b - 1)) == 0x20) b--;
    if (b - a == sl && sl > 0 && memory.compare(SESS + <usize>a, sp, <usize>sl) == 0) return true;
    i = j + 1;
  }
  return false;
}

function markBad(code: i32, reason: string): void {
  if (bad) return;
  bad = true; badCode = code; badReason = reason;
}

function onHeaders(): void {
  const p = P;
  const b = p.hdrBuf;
  digestU32(0x48445253);
  digestU32(<u32>p.isRequest);
  digestBytes(b, p.startLen);
  digestU32(<u32>p.method);
  digestU32(<u32>p.status);
  digestU32(<u32>p.hdrCount);
  for (let i = 0; i < p.hdrCount; i++) {
    digestU32(<u32>p.hdrType(i));
    digestBytes(b + <usize>p.nameOff(i), p.nameLen(i));
    digestBytes(b + <usize>p.valOff(i), p.valLen(i));
  }
  digestU32(<u32>p.rangeStart); digestU32(<u32>(p.rangeStart >> 32));
  digestU32(<u32>p.rangeEnd); digestU32(<u32>(p.rangeEnd >> 32));
  digestU32(<u32>p.rangeTotal); digestU32(<u32>(p.rangeTotal >> 32));
  digestU32(<u32>p.statusNs); digestU32(<u32>p.statusCode);
  digestU32(<u32>p.hasBody);
  digestU32(<u32>p.err);
  bodyHash = 0x811c9dc5;

  let e = p.err;
  if (e == 0 && p.isRequest != 0 && (p.method == MsrpMethod.SEND || p.method == MsrpMethod.REPORT)) {
    // §7.3: the first To-Path URI names the session (only checked when we were given sessions)
    if (sessLen > 0) {
      const ti = p.iToPath;
      if (msrpPathNth(URI, b, p.valOff(ti), p.valLen(ti), 0) < 0 || !knownSession(b + <usize>URI.sessOff, URI.sessLen)) {
        e = MsrpErr.UnknownSession;
      }
    }
    // §8 a=max-size: a SEND announcing a larger message gets 413 (stop sending it)
    if (e == 0 && p.method == MsrpMethod.SEND && p.rangeTotal != RANGE_STAR && <u64>p.rangeTotal > maxSize) {
      e = MsrpErr.TooLarge;
    }
  }
  if (e == 0) return;
  const code = msrpErrCode(e);
  if (e == MsrpErr.UnknownMethod || e == MsrpErr.UnknownSession || e == MsrpErr.TooLarge) {
    // well formed, answered with an error code: the frame itself is valid
    if (okCode == 0) { okCode = code; okReason = msrpErrReason(e); }
    return;
  }
  // responses (§7.2) and REPORTs (§7.1.2) are never answered: a bad one is dropped
  const answered = p.isRequest != 0 && p.method != MsrpMethod.REPORT;
  markBad(answered ? code : 0, msrpErrReason(e));
}

function onBody(ptr: usize, len: i32): void {
  let h = bodyHash;
  for (let i = 0; i < len; i++) { h ^= load<u8>(ptr + <usize>i); h *= 16777619; }
  bodyHash = h;
}

function onEnd(): void {
  digestU32(0x454e4421);
  digestU32(<u32>P.bodyTotal); digestU32(<u32>(P.bodyTotal >> 32));
  digestU32(bodyHash);
  digestU32(<u32>P.flag);
  frames++;
}

export function msrpCheckFeed(src: usize, n: i32): void {
  if (n < 0) n = 0;
  let off = 0;
  // every call either consumes input or emits an event that consumes none (at most a
  // few in a row), so 3*n + 8 rounds are more than enough
  const rounds = 3 * n + 8;
  for (let r = 0; r < rounds; r++) {
    const used = msrpFeed(P, src + <usize>off, n - off);
    off += used;
    const ev = P.event;
    if (ev == MsrpEvent.None) break;
    if (ev == MsrpEvent.Error) {
      // the parser keeps reporting ERROR on later feeds: fold it into the digest once
      if (!fatalSeen) { fatalSeen = true; digestU32(0x45525221); digestU32(<u32>P.err); }
      markBad(msrpErrCode(P.err), msrpErrReason(P.err));
      break;
    }
    if (ev == MsrpEvent.Headers) onHeaders();
    else if (ev == MsrpEvent.Body) onBody(P.bodyPtr, P.bodyLen);
    else if (ev == MsrpEvent.End) onEnd();
  }
}

export function msrpCheckClose(): void {
  if (bad) { resultSet(false, badCode, badReason); return; }
  if (P.inFrame()) { resultSet(false, 0, "incomplete frame: no end-line before close"); return; }
  if (frames == 0) { resultSet(false, 0, "incomplete frame: no frame"); return; }
  resultSet(true, okCode, okReason);
}
