// `check`: run one message through a wire parser of the core and report the verdict.
import type { Core } from "./loader.ts";

export type Proto = "sip" | "msrp" | "sdp" | "cpim";
export const PROTO_ID: Record<Proto, number> = { sip: 1, msrp: 2, sdp: 3, cpim: 4 };

export interface CheckOptions {
  /** Feed the bytes in slices of this many bytes (0 = whole). */
  stream?: number;
  /** SIP only: TCP framing (Content-Length) instead of one UDP datagram. */
  transport?: "udp" | "tcp";
  /** MSRP only: session ids the receiver knows (others get 481). */
  sessions?: string[];
  /** MSRP only: the receiver's a=max-size (0 = core default). */
  maxSize?: number;
  /** Explicit read boundaries (byte offsets), e.g. [k] for a split at k; overrides stream. */
  cuts?: number[];
}

export interface CheckResult {
  verdict: "valid" | "invalid";
  code: number | null;
  reason: string;
  digest: number;
}

export function checkBytes(core: Core, proto: Proto, bytes: Uint8Array, opt: CheckOptions = {}): CheckResult {
  const e = core.exports;
  const opts = Buffer.from((opt.sessions ?? []).join(","), "latin1");
  if (opts.length > core.inboxCap) throw new Error("too many session ids");
  core.mem.set(opts, core.inbox);
  const flags = opt.transport === "tcp" ? 1 : 0;
  if (e.checkOpen(PROTO_ID[proto], flags, opt.maxSize ?? 0, opts.length) !== 0) throw new Error(`bad protocol ${proto}`);
  for (const piece of slices(bytes, opt, core.inboxCap)) {
    core.mem.set(piece, core.inbox);
    e.checkFeed(piece.length);
  }
  const v = e.checkClose();
  const code = e.checkCode();
  const rp = e.checkReasonPtr();
  const reason = Buffer.from(core.mem.subarray(rp, rp + e.checkReasonLen())).toString("latin1");
  return { verdict: v === 0 ? "valid" : "invalid", code: code === 0 ? null : code, reason, digest: e.checkDigest() >>> 0 };
}

/** The read boundaries: explicit cuts, or fixed-size slices, never larger than the inbox. */
function* slices(bytes: Uint8Array, opt: CheckOptions, cap: number): Generator<Uint8Array> {
  const bounds = opt.cuts ? [...opt.cuts, bytes.length] : [];
  const step = opt.stream && opt.stream > 0 ? Math.min(opt.stream, cap) : cap;
  let off = 0;
  while (off < bytes.length) {
    const next = bounds.length > 0 ? Math.min(bounds.shift()!, off + cap) : off + step;
    const end = Math.min(Math.max(next, off + 1), bytes.length);
    yield bytes.subarray(off, end);
    off = end;
  }
}
