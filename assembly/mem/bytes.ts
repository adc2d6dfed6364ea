// Byte helpers and character classes for every parser (no allocation, no exceptions).
// The class table follows the ABNF of RFC 3261 §25.1 (token, unreserved) and
// RFC 4975 §9 (ident-char); one load per byte, as in Kamailio's parse tables.

export const C_ALPHA: u8 = 1;
export const C_DIGIT: u8 = 2;
/** RFC 3261 token: alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" */
export const C_TOKEN: u8 = 4;
export const C_HEX: u8 = 8;
/** SP / HTAB */
export const C_WS: u8 = 16;
/** RFC 3261 unreserved: alphanum / mark */
export const C_UNRESERVED: u8 = 32;
/** RFC 4975 ident-char: alphanum / "." / "-" / "+" / "%" / "=" */
export const C_IDENT: u8 = 64;
/** 0x00-0x1F and DEL */
export const C_CTL: u8 = 128;

// @ts-ignore: decorator
@lazy const CLASS: usize = memory.data<u8>([
  128, 128, 128, 128, 128, 128, 128, 128, 128, 144, 128, 128, 128, 128, 128, 128,
  128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
  16, 36, 0, 0, 0, 68, 0, 36, 32, 32, 36, 68, 0, 100, 100, 0,
  110, 110, 110, 110, 110, 110, 110, 110, 110, 110, 0, 0, 0, 64, 0, 0,
  0, 109, 109, 109, 109, 109, 109, 101, 101, 101, 101, 101, 101, 101, 101, 101,
  101, 101, 101, 101, 101, 101, 101, 101, 101, 101, 101, 0, 0, 0, 0, 36,
  4, 109, 109, 109, 109, 109, 109, 101, 101, 101, 101, 101, 101, 101, 101, 101,
  101, 101, 101, 101, 101, 101, 101, 101, 101, 101, 101, 0, 0, 0, 36, 128,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
]);

// @ts-ignore: decorator
@inline export function cls(c: u32): u8 { return load<u8>(CLASS + (c & 0xff)); }
// @ts-ignore: decorator
@inline export function isClass(c: u32, mask: u8): bool { return (load<u8>(CLASS + (c & 0xff)) & mask) != 0; }
// @ts-ignore: decorator
@inline export function isDigit(c: u32): bool { return c - 48 < 10; }
// @ts-ignore: decorator
@inline export function isWs(c: u32): bool { return c == 32 || c == 9; }
// @ts-ignore: decorator
@inline export function lower(c: u32): u32 { return (c - 65 < 26) ? c | 0x20 : c; }

/** Case-insensitive compare of bytes [p, p+len) with an ASCII string literal (read in place, no copy). */
export function eqNoCase(p: usize, len: i32, s: string): bool {
  if (len != s.length) return false;
  const sp = changetype<usize>(s);
  for (let i = 0; i < len; i++) {
    if (lower(load<u8>(p + i)) != lower(<u32>load<u16>(sp + (<usize>i << 1)))) return false;
  }
  return true;
}

/** Exact compare of bytes [p, p+len) with an ASCII string literal. */
export function eqExact(p: usize, len: i32, s: string): bool {
  if (len != s.length) return false;
  const sp = changetype<usize>(s);
  for (let i = 0; i < len; i++) {
    if (<u32>load<u8>(p + i) != <u32>load<u16>(sp + (<usize>i << 1))) return false;
  }
  return true;
}

/** Byte-wise compare of two spans; caseless when nocase. */
export function eqSpan(a: usize, alen: i32, b: usize, blen: i32, nocase: bool): bool {
  if (alen != blen) return false;
  for (let i = 0; i < alen; i++) {
    let x = <u32>load<u8>(a + i), y = <u32>load<u8>(b + i);
    if (nocase) { x = lower(x); y = lower(y); }
    if (x != y) return false;
  }
  return true;
}

/** Writes an ASCII string literal at dst; returns bytes written. */
export function putAscii(dst: usize, s: string): i32 {
  const sp = changetype<usize>(s);
  const n = s.length;
  for (let i = 0; i < n; i++) store<u8>(dst + i, <u8>load<u16>(sp + (<usize>i << 1)));
  return n;
}

/** Writes the decimal form of v at dst; returns bytes written (at most 20). */
export function putU64(dst: usize, v: u64): i32 {
  let n = 1;
  let t = v;
  while (t >= 10) { t /= 10; n++; }
  let q = v;
  for (let i = n - 1; i >= 0; i--) { store<u8>(dst + i, <u8>(48 + <u32>(q % 10))); q /= 10; }
  return n;
}

/**
 * Parses 1*DIGIT at [p, p+len) as an unsigned decimal no larger than max.
 * Returns the value, or -1 when empty, not all digits, or above max
 * (leading zeros are fine: RFC 4475 §3.1.1.1 uses them).
 */
export function parseDec(p: usize, len: i32, max: u64): i64 {
  if (len <= 0) return -1;
  let v: u64 = 0;
  for (let i = 0; i < len; i++) {
    const d = <u32>load<u8>(p + i) - 48;
    if (d >= 10) return -1;
    v = v * 10 + d;
    if (v > max) return -1;   // checked every digit, so v never wraps (max < 2^63)
  }
  return <i64>v;
}

/** Index of the first CRLF at or after from in [p, p+len), or -1. */
export function findCrlf(p: usize, len: i32, from: i32): i32 {
  for (let i = from; i + 1 < len; i++) {
    if (load<u8>(p + i) == 13 && load<u8>(p + i + 1) == 10) return i;
  }
  return -1;
}

/** Skips SP/HTAB forward from i (bounded by len). */
export function skipWs(p: usize, len: i32, i: i32): i32 {
  while (i < len && isWs(load<u8>(p + i))) i++;
  return i;
}

/** Trims SP/HTAB at the end of [p+off, p+off+len); returns the new length. */
export function trimWsEnd(p: usize, off: i32, len: i32): i32 {
  while (len > 0 && isWs(load<u8>(p + off + len - 1))) len--;
  return len;
}
