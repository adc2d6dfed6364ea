// MD5: the RFC 1321 §A.5 test suite, block-boundary lengths (55/56/63/64/65, where the padding
// needs a second block) checked against known digests, and the RFC 2617 §3.5 digest example.
import { md5, md5Hex } from "../../../assembly/wire/md5";

const IN = memory.data(1024);
const OUT = memory.data(64);

function hexOf(s: string): string {
  for (let i = 0; i < s.length; i++) store<u8>(IN + i, <u8>s.charCodeAt(i));
  md5Hex(IN, s.length, OUT);
  return String.UTF8.decodeUnsafe(OUT, 32);
}
function rep(c: string, n: i32): string { let s = ""; for (let i = 0; i < n; i++) s += c; return s; }

describe("md5", () => {
  test("RFC 1321 §A.5 test suite", () => {
    const rows: string[][] = [
      ["", "d41d8cd98f00b204e9800998ecf8427e"],
      ["a", "0cc175b9c0f1b6a831c399e269772661"],
      ["abc", "900150983cd24fb0d6963f7d28e17f72"],
      ["message digest", "f96b697d7cb7938d525a2f31aaf161d0"],
      ["abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"],
      ["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"],
      ["12345678901234567890123456789012345678901234567890123456789012345678901234567890", "57edf4a22be3c955ac49da2e2107b67a"],
    ];
    for (let i = 0; i < rows.length; i++) expect(hexOf(rows[i][0])).toBe(rows[i][1], rows[i][0]);
  });
  test("padding at the block boundaries", () => {
    // digests of "a" * n from a reference implementation (coreutils md5sum)
    expect(hexOf(rep("a", 55))).toBe("ef1772b6dff9a122358552954ad0df65");
    expect(hexOf(rep("a", 56))).toBe("3b0c8ac703f828b04c6c197006d17218");
    expect(hexOf(rep("a", 63))).toBe("b06521f39153d618550606be297466d5");
    expect(hexOf(rep("a", 64))).toBe("014842d480b571495a4a0363793f7367");
    expect(hexOf(rep("a", 65))).toBe("c743a45e0d2e6a95cb859adae0248435");
    expect(hexOf(rep("a", 1000))).toBe("cabe45dcc9ae5b66ba86600cca6b8ba8");
  });
  test("raw digest bytes and negative length", () => {
    store<u8>(IN, 0x61);
    md5(IN, 1, OUT);
    expect(load<u8>(OUT)).toBe(0x0c);
    expect(load<u8>(OUT + 15)).toBe(0x61);
    md5Hex(IN, -5, OUT);   // treated as empty input, never a trap
    expect(String.UTF8.decodeUnsafe(OUT, 32)).toBe("d41d8cd98f00b204e9800998ecf8427e");
  });
  test("RFC 2617 §3.5 digest example (qop=auth)", () => {
    const ha1 = hexOf("Mufasa:testrealm@host.com:Circle Of Life");
    const ha2 = hexOf("GET:/dir/index.html");
    expect(hexOf(ha1 + ":dcd98b7102dd2f0e8b11d0f600bfb0c093:00000001:0a4f113b:auth:" + ha2)).toBe("6629fae49393a05397450978507c4ef1");
  });
});
