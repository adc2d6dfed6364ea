// MD5 (RFC 1321) over fixed buffers, for HTTP Digest (RFC 2617 §3.2.2) as used by MSRP relay
// AUTH (RFC 4976 §5.1: the relay challenges with 401 + WWW-Authenticate, the client answers with
// Authorization; the digest is HTTP digest with method "AUTH"). MD5 is broken for collision
// resistance; Digest only needs it as a keyed hash of a nonce, which is what RFC 4976 specifies.
//
//   md5(src, len, dst)      16-byte digest of [src, src+len) at dst
//   md5Hex(src, len, dst)   32 lower-case hex digits at dst (RFC 2617 §3.2.2.2: LHEX)
//
// Nothing is allocated: whole 64-byte blocks are read straight from the input; the tail and the
// padding (§3.1-3.2: 0x80, zeros, the bit length as 64-bit little-endian) go through one static
// 128-byte block. Every loop is bounded by len.

// RFC 1321 §3.4: T[i] = floor(2^32 * abs(sin(i + 1)))
// @ts-ignore: decorator
@lazy const K: usize = memory.data<u32>([
  0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
  0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
  0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
  0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
  0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
  0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
  0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
  0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
]);
// per-round rotation amounts (§3.4, rounds 1-4, four per round)
// @ts-ignore: decorator
@lazy const S: usize = memory.data<u8>([7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21]);

const TAIL: usize = memory.data(128, 8);
let a0: u32 = 0, b0: u32 = 0, c0: u32 = 0, d0: u32 = 0;

/** One 64-byte block at p (§3.4): four rounds of 16 operations. */
function block(p: usize): void {
  let a = a0, b = b0, c = c0, d = d0;
  for (let i = 0; i < 64; i++) {
    let f: u32, g: i32;
    const r = i >> 4;
    if (r == 0) { f = (b & c) | (~b & d); g = i; }
    else if (r == 1) { f = (d & b) | (~d & c); g = (5 * i + 1) & 15; }
    else if (r == 2) { f = b ^ c ^ d; g = (3 * i + 5) & 15; }
    else { f = c ^ (b | ~d); g = (7 * i) & 15; }
    const s = <u32>load<u8>(S + <usize>((r << 2) | (i & 3)));
    const x = a + f + load<u32>(K + <usize>(i << 2)) + load<u32>(p + <usize>(g << 2));
    a = d; d = c; c = b;
    b = b + rotl<u32>(x, s);
  }
  a0 += a; b0 += b; c0 += c; d0 += d;
}

/** The 16-byte MD5 digest of [src, src+len) at dst (len >= 0; dst may not overlap src). */
export function md5(src: usize, len: i32, dst: usize): void {
  if (len < 0) len = 0;
  // §3.3: the initial state
  a0 = 0x67452301; b0 = 0xefcdab89; c0 = 0x98badcfe; d0 = 0x10325476;
  const whole = len & ~63;
  for (let off = 0; off < whole; off += 64) block(src + <usize>off);
  const rest = len - whole;
  memory.fill(TAIL, 0, 128);
  if (rest > 0) memory.copy(TAIL, src + <usize>whole, <usize>rest);
  // §3.1-3.2: a 1 bit, zeros up to 56 mod 64, then the length in bits (64-bit little-endian)
  store<u8>(TAIL + <usize>rest, 0x80);
  const n = rest < 56 ? 64 : 128;
  store<u64>(TAIL + <usize>(n - 8), <u64>len << 3);
  block(TAIL);
  if (n == 128) block(TAIL + 64);
  store<u32>(dst, a0); store<u32>(dst, b0, 4); store<u32>(dst, c0, 8); store<u32>(dst, d0, 12);
}

const RAW: usize = memory.data(16, 8);

/** 32 lower-case hex digits of the MD5 of [src, src+len) at dst (RFC 2617 LHEX). */
export function md5Hex(src: usize, len: i32, dst: usize): void {
  md5(src, len, RAW);
  for (let i = 0; i < 16; i++) {
    const v = <u32>load<u8>(RAW + <usize>i);
    const hi = v >> 4, lo = v & 15;
    store<u8>(dst + <usize>(2 * i), <u8>(hi < 10 ? 48 + hi : 87 + hi));
    store<u8>(dst + <usize>(2 * i + 1), <u8>(lo < 10 ? 48 + lo : 87 + lo));
  }
}
