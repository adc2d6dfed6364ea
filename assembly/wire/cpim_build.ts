// Builds a message/cpim body (RFC 3862 §3) into a caller-given fixed buffer:
//   From: [name ]<uri> / To: [name ]<uri> / [NS: imdn <urn:ietf:params:imdn> /
//   imdn.Message-ID: id] / DateTime: dt / [imdn.Disposition-Notification: d] /
//   empty line / Content-Type: ct / empty line / content
// (RFC 5438 §6 for the IMDN headers; RFC 7701 fan-out keeps the original sender in From.)
// The core never reads a clock: the caller passes DateTime, or formats one with putDateTime.
// Returns the length, or -1 when it does not fit or an argument is unusable. Header values are
// checked for CR/LF/NUL so they cannot inject header lines; the content is copied as is.

import { bwStart, bwStr, bwSpan, bwRaw, BodyWriter } from "./sdp_build";
import { dateTimeOk } from "./cpim";

// @ts-ignore: decorator
@unmanaged
export class CpimBuildParams {
  /** Display names may be empty (then "<uri>" alone); they must be RFC 3862 Tokens separated by SP, or a quoted String. */
  fromNamePtr: usize; fromNameLen: i32;
  fromUriPtr: usize; fromUriLen: i32;
  toNamePtr: usize; toNameLen: i32;
  toUriPtr: usize; toUriLen: i32;
  /** RFC 3339 date-time; len 0 = no DateTime header. */
  dateTimePtr: usize; dateTimeLen: i32;
  /** len 0 = no IMDN headers (and no NS). */
  imdnIdPtr: usize; imdnIdLen: i32;
  /** e.g. "positive-delivery, display"; needs imdnId. len 0 = omit. */
  imdnDispPtr: usize; imdnDispLen: i32;
  contentTypePtr: usize; contentTypeLen: i32;
  contentPtr: usize; contentLen: i32;
}

const W = changetype<BodyWriter>(memory.data(offsetof<BodyWriter>(), 8));

function addr(w: BodyWriter, name: string, np: usize, nl: i32, up: usize, ul: i32): void {
  bwStr(w, name);
  if (nl > 0) { bwSpan(w, np, nl); bwStr(w, " "); }
  bwStr(w, "<"); bwSpan(w, up, ul); bwStr(w, ">\r\n");
}

/** Writes the CPIM body at dst (at most cap bytes). Returns its length, or -1. */
export function buildCpim(dst: usize, cap: i32, a: CpimBuildParams): i32 {
  if (a.fromUriLen <= 0 || a.toUriLen <= 0 || a.contentTypeLen <= 0) return -1;
  if (a.imdnDispLen > 0 && a.imdnIdLen <= 0) return -1;
  if (a.dateTimeLen > 0 && !dateTimeOk(a.dateTimePtr, 0, a.dateTimeLen)) return -1;
  const w = W;
  bwStart(w, dst, cap);
  addr(w, "From: ", a.fromNamePtr, a.fromNameLen, a.fromUriPtr, a.fromUriLen);
  addr(w, "To: ", a.toNamePtr, a.toNameLen, a.toUriPtr, a.toUriLen);
  if (a.imdnIdLen > 0) {
    // RFC 5438 §6.1: the NS header must precede the imdn.* headers it qualifies
    bwStr(w, "NS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: ");
    bwSpan(w, a.imdnIdPtr, a.imdnIdLen); bwStr(w, "\r\n");
  }
  if (a.dateTimeLen > 0) { bwStr(w, "DateTime: "); bwSpan(w, a.dateTimePtr, a.dateTimeLen); bwStr(w, "\r\n"); }
  if (a.imdnDispLen > 0) {
    bwStr(w, "imdn.Disposition-Notification: "); bwSpan(w, a.imdnDispPtr, a.imdnDispLen); bwStr(w, "\r\n");
  }
  bwStr(w, "\r\nContent-Type: "); bwSpan(w, a.contentTypePtr, a.contentTypeLen);
  bwStr(w, "\r\n\r\n");
  bwRaw(w, a.contentPtr, a.contentLen);
  return w.pos;
}

/**
 * Formats seconds since 1970-01-01T00:00:00Z as "YYYY-MM-DDThh:mm:ssZ" (20 bytes) at dst
 * (RFC 3339 §5.6), using the civil-from-days algorithm (no tables, no loops over years).
 */
export function putDateTime(dst: usize, epochSec: u64): i32 {
  const days = <i64>(epochSec / 86400);
  const sod = <i32>(epochSec % 86400);
  const z = days + 719468;
  const era = z / 146097;
  const doe = z - era * 146097;
  const yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  let y = yoe + era * 400;
  const doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const mp = (5 * doy + 2) / 153;
  const d = <i32>(doy - (153 * mp + 2) / 5 + 1);
  const mo = <i32>(mp < 10 ? mp + 3 : mp - 9);
  if (mo <= 2) y++;
  if (y > 9999) return -1;
  const yy = <i32>y;
  store<u8>(dst, <u8>(48 + yy / 1000)); store<u8>(dst + 1, <u8>(48 + (yy / 100) % 10));
  store<u8>(dst + 2, <u8>(48 + (yy / 10) % 10)); store<u8>(dst + 3, <u8>(48 + yy % 10));
  store<u8>(dst + 4, 0x2d);
  store<u8>(dst + 5, <u8>(48 + mo / 10)); store<u8>(dst + 6, <u8>(48 + mo % 10));
  store<u8>(dst + 7, 0x2d);
  store<u8>(dst + 8, <u8>(48 + d / 10)); store<u8>(dst + 9, <u8>(48 + d % 10));
  store<u8>(dst + 10, 0x54);
  const hh = sod / 3600, mm = (sod / 60) % 60, ss = sod % 60;
  store<u8>(dst + 11, <u8>(48 + hh / 10)); store<u8>(dst + 12, <u8>(48 + hh % 10));
  store<u8>(dst + 13, 0x3a);
  store<u8>(dst + 14, <u8>(48 + mm / 10)); store<u8>(dst + 15, <u8>(48 + mm % 10));
  store<u8>(dst + 16, 0x3a);
  store<u8>(dst + 17, <u8>(48 + ss / 10)); store<u8>(dst + 18, <u8>(48 + ss % 10));
  store<u8>(dst + 19, 0x5a);
  return 20;
}
