// build/agent-wasi.wasm: the same core as a WASI (preview1) command, for integrators who
// run modules under a WASI runtime or compile them ahead of time (wasm2c) instead of
// linking our TypeScript host. It is the `check` command over stdin:
//   agent-wasi <sip|msrp|sdp|cpim> [SLICE]     (reads one message from stdin,
//   prints {"verdict":..,"code":..,"reason":..} and exits 0; exit 2 on usage errors)
// SLICE feeds the input in reads of at most SLICE bytes (1 = byte by byte).
// Only fd_read, fd_write, args_sizes_get, args_get and proc_exit are imported, with
// static buffers: no allocator, no memory.grow, like the rest of the core.

import { checkOpen, checkFeed, checkClose, checkCode, checkReasonPtr, checkReasonLen, inboxCap } from "./index";
import { INBOX } from "./mem/regions";
import { eqExact, putAscii, putU64, parseDec } from "./mem/bytes";

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "fd_read")
declare function fd_read(fd: u32, iovs: usize, iovsLen: u32, nread: usize): u16;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "fd_write")
declare function fd_write(fd: u32, iovs: usize, iovsLen: u32, nwritten: usize): u16;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "args_sizes_get")
declare function args_sizes_get(argc: usize, bufSize: usize): u16;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "args_get")
declare function args_get(argv: usize, buf: usize): u16;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "proc_exit")
declare function proc_exit(code: u32): void;

const ARGS_CAP: i32 = 1024;
const ARGV_MAX: i32 = 8;
const ARGS: usize = memory.data(ARGS_CAP);
const ARGV: usize = memory.data(ARGV_MAX * 4, 4);
const IOV: usize = memory.data(8, 4);
const WORD: usize = memory.data(8, 4);
const LINE_CAP: i32 = 512;
const LINE: usize = memory.data(LINE_CAP);

function writeOut(fd: u32, p: usize, n: i32): void {
  // bounded: each successful write takes at least one byte, a failed one stops
  for (let left = n; left > 0;) {
    store<u32>(IOV, <u32>p); store<u32>(IOV, <u32>left, 4);
    if (fd_write(fd, IOV, 1, WORD) != 0) return;
    const w = <i32>load<u32>(WORD);
    if (w <= 0) return;
    p += <usize>w; left -= w;
  }
}

function usage(): void {
  const n = putAscii(LINE, "usage: agent-wasi <sip|msrp|sdp|cpim> [SLICE] < message\n");
  writeOut(2, LINE, n);
  proc_exit(2);
}

function argLen(i: i32, argc: i32): i32 {
  const p = <usize>load<u32>(ARGV + <usize>(i * 4));
  let n = 0;
  while (p + <usize>n < ARGS + <usize>ARGS_CAP && load<u8>(p + <usize>n) != 0) n++;
  return n;
}

export function _start(): void {
  if (args_sizes_get(WORD, WORD + 4) != 0) { usage(); return; }
  const argc = <i32>load<u32>(WORD);
  if (argc < 2 || argc > ARGV_MAX || <i32>load<u32>(WORD, 4) > ARGS_CAP || args_get(ARGV, ARGS) != 0) { usage(); return; }
  const a1 = <usize>load<u32>(ARGV + 4);
  const l1 = argLen(1, argc);
  let proto = 0;
  if (eqExact(a1, l1, "sip")) proto = 1;
  else if (eqExact(a1, l1, "msrp")) proto = 2;
  else if (eqExact(a1, l1, "sdp")) proto = 3;
  else if (eqExact(a1, l1, "cpim")) proto = 4;
  if (proto == 0) { usage(); return; }
  let slice = inboxCap();
  if (argc >= 3) {
    const v = parseDec(<usize>load<u32>(ARGV + 8), argLen(2, argc), <u64>inboxCap());
    if (v < 1) { usage(); return; }
    slice = <i32>v;
  }
  checkOpen(proto, 0, 0, 0);
  // every read either returns bytes or ends the loop (EOF or error); input is finite
  while (true) {
    store<u32>(IOV, <u32>INBOX); store<u32>(IOV, <u32>slice, 4);
    if (fd_read(0, IOV, 1, WORD) != 0) break;
    const n = <i32>load<u32>(WORD);
    if (n <= 0) break;
    checkFeed(n);
  }
  const verdict = checkClose();
  let o = 0;
  o += putAscii(LINE + o, verdict == 0 ? "{\"verdict\":\"valid\",\"code\":" : "{\"verdict\":\"invalid\",\"code\":");
  const code = checkCode();
  if (code == 0) o += putAscii(LINE + o, "null"); else o += putU64(LINE + o, <u64>code);
  o += putAscii(LINE + o, ",\"reason\":\"");
  const rp = checkReasonPtr();
  const rl = checkReasonLen();
  for (let i = 0; i < rl && o < LINE_CAP - 8; i++) {
    const c = load<u8>(rp + <usize>i);
    if (c == 0x22 || c == 0x5c) store<u8>(LINE + <usize>(o++), 0x5c);
    store<u8>(LINE + <usize>(o++), c < 0x20 ? 0x20 : c);
  }
  o += putAscii(LINE + o, "\"}\n");
  writeOut(1, LINE, o);
}
