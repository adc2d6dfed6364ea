import { parseDec, eqNoCase, findCrlf, putU64, cls, C_TOKEN, C_IDENT, lower } from "../../../assembly/mem/bytes";

const BUF = memory.data(64);
function put(s: string): i32 {
  for (let i = 0; i < s.length; i++) store<u8>(BUF + i, <u8>s.charCodeAt(i));
  return s.length;
}

describe("bytes", () => {
  test("parseDec: digits, leading zeros, overflow, junk", () => {
    expect(parseDec(BUF, put("0042"), 100)).toBe(42);
    expect(parseDec(BUF, put("4294967295"), 4294967295)).toBe(4294967295);
    expect(parseDec(BUF, put("4294967296"), 4294967295)).toBe(-1);
    expect(parseDec(BUF, put("99999999999999999999999"), 4294967295)).toBe(-1);
    expect(parseDec(BUF, put("12a"), 1000)).toBe(-1);
    expect(parseDec(BUF, 0, 1000)).toBe(-1);
  });
  test("eqNoCase compares in place", () => {
    expect(eqNoCase(BUF, put("cOnTaCt"), "Contact")).toBe(true);
    expect(eqNoCase(BUF, put("Contac"), "Contact")).toBe(false);
  });
  test("findCrlf", () => {
    const n = put("ab\r\ncd\r\n");
    expect(findCrlf(BUF, n, 0)).toBe(2);
    expect(findCrlf(BUF, n, 3)).toBe(6);
    expect(findCrlf(BUF, 3, 0)).toBe(-1);
  });
  test("putU64", () => {
    expect(putU64(BUF, 0)).toBe(1);
    expect(load<u8>(BUF)).toBe(48);
    expect(putU64(BUF, 18446744073709551615)).toBe(20);
  });
  test("char classes", () => {
    expect(cls(0x41) & C_TOKEN).toBeTruthy();
    expect(cls(0x40) & C_TOKEN).toBe(0);
    expect(cls(0x3d) & C_IDENT).toBeTruthy();
    expect(lower(0x5a)).toBe(0x7a);
    expect(lower(0x7b)).toBe(0x7b);
  });
});
