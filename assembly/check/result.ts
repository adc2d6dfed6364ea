// The outcome of one `check` run: verdict, the status code the agent would answer,
// a short ASCII reason, and a digest of the parse result. The digest lets tests
// prove that a split feed produced the very same spans as a whole feed, not just
// the same verdict.

import { REASON_CAP } from "../mem/limits";

export const VERDICT_VALID: i32 = 0;
export const VERDICT_INVALID: i32 = 1;

const REASON: usize = memory.data(REASON_CAP);
let reasonLen: i32 = 0;
let verdict: i32 = VERDICT_VALID;
let code: i32 = 0;
let digest: u32 = 0x811c9dc5;

export function resultReset(): void {
  reasonLen = 0; verdict = VERDICT_VALID; code = 0; digest = 0x811c9dc5;
}

/** code 0 = no response would be sent (valid, or a malformed response that is dropped). */
export function resultSet(isValid: bool, status: i32, reason: string): void {
  verdict = isValid ? VERDICT_VALID : VERDICT_INVALID;
  code = status;
  const n = min(reason.length, REASON_CAP);
  const sp = changetype<usize>(reason);
  for (let i = 0; i < n; i++) store<u8>(REASON + i, <u8>load<u16>(sp + (<usize>i << 1)));
  reasonLen = n;
}

/** FNV-1a over a value: drivers fold every span/number of their parse result in. */
export function digestU32(v: u32): void {
  for (let i = 0; i < 4; i++) { digest ^= (v >> (i * 8)) & 0xff; digest *= 16777619; }
}
export function digestBytes(p: usize, len: i32): void {
  digestU32(<u32>len);
  for (let i = 0; i < len; i++) { digest ^= load<u8>(p + i); digest *= 16777619; }
}

export function resultVerdict(): i32 { return verdict; }
export function resultCode(): i32 { return code; }
export function resultReasonPtr(): usize { return REASON; }
export function resultReasonLen(): i32 { return reasonLen; }
export function resultDigest(): u32 { return digest; }
