// The parsed view of one SIP message (RFC 3261 §7): start line, a fixed header
// table, the body span, and the first index of each hot header (Kamailio-style
// direct links). Everything is an offset/length into the buffer at `base` —
// nothing is copied (picohttpparser). The view is valid until that buffer is
// compacted or overwritten.

import { SIP_HDR_MAX } from "../mem/limits";

/** Header types (RFC 3261 §20, compact forms §7.3.3 map to the same type). 0 = other/unknown. */
export const enum HdrType {
  Other = 0,
  Via = 1, From = 2, To = 3, CallId = 4, CSeq = 5, MaxForwards = 6, Contact = 7,
  Route = 8, RecordRoute = 9, ContentType = 10, ContentLength = 11, Expires = 12,
  Require = 13, Supported = 14, ProxyRequire = 15, Accept = 16, Unsupported = 17,
  Allow = 18, Date = 19, RetryAfter = 20, Authorization = 21, WwwAuthenticate = 22,
  ProxyAuthenticate = 23, ProxyAuthorization = 24, Event = 25, Subject = 26,
  UserAgent = 27, Server = 28, Warning = 29, ContentEncoding = 30, MinExpires = 31,
  ContentDisposition = 32, AcceptEncoding = 33, AcceptLanguage = 34, Timestamp = 35,
  Organization = 36, Priority = 37, ReplyTo = 38, InReplyTo = 39, MimeVersion = 40,
  ContentLanguage = 41, AlertInfo = 42, CallInfo = 43, ErrorInfo = 44, ReferTo = 45,
  AllowEvents = 46, SubscriptionState = 47, Path = 48, ServiceRoute = 49,
  Count = 50
}

/** Methods we know (RFC 3261 §27.4 plus RFC 3428 MESSAGE and friends). Unknown = 0 (token kept in the span). */
export const enum Method {
  Unknown = 0, INVITE = 1, ACK = 2, BYE = 3, CANCEL = 4, OPTIONS = 5, REGISTER = 6,
  MESSAGE = 7, INFO = 8, PRACK = 9, UPDATE = 10, SUBSCRIBE = 11, NOTIFY = 12,
  REFER = 13, PUBLISH = 14
}

/** Bytes per header table entry: type, nameOff, nameLen, valOff, valLen (all u32). */
export const HDR_STRIDE: i32 = 20;

// @ts-ignore: decorator
@unmanaged
export class SipMsg {
  /** Buffer the offsets below are relative to. */
  base: usize;
  /** Whole message length (start line .. end of body) once complete. */
  len: i32;
  /** Offset of the first body byte (just after the empty line). */
  bodyOff: i32;
  bodyLen: i32;
  /** 1 for a request, 0 for a response. */
  isRequest: i32;
  /** Method enum of the request line (or of CSeq for a response, filled by the value layer). */
  method: i32;
  methodOff: i32; methodLen: i32;
  uriOff: i32; uriLen: i32;
  verOff: i32; verLen: i32;
  /** Status code of a response (100..699), 0 for a request. */
  status: i32;
  reasonOff: i32; reasonLen: i32;
  /** Number of header table entries. */
  hdrCount: i32;
  /** Bit i set when a header of HdrType i was seen (HdrType < 64). */
  seen: u64;
  /** Declared Content-Length, -1 when absent. */
  contentLength: i64;
  /** Table index of the first header of each hot type, -1 when absent. */
  firstVia: i32; firstFrom: i32; firstTo: i32; firstCallId: i32; firstCSeq: i32;
  firstContact: i32; firstContentType: i32; firstMaxForwards: i32; firstRoute: i32;
  firstRecordRoute: i32; firstExpires: i32;
  /** Error enum of the last failure (SipErr), 0 = none. */
  err: i32;
  /** Header table: SIP_HDR_MAX entries of HDR_STRIDE bytes. */
  hdrs: usize;
  /** (added by wire/sip.ts) Offset just past the header section (== bodyOff; == len of the
   *  header bytes when a datagram has no empty line). */
  hdrEnd: i32;
  /** (added) Offset of the first byte of the start line (leading CRLFs skipped, RFC 3261 §7.5). */
  startOff: i32;

  // @ts-ignore: decorator
  @inline hdrType(i: i32): i32 { return load<i32>(this.hdrs + <usize>(i * HDR_STRIDE)); }
  // @ts-ignore: decorator
  @inline nameOff(i: i32): i32 { return load<i32>(this.hdrs + <usize>(i * HDR_STRIDE), 4); }
  // @ts-ignore: decorator
  @inline nameLen(i: i32): i32 { return load<i32>(this.hdrs + <usize>(i * HDR_STRIDE), 8); }
  // @ts-ignore: decorator
  @inline valOff(i: i32): i32 { return load<i32>(this.hdrs + <usize>(i * HDR_STRIDE), 12); }
  // @ts-ignore: decorator
  @inline valLen(i: i32): i32 { return load<i32>(this.hdrs + <usize>(i * HDR_STRIDE), 16); }
  // @ts-ignore: decorator
  @inline has(t: i32): bool { return (this.seen & (<u64>1 << <u64>t)) != 0; }
}

/**
 * Binds a SipMsg view to its storage. memory.data() yields one segment per call
 * site, so each owner reserves its own at module level:
 *   const MSG = sipMsgAt(memory.data(offsetof<SipMsg>(), 8), memory.data(SIP_HDR_MAX * HDR_STRIDE, 8));
 */
export function sipMsgAt(store: usize, hdrs: usize): SipMsg {
  const m = changetype<SipMsg>(store);
  m.hdrs = hdrs;
  return m;
}
