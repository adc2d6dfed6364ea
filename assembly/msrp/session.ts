// MSRP sessions: connections, binding, chunking, transactions and reports over fixed pools,
// sans-I/O (STYLE §3). Bytes and `now` come in as arguments; what to do goes out as records
// on an action queue that the caller drains. Nothing is allocated, no clock is read.
//
// Reading list (RFC 4975 unless noted):
//   §5.1   framing and chunking: Byte-Range, continuation flags '+' '$' '#'
//   §5.3   transaction model: one response per SEND (unless Failure-Report says otherwise)
//   §5.4   connection model: the active endpoint connects and binds with a first SEND (it may be
//          empty, 1-0/0); the passive endpoint binds the connection to the session it names;
//          a connection is closed when no session uses it any more
//   §6, §6.1 MSRP URIs and their comparison; §14.1 session ids with >= 80 bits of randomness
//   §7.1.1 sending SEND: Message-ID, Byte-Range, Success-/Failure-Report, end-line
//   §7.1.2 REPORT (Status: 000 code); §7.1.3 success reports after the whole message
//   §7.2   responses; §7.3 receiving requests: unknown session -> 481, From-Path -> 403
//   §7.3.1 Failure-Report: no -> no response at all; partial -> only negative responses
//   §8     a=max-size -> 413 (§10: stop sending this message); a=path
//   RFC 6135 a=setup: which side is active (connects) is decided by the SDP layer and passed in.
//
// API (handles are i32 = slot index | generation << 8; a stale handle gives BadHandle):
//   msrpSessionCreate(randomPtr, randomLen, hostPtr, hostLen, port, active) -> handle or -1
//       local URI = msrp://host[:port]/<sessid>;tcp, sessid = base32 of >= 10 random bytes
//   msrpSessionLocalUriPtr/Len(h)     our URI for the SDP a=path
//   msrpSessionSetRemote(h, pathPtr, pathLen, now?)  a=path of the peer. Active side: queues
//       CONNECT(host:port of the first hop). Passive side: the path From-Path must match.
//   msrpSessionSetMaxSize(h, n) / msrpSessionSetRemoteMaxSize(h, n)  (§8 a=max-size)
//   msrpOnConnOpen(conn, h, now?)     the host opened (h >= 0: our CONNECT for session h; we send
//       the empty bind SEND) or accepted (h = -1) connection `conn` (host-chosen u32 id)
//   msrpOnStream(conn, ptr, len, now) -> bytes consumed. When less than len, the action queue
//       is full: drain it and call again with the rest (back-pressure, nothing is lost).
//   msrpSendMessage(h, msgIdPtr, msgIdLen, ctypePtr, ctypeLen, bodyPtr, bodyLen,
//       successReport, failureReport, now?) -> 0 or -1. The body is NOT copied: it must stay
//       valid until MESSAGE_SENT or SEND_FAILED for that message. Chunks of MSRP_CHUNK_SIZE
//       are emitted as room allows ("queue the span, emit chunk by chunk"): while the action
//       queue/TX arena has room and (Failure-Report yes) a transaction slot is free. More
//       chunks go out on every later call; msrpPendingOut() > 0 means call msrpPoll(now)
//       after draining.
//   msrpStreamStart(h, msgIdPtr, msgIdLen, ctypePtr, ctypeLen, total, successReport,
//       failureReport, now) -> stream handle (slot | gen << 8, own generations) or -1
//       (OutPoolFull, BadHandle, BadState, TooLarge: total > remote max-size, BadArg).
//       A message whose body is offered while it arrives (the chat host's relay); total = -1
//       when unknown (Byte-Range total '*'). Shares the outgoing-message pool and the order of
//       msrpSendMessage: a session's messages go out one after the other, never interleaved.
//   msrpStreamWrite(s, ptr, len, last, now) -> bytes taken (0..len) or -1. Copied at once into
//       SEND frames (TX arena) of MSRP_CHUNK_SIZE body bytes; pieces smaller than a chunk are
//       coalesced in the stream's stage (one chunk per slot) until it fills, the total is
//       reached or last = true. '$' on the frame that reaches the total, or that carries the
//       last byte when last = true; last = true, len = 0 after a '+' frame: an empty '$' chunk.
//       Fewer than len: the send window share / TX arena / action queue is full (or the stream
//       waits behind an earlier message): drain, offer the rest later (after 200s arrive).
//   msrpStreamRoom(s) -> what msrpStreamWrite would take now (exact when the queue is drained
//       between the room check and the write); msrpSessionRoom(h) -> the same for a new stream
//       on h (0 when not Bound or when h has an open message); -1 for stale handles.
//   msrpStreamAbort(s, now) -> 0 / -1: §5.1 '#' (empty chunk) when frames went out, else just
//       freed; no MESSAGE_SENT / SEND_FAILED for it afterwards.
//   msrpTxnFree() -> free transaction slots (the send window left).
//   msrpPoll(now), msrpOnTimer(now), msrpNextDeadline() -> ms or -1
//   msrpSessionClose(h)               frees the session; CLOSE(conn) when it was the last one
//   msrpOnConnClosed(conn)            the host saw the connection go away
//   msrpActPop() -> MsrpAct, then msrpAct{Session,Conn,Ptr,Len,IdPtr,IdLen,Code,Offset}()
//
// RFC 4976 relay client (one relay per agent; §5 client behaviour):
//   msrpRelaySet(uri, user, pass, random, host, port, now) -> 0 / -1   configure the relay
//       ("msrp://HOST:PORT[;tcp]", digest credentials, our listen host:port for the URI we
//       AUTH with) and queue RELAY_CONNECT; the caller opens it and calls
//   msrpRelayConnOpen(conn, now)      -> sends AUTH (§5.1). 401 + Digest -> AUTH again with
//       Authorization (RFC 2617, method AUTH, digest-uri = relay URI); 200 -> Use-Path kept,
//       RELAY_READY; re-AUTH at 80 % of the granted Expires. Anything else -> RELAY_FAILED.
//   msrpRelayState() / msrpRelayUsePathPtr/Len()
//   msrpSessionUseRelay(h)            the session goes through the relay (needs RELAY_READY)
//   msrpSessionPath(h) -> len, msrpSessionPathPtr()   our SDP a=path: Use-Path SP our URI (§5.1)
//
// Actions (records; pointers stay valid until the next call into this module, except
// DELIVER_PIECE pointers into the caller's input, valid as long as that input is):
//   SEND_BYTES(conn, ptr, len)          one whole frame to write on the connection
//   CONNECT(session, ptr/len = "host:port" of the first remote hop; IPv6 keeps its brackets)
//   CLOSE(conn)                         the id is forgotten at once
//   SESSION_BOUND(session)              §5.4: active side on the bind 200, passive on the first SEND
//   DELIVER_PIECE(session, id = Message-ID, ptr, len, offset)   body bytes in order, in pieces
//       (straight from the parser, never buffered whole); offset = 0-based position in the message
//   MESSAGE_DONE(session, id, offset = total bytes)  the chunk flagged '$' completed the message
//   MESSAGE_ABORTED(session, id, offset = bytes delivered, code)  code 0: '#' (§5.1; the id and
//       count are kept, so a sender that resumes anyway still reaches DONE); 413: max-size
//       reached with total '*'; 400: body longer than its Byte-Range; 503: connection lost
//   REPORT_RESULT(session, id, code)    a REPORT arrived for a message we sent (Status code)
//   MESSAGE_SENT(session, id)           every chunk went out and (Failure-Report yes) got its 200
//                                       (streams too: after the '$' frame and its 200s)
//   SEND_FAILED(session, id, code)      non-200 response (its code), 408 timeout (30 s),
//                                       503 connection lost; the rest of the message is dropped
//   SESSION_LOST(session)               its connection closed or broke; the session is unbound
//   RELAY_CONNECT(ptr/len = "host:port" of the relay)   open it, then msrpRelayConnOpen
//   RELAY_READY(ptr/len = Use-Path, code = Expires s)   AUTH done (also after each refresh)
//   RELAY_FAILED(code = the AUTH answer, 408 timeout, 503 connection lost)
//
// Choices where RFC 4975 leaves room:
//   - Sessions are found by the session-id of the LAST To-Path URI (§7.3: the endpoint's own
//     URI; relays remove themselves from the front, RFC 4976 §6), case-sensitive (§6.1); host
//     and port are not compared (NAT, host names vs addresses).
//   - Relay (RFC 4976): From-Path of what we send is our URI alone: each relay puts itself in
//     front of the From-Path as it forwards (§6; Kamailio does so). To-Path = our Use-Path SP
//     the peer's a=path (which starts with the peer's relays, if any) (§5.2). Every session of
//     a relay-using agent runs over the one relay connection whatever a=setup says (§5: clients
//     only ever connect to their own relay; the relay connects onwards); a=setup only decides
//     who sends the binding SEND. The relay connection is never closed with its last session.
//     AUTH carries no Expires (Kamailio 5.6.3 answers 423 to Authorization + Expires, see
//     docs/kamailio.md); the relay's Expires in the 200 is honoured with a re-AUTH at 80 %.
//   - Responses are hop-by-hop: To-Path = the first From-Path URI (msrpBuildResponseTo).
//   - The From-Path check (§7.3, §5.4) compares the LAST URI (the peer endpoint) with the last
//     URI of the remote a=path per §6.1; relays may rewrite the hops before it.
//   - A bind may arrive before the SDP answer gives us the peer's path (the seed's order: the
//     participant binds before it answers 200 OK). Then the From-Path is adopted provisionally
//     and msrpSessionSetRemote later must agree with it (else PathMismatch, 403).
//   - Responses to SEND are sent after the chunk's end-line; errors (481/403/413/400/501) as
//     soon as the header section is read, so the sender can interrupt the chunk.
//   - Incoming messages are tracked one per session at a time (interleaved Message-IDs are
//     still delivered, with their own id and offset, but only the latest one gets DONE/REPORT).
//   - Failure-Report: partial chunks are not tracked (no 200 will come): no timeout for them.
//   - The send window (MSRP_TXN_MAX transactions, one per tracked chunk) is shared: a message
//     that can send now may hold (window - binds in progress) / (messages that can send now)
//     of it, so every room promised at one moment fits at once, in any order of the writes.
//   - An empty SEND chunk with the Message-ID and Byte-Range of the message being received
//     continues it (§5.1): its '$' completes the message (MESSAGE_DONE), its '#' aborts it.
//     Any other empty SEND is a bind / keep-alive (an empty streamed message is one of those).
//   - A streamed message aborted after its '$' went out is simply forgotten (it is complete).
//   - Requests other than SEND/REPORT (AUTH is for relays, RFC 4976) get 501 (§10).
//   - A malformed request without To-Path/From-Path cannot be addressed: it is dropped.
//   - A framing error (§9: bad start line, tid, bare LF, header section > CONN_RX_CAP) loses
//     the stream position: CLOSE(conn), never a 400 (the corpus check driver reports 400).

import {
  MSRP_IN_MAX, CONN_RX_CAP, MSRP_HDR_MAX, MSRP_HOLD_CAP, MSRP_MAX_SIZE_DEFAULT,
  MSRP_SESS_MAX, MSRP_CONN_MAX, MSRP_CHUNK_SIZE, MSRP_TXN_MAX, MSRP_TXN_TIMEOUT_MS, MSRP_OUT_MAX,
  MSRP_ACT_MAX, MSRP_TX_CAP, MSRP_LOCAL_URI_CAP, MSRP_PATH_CAP, MSRP_SESSID_RANDOM_MIN,
  MSRP_SESSID_RANDOM_MAX, MSRP_MSGID_CAP, MSRP_CTYPE_CAP, MSRP_RELAY_URI_CAP, MSRP_RELAY_CRED_CAP,
  MSRP_USE_PATH_CAP, MSRP_RELAY_CHALLENGE_CAP, MSRP_RELAY_AUTH_TRIES, MSRP_IN_IDLE_MS,
} from "../mem/limits";
import { putAscii, putU64, eqSpan, eqNoCase } from "../mem/bytes";
import {
  MsrpParser, msrpParserAt, msrpReset, msrpFeed, msrpInBody, MsrpEvent, MsrpMethod, MSRP_PARSER_BYTES,
  MSRP_HDR_STRIDE, RANGE_STAR, REPORT_YES, REPORT_NO, REPORT_PARTIAL, MsrpHdr,
} from "../wire/msrp";
import { msrpErrCode, msrpErrReason, msrpErrFatal, MsrpErr } from "../wire/msrp_err";
import { MsrpUri, msrpUriParse, msrpPathNth, msrpUriEq, MSRP_URI_SIZE } from "../wire/msrp_uri";
import { msrpBuildSend, msrpBuildEndLine, msrpBuildResponseTo, msrpBuildReport, msrpBuildBind, msrpBuildAuth } from "../wire/msrp_build";
import { DigestChallenge, digestParseChallenge, digestBuildAuthorization, DIGEST_CHALLENGE_SIZE } from "../wire/digest";
import {
  inAt, inIdPtr, inFind, inNew, inFree, inReset, inChunkCheck, inFirstCheck, inErrCode, inErrReason, inNextOfSession,
  inIdle, inNextDeadline, inSkip, InErr,
} from "./inbound";

// ---- public enums ------------------------------------------------------------------------

export const enum MsrpAct {
  None = 0, SendBytes = 1, Connect = 2, Close = 3, DeliverPiece = 4, MessageDone = 5,
  ReportResult = 6, SendFailed = 7, SessionBound = 8, MessageSent = 9, MessageAborted = 10,
  SessionLost = 11, RelayConnect = 12, RelayReady = 13, RelayFailed = 14,
  /** A response to a SEND this layer did not send (msrp/sendq.ts's): conn, id = tid, code = status. */
  Response = 15,
}

/** Relay client states (msrpRelayState). */
export const enum MsrpRelayState { None = 0, Connecting = 1, Auth = 2, Ready = 3, Failed = 4 }

export const enum MsrpSessState {
  Free = 0,
  /** Created; no remote path yet (passive) or not connected yet (active). */
  Idle = 1,
  /** Active: CONNECT queued, waiting for msrpOnConnOpen. */
  Connecting = 2,
  /** Active: bind SEND sent, waiting for its 200. Passive: waiting for the first SEND. */
  WaitBind = 3,
  Bound = 4,
  /** The bind SEND failed (SEND_FAILED told why); only msrpSessionClose is useful now. */
  Failed = 5,
}

/** Errors of this layer (0 = OK); msrpSessErrCode maps them to an MSRP status. */
export const enum MsrpSessErr {
  Ok = 0,
  /** No free session slot (STYLE: a full pool is answered, never a trap). */
  PoolFull = 1,
  /** No free connection slot: the new connection is closed. */
  ConnPoolFull = 2,
  /** No free outgoing-message slot: retry after MESSAGE_SENT / SEND_FAILED. */
  OutPoolFull = 3,
  BadHandle = 4,
  BadArg = 5,
  BadState = 6,
  /** Fewer than MSRP_SESSID_RANDOM_MIN random bytes (§14.1: >= 80 bits). */
  NoRandom = 7,
  /** The local URI would not be a valid MSRP-URI or does not fit. */
  BadLocalUri = 8,
  /** a=path malformed, too long, or (active side) its first hop has no port. */
  BadPath = 9,
  /** Body larger than the peer's a=max-size (§8). */
  TooLarge = 10,
  /** The SDP path disagrees with the From-Path the connection was bound with (§7.3). */
  PathMismatch = 11,
}

export function msrpSessErrCode(e: i32): i32 {
  switch (e) {
    case MsrpSessErr.Ok: return 0;
    case MsrpSessErr.PoolFull: return 503;
    case MsrpSessErr.ConnPoolFull: return 503;
    case MsrpSessErr.OutPoolFull: return 503;
    case MsrpSessErr.BadHandle: return 481;
    case MsrpSessErr.TooLarge: return 413;
    case MsrpSessErr.PathMismatch: return 403;
    default: return 400;
  }
}

export function msrpSessErrReason(e: i32): string {
  switch (e) {
    case MsrpSessErr.Ok: return "ok";
    case MsrpSessErr.PoolFull: return "session pool full";
    case MsrpSessErr.ConnPoolFull: return "connection pool full";
    case MsrpSessErr.OutPoolFull: return "outgoing message pool full";
    case MsrpSessErr.BadHandle: return "stale or unknown session handle";
    case MsrpSessErr.BadArg: return "bad argument";
    case MsrpSessErr.BadState: return "not allowed in this session state";
    case MsrpSessErr.NoRandom: return "need at least 80 random bits";
    case MsrpSessErr.BadLocalUri: return "bad local MSRP URI";
    case MsrpSessErr.BadPath: return "bad a=path";
    case MsrpSessErr.TooLarge: return "message larger than peer max-size";
    case MsrpSessErr.PathMismatch: return "a=path differs from bound From-Path";
    default: return "error";
  }
}

/** SEND_FAILED code when the connection went away with the transaction open (as SIP §8.1.3.1). */
export const MSRP_CODE_CONN_LOST: i32 = 503;
/** SEND_FAILED code on the 30 s transaction timeout. */
export const MSRP_CODE_TIMEOUT: i32 = 408;

// ---- slot layouts ------------------------------------------------------------------------

// @ts-ignore: decorator
@unmanaged
class MConn {
  /** Frame context: 0-based offset of this chunk's first byte, declared total (RANGE_STAR = '*'). */
  fOff: u64;
  fTotal: i64;
  fEnd: i64;
  parser: usize;
  hostId: u32;
  used: i32;
  /** Sessions bound to (or binding over) this connection. */
  nSess: i32;
  /** Session index of the current frame, -1 = none. */
  fSess: i32;
  /** 1: body pieces of this frame go to the app. */
  fDeliver: i32;
  /** Response code to send at the end-line (0 = none). */
  fCode: i32;
  /** 1: Success-Report: yes on this chunk. */
  fReport: i32;
  /** 1: no responses at all for this frame (REPORT, Failure-Report: no). */
  fNoAnswer: i32;
  /** 1: Failure-Report: partial (only negative responses). */
  fPartial: i32;
  /** 1: the connection to our RFC 4976 relay (kept open without sessions). */
  relay: i32;
  /** Incoming-message record (msrp/inbound.ts) of the current frame, -1 = none. */
  fMsg: i32;
  /** 1: the caller holds this connection's input back (its relay queues are full): the
   *  messages arriving on it are not idle by the sender's fault. */
  held: i32;
}

// @ts-ignore: decorator
@unmanaged
class MSess {
  maxSize: u64;
  remoteMaxSize: u64;
  gen: u32;
  state: i32;
  active: i32;
  /** Connection slot, -1 = none. */
  conn: i32;
  localLen: i32;
  sessOff: i32;
  sessLen: i32;
  remoteLen: i32;
  /** 1: remote path taken from the bind's From-Path, not yet confirmed by SDP. */
  remoteProvisional: i32;
  bindIdLen: i32;
  /** §8.6 a=accept-types we offered (MSRP_ACCEPT_* bits; 0 = anything) and the type of the
   *  message being received (MSRP_TYPE_*). */
  acceptMask: i32;
  inType: i32;
  /** Outgoing order: messages of this session go out in msrpSendMessage order. */
  outSeq: u32;
  /** 1: the session runs over the relay connection (RFC 4976), remote = Use-Path SP peer path. */
  viaRelay: i32;
}

// @ts-ignore: decorator
@unmanaged
class MTxn {
  deadline: f64;
  used: i32;
  sess: i32;
  /** Outgoing message slot, -1 for the bind SEND. */
  out: i32;
  conn: i32;
  tidLen: i32;
}

// @ts-ignore: decorator
@unmanaged
class MOut {
  /** Stream: declared total, or RANGE_STAR ('*', §7.1.1). Messages: unused. */
  total: i64;
  bodyPtr: usize;
  bodyLen: i32;
  next: i32;
  used: i32;
  sess: i32;
  seq: u32;
  idLen: i32;
  ctLen: i32;
  sr: i32;
  fr: i32;
  inflight: i32;
  /** Generation of this slot (stream handles = slot | gen << 8); bumped whenever it is freed. */
  gen: u32;
  /** 1: a streamed message (msrpStreamStart): bytes come through msrpStreamWrite, staged here. */
  stream: i32;
  /** Stream: bytes in the slot's stage (< MSRP_CHUNK_SIZE, or == when the window is full). */
  staged: i32;
  /** Stream: every byte was offered (last = true or total reached); the '$' frame is due or out. */
  fin: i32;
  /** Stream: the '$' frame went out (MESSAGE_SENT after its 200s, Failure-Report yes). */
  finSent: i32;
  /** Stream: msrpStreamAbort was called; the '#' frame is due, then the slot is freed. */
  abort: i32;
  /** Frames emitted for this message. */
  frames: i32;
}

const TID_LEN: i32 = 12;
const TID_CAP: i32 = 16;

// @ts-ignore: decorator
@lazy const PARSER_STRIDE: i32 = (MSRP_PARSER_BYTES + 7) & ~7;
const PARSERS: usize = memory.data(MSRP_CONN_MAX * ((MSRP_PARSER_BYTES + 7) & ~7), 8);
const HDRS: usize = memory.data(MSRP_CONN_MAX * MSRP_HDR_MAX * MSRP_HDR_STRIDE, 8);
const RXBUF: usize = memory.data(MSRP_CONN_MAX * CONN_RX_CAP, 8);
// @ts-ignore: decorator
@lazy const CONN_STRIDE: i32 = (<i32>offsetof<MConn>() + 7) & ~7;
const CONNS: usize = memory.data(MSRP_CONN_MAX * ((<i32>offsetof<MConn>() + 7) & ~7), 8);

// session slot: MSess, local URI, remote path, bind Message-ID
// @ts-ignore: decorator
@lazy const S_HDR: i32 = (<i32>offsetof<MSess>() + 7) & ~7;
// @ts-ignore: decorator
@lazy const S_STRIDE: i32 = (((<i32>offsetof<MSess>() + 7) & ~7) + MSRP_LOCAL_URI_CAP + MSRP_PATH_CAP + TID_CAP + 7) & ~7;
const SESS: usize = memory.data(MSRP_SESS_MAX * ((((<i32>offsetof<MSess>() + 7) & ~7) + MSRP_LOCAL_URI_CAP + MSRP_PATH_CAP + 16 + 7) & ~7), 8);

// @ts-ignore: decorator
@lazy const T_STRIDE: i32 = (<i32>offsetof<MTxn>() + 16 + 7) & ~7;
const TXNS: usize = memory.data(MSRP_TXN_MAX * ((<i32>offsetof<MTxn>() + 16 + 7) & ~7), 8);

// @ts-ignore: decorator
@lazy const O_STRIDE: i32 = (<i32>offsetof<MOut>() + MSRP_MSGID_CAP + MSRP_CTYPE_CAP + 7) & ~7;
const OUTS: usize = memory.data(MSRP_OUT_MAX * ((<i32>offsetof<MOut>() + MSRP_MSGID_CAP + MSRP_CTYPE_CAP + 7) & ~7), 8);
/** One chunk of staging per outgoing slot: stream writes are coalesced into MSRP_CHUNK_SIZE frames. */
const STAGE: usize = memory.data(MSRP_OUT_MAX * MSRP_CHUNK_SIZE, 8);

const U1: MsrpUri = changetype<MsrpUri>(memory.data(MSRP_URI_SIZE, 8));
const U2: MsrpUri = changetype<MsrpUri>(memory.data(MSRP_URI_SIZE, 8));

// @ts-ignore: decorator
@inline function connAt(i: i32): MConn { return changetype<MConn>(CONNS + <usize>(i * CONN_STRIDE)); }
// @ts-ignore: decorator
@inline function parserOf(i: i32): MsrpParser { return changetype<MsrpParser>(connAt(i).parser); }
// @ts-ignore: decorator
@inline function sessAt(i: i32): MSess { return changetype<MSess>(SESS + <usize>(i * S_STRIDE)); }
// @ts-ignore: decorator
@inline function localOf(i: i32): usize { return SESS + <usize>(i * S_STRIDE + S_HDR); }
// @ts-ignore: decorator
@inline function remoteOf(i: i32): usize { return SESS + <usize>(i * S_STRIDE + S_HDR + MSRP_LOCAL_URI_CAP); }
// @ts-ignore: decorator
@inline function bindIdOf(i: i32): usize { return SESS + <usize>(i * S_STRIDE + S_HDR + MSRP_LOCAL_URI_CAP + MSRP_PATH_CAP); }
// @ts-ignore: decorator
@inline function txnAt(i: i32): MTxn { return changetype<MTxn>(TXNS + <usize>(i * T_STRIDE)); }
// @ts-ignore: decorator
@inline function tidOf(i: i32): usize { return TXNS + <usize>(i * T_STRIDE + <i32>offsetof<MTxn>()); }
// @ts-ignore: decorator
@inline function outAt(i: i32): MOut { return changetype<MOut>(OUTS + <usize>(i * O_STRIDE)); }
// @ts-ignore: decorator
@inline function outIdOf(i: i32): usize { return OUTS + <usize>(i * O_STRIDE + <i32>offsetof<MOut>()); }
// @ts-ignore: decorator
@inline function outCtOf(i: i32): usize { return OUTS + <usize>(i * O_STRIDE + <i32>offsetof<MOut>() + MSRP_MSGID_CAP); }
// @ts-ignore: decorator
@inline function stageOf(i: i32): usize { return STAGE + <usize>(i * MSRP_CHUNK_SIZE); }

const GEN_MASK: u32 = 0x7fffff;
let inited = false;
let lastErr: i32 = MsrpSessErr.Ok;
let lastNow: f64 = 0;
let outSeqNext: u32 = 1;

function initOnce(): void {
  if (inited) return;
  inited = true;
  for (let i = 0; i < MSRP_CONN_MAX; i++) {
    const c = connAt(i);
    const p = msrpParserAt(PARSERS + <usize>(i * PARSER_STRIDE), HDRS + <usize>(i * MSRP_HDR_MAX * MSRP_HDR_STRIDE),
      RXBUF + <usize>(i * CONN_RX_CAP), CONN_RX_CAP);
    c.parser = changetype<usize>(p);
    c.used = 0; c.nSess = 0; c.hostId = 0;
  }
  for (let i = 0; i < MSRP_SESS_MAX; i++) { const s = sessAt(i); s.gen = 1; s.state = MsrpSessState.Free; s.conn = -1; }
  for (let i = 0; i < MSRP_TXN_MAX; i++) txnAt(i).used = 0;
  for (let i = 0; i < MSRP_OUT_MAX; i++) { outAt(i).used = 0; outAt(i).gen = 1; }
  inReset();
}

// ---- randomness ----------------------------------------------------------------------------
// The host supplies randomness at msrpSessionCreate; it seeds a splitmix64 generator for
// transaction ids and bind Message-IDs (they need uniqueness, §7.1: "unique within the
// session"; the session id is what must be unguessable, §14.1, and it uses the bytes directly).

let rng: u64 = 0x243f6a8885a308d3;
function rngNext(): u64 {
  rng += 0x9e3779b97f4a7c15;
  let z = rng;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}
function rngMix(p: usize, n: i32): void {
  for (let i = 0; i < n; i++) rng = (rng ^ <u64>load<u8>(p + <usize>i)) * 0x100000001b3;
  rngNext();
}

const B32 = "abcdefghijklmnopqrstuvwxyz234567";
// @ts-ignore: decorator
@inline function b32(v: u32): u8 { return <u8>load<u16>(changetype<usize>(B32) + (<usize>(v & 31) << 1)); }

/** n random base32 characters (RFC 4648 alphabet, lower case: alnum, valid ident and session-id chars). */
function randomIdent(dst: usize, n: i32): void {
  let x = rngNext();
  for (let i = 0; i < n; i++) {
    if (i == 12) x = rngNext();   // 12 x 5 bits per draw
    store<u8>(dst + <usize>i, b32(<u32>x));
    x >>= 5;
  }
}

/** n random ident characters (transaction ids, Message-IDs) for the other MSRP modules. */
export function msrpRandomIdent(dst: usize, n: i32): void { randomIdent(dst, n); }

/** Base32 of the bits of [p, p+n): ceil(8n/5) characters. Returns the count. */
function base32(dst: usize, p: usize, n: i32): i32 {
  let acc: u32 = 0, bits = 0, w = 0;
  for (let i = 0; i < n; i++) {
    acc = (acc << 8) | <u32>load<u8>(p + <usize>i);
    bits += 8;
    while (bits >= 5) { bits -= 5; store<u8>(dst + <usize>w, b32(acc >> <u32>bits)); w++; }
    acc &= (<u32>1 << <u32>bits) - 1;
  }
  if (bits > 0) { store<u8>(dst + <usize>w, b32(acc << <u32>(5 - bits))); w++; }
  return w;
}

// ---- handles -------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function handleOf(i: i32): i32 { return i | <i32>(sessAt(i).gen << 8); }

function slotOf(h: i32): i32 {
  initOnce();
  if (h < 0) { lastErr = MsrpSessErr.BadHandle; return -1; }
  const i = h & 0xff;
  if (i >= MSRP_SESS_MAX) { lastErr = MsrpSessErr.BadHandle; return -1; }
  const s = sessAt(i);
  if (s.state == MsrpSessState.Free || s.gen != (<u32>h >>> 8)) { lastErr = MsrpSessErr.BadHandle; return -1; }
  return i;
}

// ---- action queue + TX arena ---------------------------------------------------------------

// Record: op, session, conn, ptr, len, idPtr, idLen, code, offset (f64), msg, pad, aux (f64): 56 bytes.
const ACT_REC: i32 = 56;
const ACTQ: usize = memory.data(MSRP_ACT_MAX * 56, 8);
const TX: usize = memory.data(MSRP_TX_CAP, 8);
let txLen: i32 = 0;
let actHead: i32 = 0;
let actCount: i32 = 0;
let actDropped: i32 = 0;
let curOp: i32 = 0, curSess: i32 = -1, curConn: i32 = -1, curPtr: u32 = 0, curLen: i32 = 0;
let curIdPtr: u32 = 0, curIdLen: i32 = 0, curCode: i32 = 0, curOff: f64 = 0, curMsg: i32 = -1;
/** Incoming-message record the next push names (DELIVER_PIECE / MESSAGE_DONE / MESSAGE_ABORTED). */
let pushMsg: i32 = -1;
/** The next push's aux value (DELIVER_PIECE: the message's declared total). */
let pushAux: f64 = 0;
let curAux: f64 = 0;

/** Room one frame-processing step may need (a response + a REPORT with long paths, ids). */
const STEP_TX: i32 = 6144;
const STEP_ACTS: i32 = 8;

/** Every entry point starts here: a drained queue frees the TX arena for this call. */
function enter(): void {
  initOnce();
  if (actCount == 0) txLen = 0;
}

// @ts-ignore: decorator
@inline function room(tx: i32, acts: i32): bool { return actCount + acts <= MSRP_ACT_MAX && txLen + tx <= MSRP_TX_CAP; }

/** Copies [p, p+n) into the TX arena; 0 when it does not fit. */
function txCopy(p: usize, n: i32): usize {
  if (n <= 0 || n > MSRP_TX_CAP - txLen) return 0;
  const d = TX + <usize>txLen;
  memory.copy(d, p, <usize>n);
  txLen += n;
  return d;
}

function push(op: i32, sess: i32, conn: i32, ptr: usize, len: i32, idSrc: usize, idLen: i32, code: i32, off: f64): void {
  if (actCount >= MSRP_ACT_MAX) { actDropped++; return; }
  // ids come from slots or a parser view that the next frame overwrites: the record keeps a copy
  let idPtr: usize = 0;
  if (idLen > 0) { idPtr = txCopy(idSrc, idLen); if (idPtr == 0) idLen = 0; }
  let at = actHead + actCount;
  if (at >= MSRP_ACT_MAX) at -= MSRP_ACT_MAX;
  const r = ACTQ + <usize>(at * ACT_REC);
  store<i32>(r, op); store<i32>(r, sess, 4); store<i32>(r, conn, 8); store<u32>(r, <u32>ptr, 12);
  store<i32>(r, len, 16); store<u32>(r, <u32>idPtr, 20); store<i32>(r, idLen, 24); store<i32>(r, code, 28);
  store<f64>(r, off, 32);
  store<i32>(r, pushMsg, 40);
  store<f64>(r, pushAux, 48);
  pushMsg = -1; pushAux = 0;
  actCount++;
}

export function msrpActCount(): i32 { return actCount; }
/** Pops the oldest record; returns its op (MsrpAct.None when empty). */
export function msrpActPop(): i32 {
  if (actCount <= 0) {
    curOp = MsrpAct.None; curSess = -1; curConn = -1; curPtr = 0; curLen = 0; curIdPtr = 0; curIdLen = 0; curCode = 0; curOff = 0; curMsg = -1;
    return MsrpAct.None;
  }
  const r = ACTQ + <usize>(actHead * ACT_REC);
  curOp = load<i32>(r); curSess = load<i32>(r, 4); curConn = load<i32>(r, 8); curPtr = load<u32>(r, 12);
  curLen = load<i32>(r, 16); curIdPtr = load<u32>(r, 20); curIdLen = load<i32>(r, 24); curCode = load<i32>(r, 28);
  curOff = load<f64>(r, 32);
  curMsg = load<i32>(r, 40);
  curAux = load<f64>(r, 48);
  actHead++; if (actHead >= MSRP_ACT_MAX) actHead = 0;
  actCount--;
  return curOp;
}
export function msrpActSession(): i32 { return curSess; }
/** Host connection id (SEND_BYTES, CLOSE), -1 otherwise. */
export function msrpActConn(): i32 { return curConn; }
export function msrpActPtr(): usize { return <usize>curPtr; }
export function msrpActLen(): i32 { return curLen; }
export function msrpActIdPtr(): usize { return <usize>curIdPtr; }
export function msrpActIdLen(): i32 { return curIdLen; }
export function msrpActCode(): i32 { return curCode; }
export function msrpActOffset(): f64 { return curOff; }
/** Incoming-message record (0..MSRP_IN_MAX-1) of DELIVER_PIECE / MESSAGE_DONE / MESSAGE_ABORTED, else -1:
 *  a caller keeps its per-message state by it (chunks of several messages interleave, §5.1). */
export function msrpActMsg(): i32 { return curMsg; }
/**
 * DELIVER_PIECE: what the caller needs of its message, carried in the record (the message's
 * inbound record may already serve the next message by the time the record is drained):
 * msrpActCode() = MSRP_TYPE_* | PIECE_NO_REPORT, msrpActAux() = declared total (-1: '*').
 */
export function msrpActAux(): f64 { return curAux; }
export const PIECE_NO_REPORT: i32 = 0x100;
/** Records lost because the caller did not drain (a caller bug). */
export function msrpActDropped(): i32 { return actDropped; }
export function msrpLastError(): i32 { return lastErr; }

// ---- connections ---------------------------------------------------------------------------

function connFind(hostId: u32): i32 {
  for (let i = 0; i < MSRP_CONN_MAX; i++) { const c = connAt(i); if (c.used != 0 && c.hostId == hostId) return i; }
  return -1;
}

function connNew(hostId: u32): i32 {
  for (let i = 0; i < MSRP_CONN_MAX; i++) {
    const c = connAt(i);
    if (c.used != 0) continue;
    c.used = 1; c.hostId = hostId; c.nSess = 0; c.relay = 0;
    c.fSess = -1; c.fDeliver = 0; c.fCode = 0; c.fReport = 0; c.fNoAnswer = 0; c.fPartial = 0;
    c.fOff = 0; c.fTotal = 0; c.fEnd = 0; c.fMsg = -1; c.held = 0;
    msrpReset(parserOf(i));
    return i;
  }
  return -1;
}

// ---- session helpers -----------------------------------------------------------------------

function freeTxn(t: i32): void { txnAt(t).used = 0; }

function freeOut(o: i32): void {
  for (let t = 0; t < MSRP_TXN_MAX; t++) { const x = txnAt(t); if (x.used != 0 && x.out == o) x.used = 0; }
  const m = outAt(o);
  m.used = 0;
  // a stream handle of this slot is stale from now on
  let g = (m.gen + 1) & GEN_MASK;
  if (g == 0) g = 1;
  m.gen = g;
}

function failOut(o: i32, code: i32): void {
  const m = outAt(o);
  push(MsrpAct.SendFailed, handleOf(m.sess), -1, 0, 0, outIdOf(o), m.idLen, code, <f64>m.next);
  freeOut(o);
}

/** Drops the session's connection: open transactions fail (503), SESSION_LOST. */
function sessLoseConn(si: i32): void {
  const s = sessAt(si);
  const h = handleOf(si);
  for (let t = 0; t < MSRP_TXN_MAX; t++) {
    const x = txnAt(t);
    if (x.used == 0 || x.sess != si || x.out >= 0) continue;
    push(MsrpAct.SendFailed, h, -1, 0, 0, bindIdOf(si), s.bindIdLen, MSRP_CODE_CONN_LOST, 0);
    x.used = 0;
  }
  for (let o = 0; o < MSRP_OUT_MAX; o++) {
    const m = outAt(o);
    if (m.used == 0 || m.sess != si) continue;
    // an aborted stream whose '#' could not go out yet: nothing more to say about it
    if (m.abort != 0) { freeOut(o); continue; }
    // only messages that started going out on this connection fail; queued ones wait for a new one
    if (m.frames > 0 || m.inflight > 0) failOut(o, MSRP_CODE_CONN_LOST);
  }
  // messages cut off with their connection: the app keeps what was delivered (as for '#')
  abortIncoming(si, MSRP_CODE_CONN_LOST);
  s.conn = -1;
  if (s.state != MsrpSessState.Failed) s.state = MsrpSessState.Idle;
  push(MsrpAct.SessionLost, h, -1, 0, 0, 0, 0, 0, 0);
}

/** The connection is gone (closed by the peer, by the host, or by us after a framing error). */
function connGone(ci: i32): void {
  for (let si = 0; si < MSRP_SESS_MAX; si++) {
    const s = sessAt(si);
    if (s.state != MsrpSessState.Free && s.conn == ci) sessLoseConn(si);
  }
  for (let t = 0; t < MSRP_TXN_MAX; t++) { const x = txnAt(t); if (x.used != 0 && x.conn == ci) x.used = 0; }
  const c = connAt(ci);
  if (c.relay != 0 && relayConn == ci) { relayConn = -1; relayMarkFailed(MSRP_CODE_CONN_LOST); }
  c.used = 0; c.nSess = 0; c.relay = 0;
  msrpReset(parserOf(ci));
}

function findSessById(p: usize, n: i32): i32 {
  if (n <= 0) return -1;
  for (let i = 0; i < MSRP_SESS_MAX; i++) {
    const s = sessAt(i);
    if (s.state == MsrpSessState.Free) continue;
    // §6.1: session-id compares case-sensitively
    if (eqSpan(localOf(i) + <usize>s.sessOff, s.sessLen, p, n, false)) return i;
  }
  return -1;
}

/** Last URI of the path [off, off+len) of base into u; false if malformed. */
function lastUri(u: MsrpUri, base: usize, off: i32, len: i32): bool {
  const n = msrpPathNth(u, base, off, len, -1);
  if (n <= 0) return false;
  return msrpPathNth(u, base, off, len, n - 1) > 0;
}

/** §7.3 / §5.4: the From-Path's endpoint (its last URI) is the session's remote endpoint. */
function fromMatches(si: i32, fp: usize, fOff: i32, fLen: i32): bool {
  const s = sessAt(si);
  if (!lastUri(U1, fp, fOff, fLen)) return false;
  if (!lastUri(U2, remoteOf(si), 0, s.remoteLen)) return false;
  return msrpUriEq(U1, fp, U2, remoteOf(si));
}

// ---- RFC 4976 relay client --------------------------------------------------------------------
// One relay per agent. The connection is opened once (RELAY_CONNECT), authenticated with AUTH
// (§5.1; digest when challenged) and then carries every session of the agent: the relay keeps
// it in its connection map under the session id of the Use-Path it granted and sends frames
// for our sessions down it (§6). Our AUTH From-Path is an agent URI of its own (the relay only
// needs a URI to answer to); sessions keep their own URIs for the SDP a=path and the To-Path
// lookup.

const RELAY_URI: usize = memory.data(MSRP_RELAY_URI_CAP, 8);        // "msrp://host:port;tcp"
let relayUriLen: i32 = 0;
const RELAY_ADDR: usize = memory.data(MSRP_RELAY_URI_CAP, 8);       // "host:port" to connect to
let relayAddrLen: i32 = 0;
const RELAY_USER: usize = memory.data(MSRP_RELAY_CRED_CAP, 8);
let relayUserLen: i32 = 0;
const RELAY_PASS: usize = memory.data(MSRP_RELAY_CRED_CAP, 8);
let relayPassLen: i32 = 0;
const RELAY_SELF: usize = memory.data(MSRP_LOCAL_URI_CAP, 8);       // our URI in AUTH From-Path
let relaySelfLen: i32 = 0;
const USE_PATH: usize = memory.data(MSRP_USE_PATH_CAP, 8);
let usePathLen: i32 = 0;
const RELAY_TID: usize = memory.data(16, 8);
let relayTidLen: i32 = 0;                                            // > 0: an AUTH is open
let relayTxnDeadline: f64 = -1;
let relayReauthAt: f64 = -1;
let relayExpiresS: i64 = -1;
let relayState: i32 = MsrpRelayState.None;
let relayConn: i32 = -1;                                             // connection slot
let relayTries: i32 = 0;                                             // 401s answered in a row
const CHAL: usize = memory.data(MSRP_RELAY_CHALLENGE_CAP, 8);        // WWW-Authenticate value
const CHALV: DigestChallenge = changetype<DigestChallenge>(memory.data(DIGEST_CHALLENGE_SIZE, 8));
const AUTHZ: usize = memory.data(1024, 8);                           // Authorization value
const CNONCE: usize = memory.data(16, 8);
/** Our a=path for a relay session: Use-Path SP our URI (msrpSessionPath). */
const PATHBUF: usize = memory.data(MSRP_USE_PATH_CAP + MSRP_LOCAL_URI_CAP + 8, 8);

export function msrpRelayState(): i32 { return relayState; }
export function msrpRelayUsePathPtr(): usize { return USE_PATH; }
export function msrpRelayUsePathLen(): i32 { return usePathLen; }
/** The connection to the relay can carry sessions (AUTH done; a refresh may be under way). */
function relayUsable(): bool { return relayConn >= 0 && usePathLen > 0 && relayState != MsrpRelayState.Failed; }

/**
 * Configures the relay and queues RELAY_CONNECT. uri = "msrp://HOST:PORT" (";tcp" added when
 * missing; no port: 2855, RFC 4976 §8's default); user/pass: digest credentials (both may be
 * empty: a challenge then fails with 401); random (>= 10 bytes) and our listen host/port make
 * the URI we AUTH with. One relay per agent: BadState once one is configured and not Failed.
 */
export function msrpRelaySet(uriPtr: usize, uriLen: i32, userPtr: usize, userLen: i32, passPtr: usize, passLen: i32,
  randomPtr: usize, randomLen: i32, hostPtr: usize, hostLen: i32, port: i32, now: f64): i32 {
  enter();
  if (now >= 0) lastNow = now;
  if (relayState != MsrpRelayState.None && relayState != MsrpRelayState.Failed) { lastErr = MsrpSessErr.BadState; return -1; }
  if (uriLen <= 0 || uriLen + 4 > MSRP_RELAY_URI_CAP || userLen < 0 || userLen > MSRP_RELAY_CRED_CAP
    || passLen < 0 || passLen > MSRP_RELAY_CRED_CAP || hostLen <= 0 || port < 0 || port > 65535) { lastErr = MsrpSessErr.BadArg; return -1; }
  if (randomLen < MSRP_SESSID_RANDOM_MIN) { lastErr = MsrpSessErr.NoRandom; return -1; }
  if (7 + hostLen + 6 + 1 + 32 + 4 > MSRP_LOCAL_URI_CAP) { lastErr = MsrpSessErr.BadLocalUri; return -1; }
  memory.copy(RELAY_URI, uriPtr, <usize>uriLen);
  let n = uriLen;
  // the CLI form "msrp://HOST:PORT" lacks the transport that §9 requires: add ";tcp"
  if (msrpUriParse(U1, RELAY_URI, 0, n) != n) {
    n += putAscii(RELAY_URI + <usize>n, ";tcp");
    if (msrpUriParse(U1, RELAY_URI, 0, n) != n) { lastErr = MsrpSessErr.BadPath; return -1; }
  }
  if (U1.secure != 0) { lastErr = MsrpSessErr.BadPath; return -1; }   // msrps needs TLS, which the host does not offer
  relayUriLen = n;
  memory.copy(RELAY_ADDR, RELAY_URI + <usize>U1.hostOff, <usize>U1.hostLen);
  let w = U1.hostLen;
  store<u8>(RELAY_ADDR + <usize>w, 0x3a); w++;
  w += putU64(RELAY_ADDR + <usize>w, <u64>(U1.port > 0 ? U1.port : 2855));
  relayAddrLen = w;
  memory.copy(RELAY_USER, userPtr, <usize>userLen); relayUserLen = userLen;
  memory.copy(RELAY_PASS, passPtr, <usize>passLen); relayPassLen = passLen;
  rngMix(randomPtr, randomLen);
  let q = putAscii(RELAY_SELF, "msrp://");
  memory.copy(RELAY_SELF + <usize>q, hostPtr, <usize>hostLen); q += hostLen;
  if (port > 0) { store<u8>(RELAY_SELF + <usize>q, 0x3a); q++; q += putU64(RELAY_SELF + <usize>q, <u64>port); }
  store<u8>(RELAY_SELF + <usize>q, 0x2f); q++;
  q += base32(RELAY_SELF + <usize>q, randomPtr, min(randomLen, MSRP_SESSID_RANDOM_MAX));
  q += putAscii(RELAY_SELF + <usize>q, ";tcp");
  if (msrpUriParse(U2, RELAY_SELF, 0, q) != q) { lastErr = MsrpSessErr.BadLocalUri; return -1; }
  relaySelfLen = q;
  usePathLen = 0; relayTidLen = 0; relayTries = 0; relayReauthAt = -1; relayTxnDeadline = -1; relayExpiresS = -1;
  relayConn = -1;
  relayState = MsrpRelayState.Connecting;
  push(MsrpAct.RelayConnect, -1, -1, RELAY_ADDR, relayAddrLen, 0, 0, 0, 0);
  lastErr = MsrpSessErr.Ok;
  return 0;
}

/** The host opened the relay connection `conn` (after RELAY_CONNECT): AUTH goes out (§5.1). */
export function msrpRelayConnOpen(conn: u32, now: f64): i32 {
  enter();
  if (now >= 0) lastNow = now;
  if (relayState != MsrpRelayState.Connecting) { lastErr = MsrpSessErr.BadState; return -1; }
  let ci = connFind(conn);
  if (ci < 0) ci = connNew(conn);
  if (ci < 0) {
    push(MsrpAct.Close, -1, <i32>conn, 0, 0, 0, 0, 0, 0);
    relayMarkFailed(503);
    lastErr = MsrpSessErr.ConnPoolFull;
    return -1;
  }
  connAt(ci).relay = 1;
  relayConn = ci;
  relayState = MsrpRelayState.Auth;
  relayTries = 0;
  if (!sendAuth(false)) { relayFail(500); lastErr = MsrpSessErr.BadState; return -1; }
  lastErr = MsrpSessErr.Ok;
  return 0;
}

/** AUTH on the relay connection, with Authorization from the kept challenge when creds. */
function sendAuth(creds: bool): bool {
  if (relayConn < 0 || !room(2048, 2)) return false;
  randomIdent(RELAY_TID, TID_LEN);
  let al = 0;
  if (creds) {
    randomIdent(CNONCE, 16);
    // RFC 2617 §3.2.2 with method "AUTH" and digest-uri = the URI the AUTH is addressed to
    al = digestBuildAuthorization(AUTHZ, 1024, CHALV, CHAL, RELAY_USER, relayUserLen, RELAY_PASS, relayPassLen,
      "AUTH", RELAY_URI, relayUriLen, CNONCE, 16, 1);
    if (al < 0) return false;
  }
  const d = TX + <usize>txLen;
  // no Expires: the relay's default applies (Kamailio 5.6.3 answers 423 to Authorization + Expires)
  const n = msrpBuildAuth(d, MSRP_TX_CAP - txLen, RELAY_TID, TID_LEN, RELAY_URI, relayUriLen, RELAY_SELF, relaySelfLen,
    AUTHZ, al, -1);
  if (n < 0) return false;
  txLen += n;
  relayTidLen = TID_LEN;
  relayTxnDeadline = lastNow + <f64>MSRP_TXN_TIMEOUT_MS;
  push(MsrpAct.SendBytes, -1, <i32>connAt(relayConn).hostId, d, n, 0, 0, 0, 0);
  return true;
}

/** State Failed + RELAY_FAILED; sessions waiting for the relay fail their bind. No I/O. */
function relayMarkFailed(code: i32): void {
  if (relayState == MsrpRelayState.Failed || relayState == MsrpRelayState.None) return;
  relayState = MsrpRelayState.Failed;
  relayTidLen = 0; relayReauthAt = -1; relayTxnDeadline = -1;
  push(MsrpAct.RelayFailed, -1, -1, 0, 0, 0, 0, code, 0);
  for (let si = 0; si < MSRP_SESS_MAX; si++) {
    const s = sessAt(si);
    if (s.state != MsrpSessState.Connecting || s.viaRelay == 0 || s.conn >= 0) continue;
    push(MsrpAct.SendFailed, handleOf(si), -1, 0, 0, bindIdOf(si), s.bindIdLen, code, 0);
    s.state = MsrpSessState.Failed;
  }
}

/** The relay is given up: RELAY_FAILED, its connection closed (sessions on it: SESSION_LOST). */
function relayFail(code: i32): void {
  relayMarkFailed(code);
  const ci = relayConn;
  if (ci < 0) return;
  relayConn = -1;
  push(MsrpAct.Close, -1, <i32>connAt(ci).hostId, 0, 0, 0, 0, 0, 0);
  connGone(ci);
}

/** The answer to our AUTH (§5.1). */
function onAuthResponse(ci: i32): void {
  const p = parserOf(ci);
  const b = p.hdrBuf;
  relayTidLen = 0; relayTxnDeadline = -1;
  const st = p.status;
  if (st == 200) {
    // §5.1: Use-Path = the relay URIs for our a=path; Expires = how long the grant lasts
    if (p.iUsePath < 0 || p.valLen(p.iUsePath) > MSRP_USE_PATH_CAP || p.valLen(p.iUsePath) <= 0) { relayFail(502); return; }
    usePathLen = p.valLen(p.iUsePath);
    memory.copy(USE_PATH, b + <usize>p.valOff(p.iUsePath), <usize>usePathLen);
    relayExpiresS = p.expires;
    relayReauthAt = p.expires > 0 ? lastNow + <f64>p.expires * 800.0 : -1;   // refresh at 80 %
    relayTries = 0;
    relayState = MsrpRelayState.Ready;
    push(MsrpAct.RelayReady, -1, -1, USE_PATH, usePathLen, 0, 0, <i32>min<i64>(p.expires, 0x7fffffff), 0);
    // sessions that waited for the relay bind now
    for (let si = 0; si < MSRP_SESS_MAX; si++) {
      const s = sessAt(si);
      if (s.state == MsrpSessState.Connecting && s.viaRelay != 0 && s.conn < 0 && s.remoteLen > 0) {
        if (!sendBind(si, ci)) {
          push(MsrpAct.SendFailed, handleOf(si), -1, 0, 0, bindIdOf(si), s.bindIdLen, 503, 0);
          s.state = MsrpSessState.Failed;
        }
      }
    }
    return;
  }
  if (st == 401 && relayTries < MSRP_RELAY_AUTH_TRIES) {
    // §5.1 / RFC 2617 §3.2.1: answer the challenge; a second non-stale 401 means the
    // credentials were refused
    let wi = -1;
    for (let i = 0; i < p.hdrCount; i++) if (p.hdrType(i) == MsrpHdr.WwwAuthenticate) { wi = i; break; }
    if (wi >= 0 && p.valLen(wi) <= MSRP_RELAY_CHALLENGE_CAP && relayUserLen > 0) {
      const vl = p.valLen(wi);
      memory.copy(CHAL, b + <usize>p.valOff(wi), <usize>vl);
      if (digestParseChallenge(CHALV, CHAL, vl) == 0 && (relayTries == 0 || CHALV.stale != 0)) {
        relayTries++;
        if (sendAuth(true)) return;
      }
    }
  }
  relayFail(st);
}

// ---- public: sessions ------------------------------------------------------------------------

/**
 * Creates a session with local URI msrp://host[:port]/<sessid>;tcp. randomLen >= 10 bytes
 * (§14.1: >= 80 bits); up to 20 are used. active: we connect (RFC 6135 a=setup:active, or
 * the default of §5.4 for the offer's answerer). Returns a handle or -1 (msrpLastError()).
 */
export function msrpSessionCreate(randomPtr: usize, randomLen: i32, hostPtr: usize, hostLen: i32, port: i32, active: bool): i32 {
  enter();
  if (randomLen < MSRP_SESSID_RANDOM_MIN) { lastErr = MsrpSessErr.NoRandom; return -1; }
  if (hostLen <= 0 || port < 0 || port > 65535) { lastErr = MsrpSessErr.BadArg; return -1; }
  let si = -1;
  for (let i = 0; i < MSRP_SESS_MAX; i++) if (sessAt(i).state == MsrpSessState.Free) { si = i; break; }
  if (si < 0) { lastErr = MsrpSessErr.PoolFull; return -1; }
  const nr = min(randomLen, MSRP_SESSID_RANDOM_MAX);
  // "msrp://" host ":" port "/" sessid(<= 32) ";tcp"
  if (7 + hostLen + 6 + 1 + 32 + 4 > MSRP_LOCAL_URI_CAP) { lastErr = MsrpSessErr.BadLocalUri; return -1; }
  rngMix(randomPtr, randomLen);
  const u = localOf(si);
  let w = putAscii(u, "msrp://");
  memory.copy(u + <usize>w, hostPtr, <usize>hostLen); w += hostLen;
  if (port > 0) { store<u8>(u + <usize>w, 0x3a); w++; w += putU64(u + <usize>w, <u64>port); }
  store<u8>(u + <usize>w, 0x2f); w++;
  const so = w;
  w += base32(u + <usize>w, randomPtr, nr);
  const sl = w - so;
  w += putAscii(u + <usize>w, ";tcp");
  // the host bytes are the caller's: prove the result is an MSRP-URI (§9) before using it
  if (msrpUriParse(U1, u, 0, w) != w || U1.sessLen != sl) { lastErr = MsrpSessErr.BadLocalUri; return -1; }
  const s = sessAt(si);
  s.state = MsrpSessState.Idle;
  s.active = active ? 1 : 0;
  s.conn = -1;
  s.localLen = w; s.sessOff = so; s.sessLen = sl;
  s.remoteLen = 0; s.remoteProvisional = 0; s.viaRelay = 0;
  s.maxSize = MSRP_MAX_SIZE_DEFAULT; s.remoteMaxSize = MSRP_MAX_SIZE_DEFAULT;
  s.acceptMask = 0; s.inType = 0;
  randomIdent(bindIdOf(si), TID_LEN); s.bindIdLen = TID_LEN;
  lastErr = MsrpSessErr.Ok;
  return handleOf(si);
}

export function msrpSessionLocalUriPtr(h: i32): usize { const i = slotOf(h); return i < 0 ? 0 : localOf(i); }
export function msrpSessionLocalUriLen(h: i32): i32 { const i = slotOf(h); return i < 0 ? 0 : sessAt(i).localLen; }
export function msrpSessionIdPtr(h: i32): usize { const i = slotOf(h); return i < 0 ? 0 : localOf(i) + <usize>sessAt(i).sessOff; }
export function msrpSessionIdLen(h: i32): i32 { const i = slotOf(h); return i < 0 ? 0 : sessAt(i).sessLen; }
export function msrpSessionState(h: i32): i32 { const i = slotOf(h); return i < 0 ? -1 : sessAt(i).state; }
/** Host id of the bound connection, -1 when none. */
export function msrpSessionConn(h: i32): i32 {
  const i = slotOf(h);
  if (i < 0 || sessAt(i).conn < 0) return -1;
  return <i32>connAt(sessAt(i).conn).hostId;
}
export function msrpSessionRemotePtr(h: i32): usize { const i = slotOf(h); return i < 0 ? 0 : remoteOf(i); }
export function msrpSessionRemoteLen(h: i32): i32 { const i = slotOf(h); return i < 0 ? 0 : sessAt(i).remoteLen; }

/** §8 a=max-size we advertise: SENDs announcing more get 413. 0 = default. */
/** Media types for msrpSessionSetAccept / msrpSessionInType. */
export const MSRP_TYPE_OTHER: i32 = 0;
export const MSRP_TYPE_CPIM: i32 = 1;
export const MSRP_TYPE_TEXT: i32 = 2;
export const MSRP_ACCEPT_CPIM: i32 = 1;
export const MSRP_ACCEPT_TEXT: i32 = 2;

/**
 * The types our a=accept-types offered (RFC 4975 §8.6): a SEND starting a message of another
 * Content-Type is refused with 415 (§7.3) before any byte reaches the app. mask 0 = any.
 */
export function msrpSessionSetAccept(h: i32, mask: i32): i32 {
  const i = slotOf(h); if (i < 0) return -1;
  sessAt(i).acceptMask = mask;
  return 0;
}
/** MSRP_TYPE_* of the message session h is receiving (valid from its first DELIVER_PIECE). */
export function msrpSessionInType(h: i32): i32 { const i = slotOf(h); return i < 0 ? -1 : sessAt(i).inType; }

/** The media type (before any ';' parameter) of a Content-Type value. */
function typeOf(b: usize, off: i32, len: i32): i32 {
  let n = 0;
  while (n < len && load<u8>(b + <usize>(off + n)) != 0x3b) n++;
  while (n > 0 && (load<u8>(b + <usize>(off + n - 1)) == 0x20 || load<u8>(b + <usize>(off + n - 1)) == 0x09)) n--;
  let s = 0;
  while (s < n && (load<u8>(b + <usize>(off + s)) == 0x20 || load<u8>(b + <usize>(off + s)) == 0x09)) s++;
  const p = b + <usize>(off + s), l = n - s;
  if (eqNoCase(p, l, "message/cpim")) return MSRP_TYPE_CPIM;
  if (eqNoCase(p, l, "text/plain")) return MSRP_TYPE_TEXT;
  return MSRP_TYPE_OTHER;
}

export function msrpSessionSetMaxSize(h: i32, n: u64): i32 {
  const i = slotOf(h); if (i < 0) return -1;
  sessAt(i).maxSize = n == 0 ? MSRP_MAX_SIZE_DEFAULT : n;
  return 0;
}
/** §8 the peer's a=max-size: larger messages are refused locally (TooLarge). 0 = default. */
export function msrpSessionSetRemoteMaxSize(h: i32, n: u64): i32 {
  const i = slotOf(h); if (i < 0) return -1;
  sessAt(i).remoteMaxSize = n == 0 ? MSRP_MAX_SIZE_DEFAULT : n;
  return 0;
}

/**
 * Switches who connects before the peer's path is set (RFC 6135 §4 / RFC 4975 §5.4: the SDP
 * answer decides; an answer without a=setup leaves the offerer active). Only while the session
 * has no connection and no remote path yet. 0 or -1 (BadState).
 */
export function msrpSessionSetActive(h: i32, active: bool): i32 {
  const si = slotOf(h); if (si < 0) return -1;
  const s = sessAt(si);
  if (s.conn >= 0 || s.remoteLen > 0 || s.state != MsrpSessState.Idle) { lastErr = MsrpSessErr.BadState; return -1; }
  s.active = active ? 1 : 0;
  return 0;
}

/**
 * The peer's a=path (relays first, then the peer, §8). Active side: queues CONNECT to the
 * first hop (§5.4, §6.2: host and port of that URI). Passive side: stored for the From-Path
 * check; if a bind came first (provisional path), both must name the same endpoint.
 */
export function msrpSessionSetRemote(h: i32, pathPtr: usize, pathLen: i32, now: f64 = -1): i32 {
  enter();
  if (now >= 0) lastNow = now;
  const si = slotOf(h); if (si < 0) return -1;
  const s = sessAt(si);
  if (pathLen <= 0 || pathLen > MSRP_PATH_CAP || msrpPathNth(U1, pathPtr, 0, pathLen, 0) < 0) { lastErr = MsrpSessErr.BadPath; return -1; }
  if (s.viaRelay != 0) return setRemoteRelay(si, pathPtr, pathLen);
  if (s.remoteLen > 0 && s.remoteProvisional != 0) {
    if (!fromMatches(si, pathPtr, 0, pathLen)) { lastErr = MsrpSessErr.PathMismatch; return -1; }
    memory.copy(remoteOf(si), pathPtr, <usize>pathLen);
    s.remoteLen = pathLen; s.remoteProvisional = 0;
    lastErr = MsrpSessErr.Ok;
    return 0;
  }
  if (s.conn >= 0 || (s.state != MsrpSessState.Idle && s.state != MsrpSessState.WaitBind)) {
    // a re-INVITE changing the path is §8.4 territory: not supported here
    lastErr = MsrpSessErr.BadState; return -1;
  }
  if (s.active != 0) {
    // U1 holds the first hop; MSRP URIs in a=path carry a port (§6: no default port)
    if (U1.port == 0 || !room(U1.hostLen + 8, 1)) { lastErr = U1.port == 0 ? MsrpSessErr.BadPath : MsrpSessErr.BadState; return -1; }
    const a = TX + <usize>txLen;
    memory.copy(a, pathPtr + <usize>U1.hostOff, <usize>U1.hostLen);
    let w = U1.hostLen;
    store<u8>(a + <usize>w, 0x3a); w++;
    w += putU64(a + <usize>w, <u64>U1.port);
    txLen += w;
    memory.copy(remoteOf(si), pathPtr, <usize>pathLen);
    s.remoteLen = pathLen;
    s.state = MsrpSessState.Connecting;
    push(MsrpAct.Connect, h, -1, a, w, 0, 0, 0, 0);
  } else {
    memory.copy(remoteOf(si), pathPtr, <usize>pathLen);
    s.remoteLen = pathLen;
    s.state = MsrpSessState.WaitBind;
  }
  lastErr = MsrpSessErr.Ok;
  return 0;
}

/**
 * RFC 4976 §5.2: through the relay the To-Path is our Use-Path followed by the peer's a=path.
 * Active: the bind SEND goes over the relay connection now (or once AUTH is done); passive:
 * the peer binds through the relays (the connection is the relay's), possibly before this.
 */
function setRemoteRelay(si: i32, pathPtr: usize, pathLen: i32): i32 {
  const s = sessAt(si);
  if (s.remoteLen > 0 || (s.state != MsrpSessState.Idle && s.state != MsrpSessState.WaitBind && s.state != MsrpSessState.Bound)) {
    lastErr = MsrpSessErr.BadState; return -1;
  }
  if (usePathLen <= 0 || usePathLen + 1 + pathLen > MSRP_PATH_CAP) { lastErr = usePathLen <= 0 ? MsrpSessErr.BadState : MsrpSessErr.BadPath; return -1; }
  const r = remoteOf(si);
  memory.copy(r, USE_PATH, <usize>usePathLen);
  store<u8>(r + <usize>usePathLen, 0x20);
  memory.copy(r + <usize>(usePathLen + 1), pathPtr, <usize>pathLen);
  s.remoteLen = usePathLen + 1 + pathLen;
  s.remoteProvisional = 0;
  if (s.state == MsrpSessState.Bound) { lastErr = MsrpSessErr.Ok; return 0; }   // passive, bound already
  if (s.active == 0) { s.state = MsrpSessState.WaitBind; lastErr = MsrpSessErr.Ok; return 0; }
  s.state = MsrpSessState.Connecting;
  if (relayUsable() && relayState == MsrpRelayState.Ready) {
    if (!sendBind(si, relayConn)) { s.state = MsrpSessState.Idle; s.remoteLen = 0; lastErr = MsrpSessErr.PoolFull; return -1; }
  }
  lastErr = MsrpSessErr.Ok;
  return 0;
}

/** §5.4 / §7.1.1: the empty SEND 1-0/0 that binds session si to connection ci (a transaction). */
function sendBind(si: i32, ci: i32): bool {
  let ti = -1;
  for (let t = 0; t < MSRP_TXN_MAX; t++) if (txnAt(t).used == 0) { ti = t; break; }
  const s = sessAt(si);
  if (ti < 0 || !room(STEP_TX, 2)) return false;
  const x = txnAt(ti);
  randomIdent(tidOf(ti), TID_LEN);
  const d = TX + <usize>txLen;
  const n = msrpBuildBind(d, MSRP_TX_CAP - txLen, tidOf(ti), TID_LEN, remoteOf(si), s.remoteLen,
    localOf(si), s.localLen, bindIdOf(si), s.bindIdLen);
  if (n < 0) return false;
  txLen += n;
  s.conn = ci; connAt(ci).nSess++;
  s.state = MsrpSessState.WaitBind;
  x.used = 1; x.sess = si; x.out = -1; x.conn = ci; x.tidLen = TID_LEN;
  x.deadline = lastNow + <f64>MSRP_TXN_TIMEOUT_MS;
  push(MsrpAct.SendBytes, handleOf(si), <i32>connAt(ci).hostId, d, n, 0, 0, 0, 0);
  return true;
}

/** Marks session h as running through the relay (RFC 4976): needs RELAY_READY; before SetRemote. */
export function msrpSessionUseRelay(h: i32): i32 {
  enter();
  const si = slotOf(h); if (si < 0) return -1;
  const s = sessAt(si);
  if (!relayUsable() || s.state != MsrpSessState.Idle || s.remoteLen > 0) { lastErr = MsrpSessErr.BadState; return -1; }
  s.viaRelay = 1;
  lastErr = MsrpSessErr.Ok;
  return 0;
}

/**
 * Our a=path for session h into the buffer of msrpSessionPathPtr(): the local URI, preceded
 * by the Use-Path and one SP for a relay session (RFC 4976 §5.1, RFC 4975 §8). Its length,
 * or 0 for a stale handle. Valid until the next call.
 */
export function msrpSessionPath(h: i32): i32 {
  const si = slotOf(h); if (si < 0) return 0;
  const s = sessAt(si);
  let w = 0;
  if (s.viaRelay != 0 && usePathLen > 0) {
    memory.copy(PATHBUF, USE_PATH, <usize>usePathLen);
    store<u8>(PATHBUF + <usize>usePathLen, 0x20);
    w = usePathLen + 1;
  }
  memory.copy(PATHBUF + <usize>w, localOf(si), <usize>s.localLen);
  return w + s.localLen;
}
export function msrpSessionPathPtr(): usize { return PATHBUF; }
export function msrpSessionViaRelay(h: i32): bool { const i = slotOf(h); return i >= 0 && sessAt(i).viaRelay != 0; }

/**
 * The host opened connection `conn`: h >= 0 for the CONNECT of session h (we send the empty
 * bind SEND 1-0/0, §5.4 / §7.1.1), h = -1 for an accepted connection (passive side; it is
 * bound by the first SEND it carries). Returns 0, or -1 (CLOSE(conn) queued when no slot).
 */
export function msrpOnConnOpen(conn: u32, h: i32, now: f64 = -1): i32 {
  enter();
  if (now >= 0) lastNow = now;
  let si = -1;
  if (h >= 0) {
    si = slotOf(h); if (si < 0) return -1;
    if (sessAt(si).active == 0 || sessAt(si).conn >= 0 || sessAt(si).remoteLen == 0) { lastErr = MsrpSessErr.BadState; return -1; }
  }
  let ci = connFind(conn);
  if (ci < 0) ci = connNew(conn);
  if (ci < 0) {
    push(MsrpAct.Close, h, <i32>conn, 0, 0, 0, 0, 0, 0);
    lastErr = MsrpSessErr.ConnPoolFull;
    return -1;
  }
  if (si < 0) { lastErr = MsrpSessErr.Ok; return 0; }
  if (!sendBind(si, ci)) { lastErr = MsrpSessErr.PoolFull; return -1; }
  lastErr = MsrpSessErr.Ok;
  return 0;
}

/** The connection went away (the host must not report an id after a CLOSE we queued). */
export function msrpOnConnClosed(conn: u32): void {
  enter();
  const ci = connFind(conn);
  if (ci >= 0) connGone(ci);
}

/**
 * Ends the session: its queued messages and transactions are dropped without events; its
 * connection is closed when no other session uses it (§5.4).
 */
export function msrpSessionClose(h: i32): i32 {
  enter();
  const si = slotOf(h); if (si < 0) return -1;
  for (let o = 0; o < MSRP_OUT_MAX; o++) if (outAt(o).used != 0 && outAt(o).sess == si) freeOut(o);
  for (let t = 0; t < MSRP_TXN_MAX; t++) if (txnAt(t).used != 0 && txnAt(t).sess == si) freeTxn(t);
  // messages still arriving on it end here (their relays end with '#')
  abortIncoming(si, MSRP_CODE_CONN_LOST);
  const s = sessAt(si);
  if (s.conn >= 0) {
    const c = connAt(s.conn);
    c.nSess--;
    // §5.4: a connection closes with its last session, except the relay's (RFC 4976 §5)
    if (c.nSess <= 0 && c.relay == 0) {
      push(MsrpAct.Close, h, <i32>c.hostId, 0, 0, 0, 0, 0, 0);
      const ci = s.conn;
      s.conn = -1;
      connGone(ci);   // no other session is bound to it, so nothing else is told
    }
  }
  // a connection may still be reading a frame for this session: forget it
  for (let i = 0; i < MSRP_CONN_MAX; i++) if (connAt(i).used != 0 && connAt(i).fSess == si) { connAt(i).fSess = -1; connAt(i).fDeliver = 0; }
  s.conn = -1;
  s.state = MsrpSessState.Free;
  let g = (s.gen + 1) & GEN_MASK;
  if (g == 0) g = 1;
  s.gen = g;
  lastErr = MsrpSessErr.Ok;
  return 0;
}

/** Sessions in use (tests: pool accounting). */
export function msrpSessionsActive(): i32 {
  initOnce();
  let n = 0;
  for (let i = 0; i < MSRP_SESS_MAX; i++) if (sessAt(i).state != MsrpSessState.Free) n++;
  return n;
}
export function msrpConnsActive(): i32 {
  initOnce();
  let n = 0;
  for (let i = 0; i < MSRP_CONN_MAX; i++) if (connAt(i).used != 0) n++;
  return n;
}

// ---- public: sending -----------------------------------------------------------------------

/**
 * Queues a message (§7.1.1). msgId = ident (4..32 chars, unique in the session), ctype =
 * media type; body stays the caller's until MESSAGE_SENT / SEND_FAILED. successReport /
 * failureReport: 0 = header left out (defaults: no / yes), else REPORT_YES / REPORT_NO /
 * REPORT_PARTIAL (failure only). Returns 0 or -1 (msrpLastError()).
 */
export function msrpSendMessage(h: i32, msgIdPtr: usize, msgIdLen: i32, ctypePtr: usize, ctypeLen: i32,
  bodyPtr: usize, bodyLen: i32, successReport: i32, failureReport: i32, now: f64 = -1): i32 {
  enter();
  if (now >= 0) lastNow = now;
  const si = slotOf(h); if (si < 0) return -1;
  const s = sessAt(si);
  if (msgIdLen < 4 || msgIdLen > MSRP_MSGID_CAP || ctypeLen <= 0 || ctypeLen > MSRP_CTYPE_CAP || bodyLen <= 0
    || successReport < 0 || successReport > REPORT_NO || failureReport < 0 || failureReport > REPORT_PARTIAL) {
    lastErr = MsrpSessErr.BadArg; return -1;
  }
  if (s.state == MsrpSessState.Failed) { lastErr = MsrpSessErr.BadState; return -1; }
  if (<u64>bodyLen > s.remoteMaxSize) { lastErr = MsrpSessErr.TooLarge; return -1; }
  let o = -1;
  for (let i = 0; i < MSRP_OUT_MAX; i++) if (outAt(i).used == 0) { o = i; break; }
  if (o < 0) { lastErr = MsrpSessErr.OutPoolFull; return -1; }
  const m = outAt(o);
  m.used = 1; m.sess = si; m.seq = outSeqNext++; m.bodyPtr = bodyPtr; m.bodyLen = bodyLen; m.next = 0;
  m.idLen = msgIdLen; m.ctLen = ctypeLen; m.sr = successReport; m.fr = failureReport; m.inflight = 0;
  m.total = <i64>bodyLen; m.stream = 0; m.staged = 0; m.fin = 0; m.finSent = 0; m.abort = 0; m.frames = 0;
  memory.copy(outIdOf(o), msgIdPtr, <usize>msgIdLen);
  memory.copy(outCtOf(o), ctypePtr, <usize>ctypeLen);
  pump();
  lastErr = MsrpSessErr.Ok;
  return 0;
}

/** Emits queued chunks as room allows (call after draining when msrpPendingOut() > 0). */
export function msrpPoll(now: f64): void {
  enter();
  lastNow = now;
  pump();
}

/** Outgoing messages with frames that could be emitted once there is room (msrpPoll after draining). */
export function msrpPendingOut(): i32 {
  initOnce();
  let n = 0;
  for (let o = 0; o < MSRP_OUT_MAX; o++) {
    const m = outAt(o);
    if (m.used == 0) continue;
    if (m.stream == 0 ? m.next < m.bodyLen : streamDue(o)) n++;
  }
  return n;
}

/** True if the end-line "-------" tid could appear in the chunk (§7.1.1: choose another tid). */
function tidInBody(tid: usize, n: i32, p: usize, len: i32): bool {
  const first = load<u8>(tid);
  for (let i = 0; i + n <= len; i++) {
    if (load<u8>(p + <usize>i) != first) continue;
    if (memory.compare(p + <usize>i, tid, <usize>n) == 0) return true;
  }
  return false;
}

/** Oldest unfinished message of session si with chunks left, or -1. */
function headOut(si: i32): i32 {
  let best = -1, bestSeq: u32 = 0xffffffff;
  for (let o = 0; o < MSRP_OUT_MAX; o++) {
    const m = outAt(o);
    if (m.used != 0 && m.sess == si && m.seq < bestSeq) { best = o; bestSeq = m.seq; }
  }
  return best;
}

/** Message o may put frames on the wire now: its session is bound and it is the session's head. */
function canSend(o: i32): bool {
  const si = outAt(o).sess;
  const s = sessAt(si);
  return s.state == MsrpSessState.Bound && s.conn >= 0 && headOut(si) == o;
}

/**
 * Send-window share of one message (transactions it may have open): the window minus the
 * binds in progress, split evenly over the messages that can send now (plus `extra` about to
 * start). Everything a room function promises then fits at once, whatever the order of the
 * writes (Σ share - inflight <= free transactions).
 */
function txnShare(extra: i32): i32 {
  let binds = 0;
  for (let t = 0; t < MSRP_TXN_MAX; t++) { const x = txnAt(t); if (x.used != 0 && x.out < 0) binds++; }
  let k = extra;
  for (let o = 0; o < MSRP_OUT_MAX; o++) if (outAt(o).used != 0 && canSend(o)) k++;
  if (k < 1) k = 1;
  const sh = (MSRP_TXN_MAX - binds) / k;
  return sh < 1 ? 1 : sh;
}

/** Free transaction slots (the send window left, all sessions together). */
export function msrpTxnFree(): i32 {
  initOnce();
  let n = 0;
  for (let t = 0; t < MSRP_TXN_MAX; t++) if (txnAt(t).used == 0) n++;
  return n;
}

// @ts-ignore: decorator
@inline function tracks(fr: i32): bool { return fr == 0 || fr == REPORT_YES; }

/** TX arena bytes one frame with n body bytes may take (headers, end-line, the id of a MESSAGE_SENT). */
function frameNeed(si: i32, o: i32, n: i32): i32 {
  const s = sessAt(si);
  const m = outAt(o);
  return 200 + s.remoteLen + s.localLen + m.idLen + m.ctLen + n + 96;
}

/**
 * Whole frames message o could emit right now (same checks as emitFrame). The TX arena and
 * the action queue count as drained when the queue is empty (the next call starts there).
 */
function framesNow(o: i32, share: i32): i32 {
  const m = outAt(o);
  const si = m.sess;
  const txl = actCount == 0 ? 0 : txLen;
  let f = (MSRP_TX_CAP - txl) / frameNeed(si, o, MSRP_CHUNK_SIZE);
  const fa = MSRP_ACT_MAX - actCount - 1;
  if (fa < f) f = fa;
  if (tracks(m.fr)) {
    const ft = share - m.inflight;
    if (ft < f) f = ft;
    const free = msrpTxnFree();
    if (free < f) f = free;
  }
  return f < 0 ? 0 : f;
}

function pump(): void {
  for (let si = 0; si < MSRP_SESS_MAX; si++) {
    const s = sessAt(si);
    if (s.state != MsrpSessState.Bound || s.conn < 0) continue;
    // bounded: each pass emits one chunk of the head message, frees it, or stops
    for (let k = 0; k < MSRP_TXN_MAX + MSRP_OUT_MAX * 4 + 8; k++) {
      const o = headOut(si);
      if (o < 0) break;
      const m = outAt(o);
      if (m.stream != 0) {
        // streams are driven by msrpStreamWrite; here only what is due without the caller
        if (!streamPump(o)) break;   // still open (or no room): the next message waits
        continue;                    // the stream ended and freed its slot: the next one may go
      }
      if (m.next >= m.bodyLen) break;   // waiting for the last responses of the head message
      if (!emitChunk(si, o)) return;    // no room: stop for every session, keep the order
    }
  }
}

function emitChunk(si: i32, o: i32): bool {
  const m = outAt(o);
  const n = min(MSRP_CHUNK_SIZE, m.bodyLen - m.next);
  return emitFrame(o, m.bodyPtr + <usize>m.next, n, m.next + n >= m.bodyLen ? 0x24 : 0x2b);
}

/**
 * One SEND frame of message o: body [body, body+n) (n = 0: no body, no Content-Type, §7.1.1),
 * Byte-Range next+1 - next+n / total, end-line flag '+' '$' or '#' (§5.1). Tracked (one
 * transaction per frame) when Failure-Report is yes (or absent) and the flag is not '#'.
 * A '$' frame without a transaction ends the message at once (MESSAGE_SENT); a '#' frame
 * frees the slot without an event. False, with nothing changed, when there is no room.
 */
function emitFrame(o: i32, body: usize, n: i32, flag: i32): bool {
  const m = outAt(o);
  const si = m.sess;
  const s = sessAt(si);
  const c = connAt(s.conn);
  if (!room(frameNeed(si, o, n), 2)) return false;
  const tracked = flag != 0x23 && tracks(m.fr);
  let ti = -1;
  let tid: usize = TX + <usize>(MSRP_TX_CAP - TID_CAP);   // untracked: a scratch tid at the arena end
  if (tracked) {
    // the send window: this message's share, then any free slot (the next 200 frees one)
    if (m.inflight >= txnShare(0)) return false;
    for (let t = 0; t < MSRP_TXN_MAX; t++) if (txnAt(t).used == 0) { ti = t; break; }
    if (ti < 0) return false;
    tid = tidOf(ti);
  }
  for (let r = 0; r < 4; r++) {
    randomIdent(tid, TID_LEN);
    if (!tidInBody(tid, TID_LEN, body, n)) break;
  }
  const d = TX + <usize>txLen;
  const cap = MSRP_TX_CAP - TID_CAP - txLen;
  const total: i64 = m.stream != 0 ? m.total : <i64>m.bodyLen;
  let w = msrpBuildSend(d, cap, tid, TID_LEN, remoteOf(si), s.remoteLen, localOf(si), s.localLen,
    outIdOf(o), m.idLen, <i64>m.next + 1, <i64>m.next + <i64>n, total, m.sr, m.fr, outCtOf(o), n > 0 ? m.ctLen : 0);
  if (w < 0 || n > cap - w) return false;
  if (n > 0) memory.copy(d + <usize>w, body, <usize>n);
  w += n;
  // §5.1: '+' more chunks follow, '$' this chunk ends the message, '#' the message is interrupted
  const e = msrpBuildEndLine(d + <usize>w, cap - w, tid, TID_LEN, flag, n > 0);
  if (e < 0) return false;
  w += e;
  txLen += w;
  push(MsrpAct.SendBytes, handleOf(si), <i32>c.hostId, d, w, 0, 0, 0, 0);
  m.next += n;
  m.frames++;
  if (flag == 0x23) { freeOut(o); return true; }
  if (flag == 0x24) { m.fin = 1; m.finSent = 1; }
  if (tracked) {
    const x = txnAt(ti);
    x.used = 1; x.sess = si; x.out = o; x.conn = s.conn; x.tidLen = TID_LEN;
    x.deadline = lastNow + <f64>MSRP_TXN_TIMEOUT_MS;
    m.inflight++;
  } else if (flag == 0x24) {
    // §7.1.1 Failure-Report no/partial: no 200 will come, the message is out once written
    push(MsrpAct.MessageSent, handleOf(si), -1, 0, 0, outIdOf(o), m.idLen, 0, <f64>m.next);
    freeOut(o);
  }
  return true;
}

// ---- public: streamed messages -------------------------------------------------------------
// A relay sends a message while it arrives, without ever holding it whole: the caller offers
// the body piece by piece (msrpStreamWrite copies it into SEND frames at once). Pieces are
// coalesced in the slot's stage (one MSRP_CHUNK_SIZE buffer per slot) so frames are whole
// chunks whatever the piece sizes; a partial chunk waits in the stage for more bytes, for
// last = true, or for the total to be reached.

/** Stream slot of handle sh (slot | gen << 8), -1 (BadHandle) when stale or not a stream. */
function streamSlot(sh: i32): i32 {
  initOnce();
  if (sh < 0) { lastErr = MsrpSessErr.BadHandle; return -1; }
  const o = sh & 0xff;
  if (o >= MSRP_OUT_MAX) { lastErr = MsrpSessErr.BadHandle; return -1; }
  const m = outAt(o);
  if (m.used == 0 || m.stream == 0 || m.abort != 0 || m.gen != (<u32>sh >>> 8)) { lastErr = MsrpSessErr.BadHandle; return -1; }
  return o;
}

/** The stage of stream o holds bytes that the next frame must carry now (full, or the end). */
function stageDue(o: i32): bool {
  const m = outAt(o);
  if (m.staged <= 0) return false;
  if (m.staged >= MSRP_CHUNK_SIZE || m.fin != 0) return true;
  return m.total != RANGE_STAR && <i64>m.next + <i64>m.staged >= m.total;
}

/** Stream o has a frame to emit without the caller: a due stage, the '$' or the '#'. */
function streamDue(o: i32): bool {
  const m = outAt(o);
  if (m.abort != 0) return true;
  if (stageDue(o)) return true;
  return m.fin != 0 && m.finSent == 0;
}

/** The stage goes out as one frame; '$' when it ends the message. */
function emitStage(o: i32): bool {
  const m = outAt(o);
  const reaches = m.total != RANGE_STAR && <i64>m.next + <i64>m.staged >= m.total;
  if (!emitFrame(o, stageOf(o), m.staged, (m.fin != 0 || reaches) ? 0x24 : 0x2b)) return false;
  if (outAt(o).used != 0) m.staged = 0;
  return true;
}

/** Emits what stream o has due. True when the stream ended and its slot is free. */
function streamPump(o: i32): bool {
  const m = outAt(o);
  const gen = m.gen;
  if (!canSend(o)) return false;
  if (m.abort != 0) {
    // §5.1: an interrupted message ends with '#'; the receiver keeps what it got
    if (!emitFrame(o, 0, 0, 0x23)) return false;
    return true;
  }
  if (stageDue(o) && !emitStage(o)) return false;
  if (outAt(o).used == 0 || outAt(o).gen != gen) return true;
  // last = true after a '+' frame and nothing staged: an empty final chunk carries the '$'
  if (m.fin != 0 && m.finSent == 0 && m.staged == 0) {
    if (!emitFrame(o, 0, 0, 0x24)) return false;
  }
  return outAt(o).used == 0 || outAt(o).gen != gen;
}

/**
 * Opens a streamed outgoing message on session h (§7.1.1). total = body length if known, or
 * -1 (Byte-Range total '*'). msgId = ident (4..32 chars), ctype = media type; reports as for
 * msrpSendMessage. Returns a stream handle (slot | gen << 8) or -1 (msrpLastError():
 * OutPoolFull, BadHandle, BadState (session Failed), TooLarge (total > the peer's max-size),
 * BadArg). Messages of a session go out in the order they were started/queued: the stream
 * sends only after every earlier message of its session ended, and later ones wait for it.
 */
export function msrpStreamStart(h: i32, msgIdPtr: usize, msgIdLen: i32, ctypePtr: usize, ctypeLen: i32, total: i64,
  successReport: i32, failureReport: i32, now: f64): i32 {
  enter();
  if (now >= 0) lastNow = now;
  const si = slotOf(h); if (si < 0) return -1;
  const s = sessAt(si);
  if (msgIdLen < 4 || msgIdLen > MSRP_MSGID_CAP || ctypeLen <= 0 || ctypeLen > MSRP_CTYPE_CAP || total < RANGE_STAR
    || successReport < 0 || successReport > REPORT_NO || failureReport < 0 || failureReport > REPORT_PARTIAL) {
    lastErr = MsrpSessErr.BadArg; return -1;
  }
  if (s.state == MsrpSessState.Failed) { lastErr = MsrpSessErr.BadState; return -1; }
  // positions are i32 (like msrpSendMessage bodies); §8 the peer's max-size
  if (total != RANGE_STAR && (<u64>total > s.remoteMaxSize || total > <i64>0x7fffffff)) { lastErr = MsrpSessErr.TooLarge; return -1; }
  let o = -1;
  for (let i = 0; i < MSRP_OUT_MAX; i++) if (outAt(i).used == 0) { o = i; break; }
  if (o < 0) { lastErr = MsrpSessErr.OutPoolFull; return -1; }
  const m = outAt(o);
  m.used = 1; m.sess = si; m.seq = outSeqNext++; m.bodyPtr = 0; m.bodyLen = 0; m.next = 0;
  m.idLen = msgIdLen; m.ctLen = ctypeLen; m.sr = successReport; m.fr = failureReport; m.inflight = 0;
  m.total = total; m.stream = 1; m.staged = 0; m.fin = 0; m.finSent = 0; m.abort = 0; m.frames = 0;
  memory.copy(outIdOf(o), msgIdPtr, <usize>msgIdLen);
  memory.copy(outCtOf(o), ctypePtr, <usize>ctypeLen);
  lastErr = MsrpSessErr.Ok;
  return o | <i32>(m.gen << 8);
}

/**
 * Offers the next len body bytes of stream sh; they are copied at once (into SEND frames in
 * the TX arena, or into the stream's stage). Frames carry MSRP_CHUNK_SIZE body bytes; a '$'
 * goes on the frame that reaches the total, or, with last = true, on the frame that carries
 * the last of these bytes (last = true, len = 0: the staged rest, or an empty frame after a
 * '+' one). Returns how many bytes were taken (0..len; fewer when the send window, the TX
 * arena or the action queue is full, or 0 while the stream waits behind an earlier message
 * of its session or its session is not bound): drain the queue and offer the rest later.
 * -1 (msrpLastError): BadHandle (stale: the message ended, failed or was aborted), BadArg
 * (len < 0, past total, or last = true short of total), TooLarge (past the peer's max-size
 * with total '*'), BadState (bytes after the end).
 */
export function msrpStreamWrite(sh: i32, ptr: usize, len: i32, last: bool, now: f64): i32 {
  enter();
  if (now >= 0) lastNow = now;
  const o = streamSlot(sh); if (o < 0) return -1;
  const m = outAt(o);
  const si = m.sess;
  if (len < 0) { lastErr = MsrpSessErr.BadArg; return -1; }
  if (m.fin != 0) {
    // the end was already given (or the total reached): only an empty write is harmless
    if (len == 0) { lastErr = MsrpSessErr.Ok; return 0; }
    lastErr = MsrpSessErr.BadState; return -1;
  }
  const accepted: i64 = <i64>m.next + <i64>m.staged;
  const after: i64 = accepted + <i64>len;
  if (m.total != RANGE_STAR && (after > m.total || (last && after != m.total))) { lastErr = MsrpSessErr.BadArg; return -1; }
  if (<u64>after > sessAt(si).remoteMaxSize || after > <i64>0x7fffffff) { lastErr = MsrpSessErr.TooLarge; return -1; }
  lastErr = MsrpSessErr.Ok;
  if (!canSend(o)) return 0;
  const gen = m.gen;
  let taken = 0;
  // bounded: every pass emits a frame, fills the stage, or stops
  const rounds = 2 * (len / MSRP_CHUNK_SIZE) + 8;
  for (let r = 0; r < rounds; r++) {
    if (outAt(o).used == 0 || outAt(o).gen != gen) break;
    if (m.staged > 0) {
      if (m.staged >= MSRP_CHUNK_SIZE || (m.total != RANGE_STAR && <i64>m.next + <i64>m.staged >= m.total)) {
        if (last && taken == len) m.fin = 1;   // nothing else comes: this frame carries the '$'
        if (!emitStage(o)) break;
        continue;
      }
      if (taken >= len) break;
      const k = min(MSRP_CHUNK_SIZE - m.staged, len - taken);
      memory.copy(stageOf(o) + <usize>m.staged, ptr + <usize>taken, <usize>k);
      m.staged += k; taken += k;
      continue;
    }
    if (taken >= len) break;
    const rest = len - taken;
    const n = min(MSRP_CHUNK_SIZE, rest);
    const reaches = m.total != RANGE_STAR && <i64>m.next + <i64>n >= m.total;
    const final = reaches || (last && n == rest);
    if (n == MSRP_CHUNK_SIZE || final) {
      // a whole chunk (or the end) straight from the caller's bytes
      if (final) m.fin = 1;
      if (emitFrame(o, ptr + <usize>taken, n, final ? 0x24 : 0x2b)) { taken += n; continue; }
      m.fin = 0;
    }
    // short piece, or no room for a frame: keep the bytes in the stage
    memory.copy(stageOf(o), ptr + <usize>taken, <usize>n);
    m.staged = n; taken += n;
  }
  if (outAt(o).used != 0 && outAt(o).gen == gen) {
    if (last && taken == len) m.fin = 1;
    if (m.total != RANGE_STAR && <i64>m.next + <i64>m.staged >= m.total) m.fin = 1;
    streamPump(o);   // a due stage or the final '$' (else they go out on a later call)
  }
  pump();
  return taken;
}

/**
 * Body bytes msrpStreamWrite(sh, ...) would take right now (assuming the action queue is
 * drained before the write when it is drained now): the stage's free part plus whole chunks
 * for the frames the send window share, the TX arena and the action queue allow. 0 while the
 * stream waits (earlier message of its session, session not bound) or after its end;
 * -1 for a stale handle.
 */
export function msrpStreamRoom(sh: i32): i32 {
  const o = streamSlot(sh); if (o < 0) return -1;
  const m = outAt(o);
  if (m.fin != 0 || !canSend(o)) return 0;
  const f = framesNow(o, txnShare(0));
  let r: i64 = <i64>(MSRP_CHUNK_SIZE - m.staged) + <i64>f * <i64>MSRP_CHUNK_SIZE;
  const accepted: i64 = <i64>m.next + <i64>m.staged;
  if (m.total != RANGE_STAR && m.total - accepted < r) r = m.total - accepted;
  const mx: i64 = <i64>min<u64>(sessAt(m.sess).remoteMaxSize, 0x7fffffff) - accepted;
  if (mx < r) r = mx;
  return r < 0 ? 0 : <i32>r;
}

/**
 * Body bytes the first msrpStreamWrite of a stream started on session h now would take
 * (Failure-Report yes assumed): 0 when h is not Bound, when an earlier message of h is still
 * open (the new one would wait) or when no slot is free; -1 for a stale handle.
 */
export function msrpSessionRoom(h: i32): i32 {
  const si = slotOf(h); if (si < 0) return -1;
  const s = sessAt(si);
  if (s.state != MsrpSessState.Bound || s.conn < 0) return 0;
  let free = -1;
  for (let o = 0; o < MSRP_OUT_MAX; o++) {
    const m = outAt(o);
    if (m.used == 0) { if (free < 0) free = o; continue; }
    if (m.sess == si) return 0;
  }
  if (free < 0) return 0;
  const txl = actCount == 0 ? 0 : txLen;
  // the frame size of a stream with the largest id and Content-Type
  let f = (MSRP_TX_CAP - txl) / (200 + s.remoteLen + s.localLen + MSRP_MSGID_CAP + MSRP_CTYPE_CAP + MSRP_CHUNK_SIZE + 96);
  const fa = MSRP_ACT_MAX - actCount - 1;
  if (fa < f) f = fa;
  const ft = txnShare(1);
  if (ft < f) f = ft;
  const fr = msrpTxnFree();
  if (fr < f) f = fr;
  if (f < 0) f = 0;
  let r: i64 = <i64>MSRP_CHUNK_SIZE + <i64>f * <i64>MSRP_CHUNK_SIZE;
  const mx: i64 = <i64>min<u64>(s.remoteMaxSize, 0x7fffffff);
  if (mx < r) r = mx;
  return <i32>r;
}

/**
 * §5.1: interrupts stream sh. When frames went out, the message ends with a '#' frame (no
 * body; Byte-Range next+1-next/total) as soon as there is room (now, or from a later call);
 * staged bytes are dropped. Nothing went out yet, or the '$' already did: the slot is just
 * freed. Its open transactions are forgotten (their responses are ignored); no MESSAGE_SENT
 * or SEND_FAILED follows. The handle is stale at once. 0, or -1 for a stale handle.
 */
export function msrpStreamAbort(sh: i32, now: f64): i32 {
  enter();
  if (now >= 0) lastNow = now;
  const o = streamSlot(sh); if (o < 0) return -1;
  const m = outAt(o);
  for (let t = 0; t < MSRP_TXN_MAX; t++) { const x = txnAt(t); if (x.used != 0 && x.out == o) x.used = 0; }
  m.inflight = 0;
  m.staged = 0;
  if (m.frames == 0 || m.finSent != 0) {
    freeOut(o);
  } else {
    m.abort = 1;
    let g = (m.gen + 1) & GEN_MASK;   // stale now; the slot lives on until the '#' is out
    if (g == 0) g = 1;
    m.gen = g;
  }
  pump();
  lastErr = MsrpSessErr.Ok;
  return 0;
}

// ---- public: timers --------------------------------------------------------------------------

/** Transactions older than MSRP_TXN_TIMEOUT_MS fail with 408 (§7.1 / §5.3). */
export function msrpOnTimer(now: f64): void {
  enter();
  lastNow = now;
  // RFC 4976 §5.1: an AUTH without answer fails the relay; the grant is refreshed before Expires
  if (relayTidLen > 0 && relayTxnDeadline >= 0 && now >= relayTxnDeadline) relayFail(MSRP_CODE_TIMEOUT);
  else if (relayTidLen == 0 && relayState == MsrpRelayState.Ready && relayReauthAt >= 0 && now >= relayReauthAt && room(2048, 2)) {
    relayReauthAt = -1;
    relayTries = 0;
    if (!sendAuth(false)) relayFail(500);
  }
  for (let t = 0; t < MSRP_TXN_MAX; t++) {
    const x = txnAt(t);
    if (x.used == 0 || x.deadline > now) continue;
    if (!room(64, 2)) break;   // the rest fire on the next call
    txnFailed(t, MSRP_CODE_TIMEOUT);
  }
  abortIdle(now);
  pump();
}

/** Earliest transaction deadline (ms), -1 when none. */
export function msrpNextDeadline(): f64 {
  initOnce();
  let d: f64 = -1;
  for (let t = 0; t < MSRP_TXN_MAX; t++) {
    const x = txnAt(t);
    if (x.used != 0 && (d < 0 || x.deadline < d)) d = x.deadline;
  }
  if (relayTidLen > 0 && relayTxnDeadline >= 0 && (d < 0 || relayTxnDeadline < d)) d = relayTxnDeadline;
  if (relayTidLen == 0 && relayReauthAt >= 0 && (d < 0 || relayReauthAt < d)) d = relayReauthAt;
  const di = inNextDeadline(inIdleMs);
  if (di >= 0 && (d < 0 || di < d)) d = di;
  return d;
}

function txnFailed(t: i32, code: i32): void {
  const x = txnAt(t);
  const si = x.sess;
  if (x.out < 0) {
    const s = sessAt(si);
    push(MsrpAct.SendFailed, handleOf(si), -1, 0, 0, bindIdOf(si), s.bindIdLen, code, 0);
    s.state = MsrpSessState.Failed;
    x.used = 0;
    return;
  }
  failOut(x.out, code);   // frees every transaction of that message too
}

function txnAcked(t: i32): void {
  const x = txnAt(t);
  const si = x.sess;
  x.used = 0;
  if (x.out < 0) {
    // §5.4: the 200 to our first SEND: the connection now carries this session
    sessAt(si).state = MsrpSessState.Bound;
    push(MsrpAct.SessionBound, handleOf(si), -1, 0, 0, 0, 0, 0, 0);
    return;
  }
  const o = x.out;
  const m = outAt(o);
  m.inflight--;
  const done = m.stream != 0 ? m.finSent != 0 : m.next >= m.bodyLen;
  if (done && m.inflight <= 0) {
    push(MsrpAct.MessageSent, handleOf(si), -1, 0, 0, outIdOf(o), m.idLen, 0, <f64>m.next);
    freeOut(o);
  }
}

// ---- public: receiving -----------------------------------------------------------------------

/**
 * Bytes from connection `conn` (any split). Returns how many were consumed; when fewer than
 * len, the action queue is full: drain it and call again with the rest. A connection the
 * host never announced is taken as accepted (passive). A framing error closes the
 * connection (CLOSE, SESSION_LOST for its sessions); other connections are not touched.
 */
export function msrpOnStream(conn: u32, ptr: usize, len: i32, now: f64): i32 {
  enter();
  lastNow = now;
  if (len < 0) len = 0;
  let ci = connFind(conn);
  if (ci < 0) {
    ci = connNew(conn);
    if (ci < 0) {
      push(MsrpAct.Close, -1, <i32>conn, 0, 0, 0, 0, 0, 0);
      lastErr = MsrpSessErr.ConnPoolFull;
      return len;
    }
  }
  const p = parserOf(ci);
  let off = 0;
  // every feed consumes bytes or reports an event that consumes none (never several in a row
  // without progress), so 3*len + 8 rounds bound the loop
  const rounds = 3 * len + 8;
  for (let r = 0; r < rounds; r++) {
    if (!room(STEP_TX, STEP_ACTS)) break;
    const used = msrpFeed(p, ptr + <usize>off, len - off);
    off += used;
    const ev = p.event;
    if (ev == MsrpEvent.None) break;
    if (ev == MsrpEvent.Error) {
      // §9 framing broken: no resync is possible. A SEND whose tid we know could be answered,
      // but the stream position is lost, so the connection goes (the peer sees the close).
      push(MsrpAct.Close, -1, <i32>conn, 0, 0, 0, 0, p.err, 0);
      connGone(ci);
      off = len;
      break;
    }
    if (ev == MsrpEvent.Headers) onHeaders(ci);
    else if (ev == MsrpEvent.Body) onBody(ci, p.bodyPtr, p.bodyLen);
    else if (ev == MsrpEvent.End) onEnd(ci);
  }
  pump();
  return off;
}

/** Answers the current request of connection ci (its view is valid until the next frame). */
function respond(ci: i32, code: i32, reason: string): void {
  const p = parserOf(ci);
  const d = TX + <usize>txLen;
  const n = msrpBuildResponseTo(d, MSRP_TX_CAP - txLen, p, code, reason);
  if (n < 0) return;   // paths longer than the step reserve: nothing sensible to send
  txLen += n;
  push(MsrpAct.SendBytes, -1, <i32>connAt(ci).hostId, d, n, 0, 0, code, 0);
}

/** Error answer unless the request forbids it (§7.1.2 REPORT, §7.3.1 Failure-Report: no). */
function respondErr(ci: i32, code: i32, reason: string): void {
  const c = connAt(ci);
  c.fDeliver = 0;
  c.fCode = 0;
  if (code == 0 || c.fNoAnswer != 0) return;
  respond(ci, code, reason);
}

function onHeaders(ci: i32): void {
  const c = connAt(ci);
  const p = parserOf(ci);
  const b = p.hdrBuf;
  c.fSess = -1; c.fDeliver = 0; c.fCode = 0; c.fReport = 0; c.fNoAnswer = 0; c.fPartial = 0;
  c.fOff = 0; c.fTotal = RANGE_STAR; c.fEnd = RANGE_STAR;
  if (p.isRequest == 0) { onResponse(ci); return; }
  // §7.1.2: REPORTs are never answered; §7.3.1: Failure-Report: no -> no response at all
  c.fNoAnswer = (p.method == MsrpMethod.REPORT || p.failureReport == REPORT_NO) ? 1 : 0;
  c.fPartial = p.failureReport == REPORT_PARTIAL ? 1 : 0;
  const e = p.err;
  if (e != 0) { respondErr(ci, msrpErrCode(e), msrpErrReason(e)); return; }
  // §10 501: an endpoint implements SEND and REPORT; AUTH (RFC 4976) is for relays
  if (p.method != MsrpMethod.SEND && p.method != MsrpMethod.REPORT) { respondErr(ci, 501, msrpErrReason(MsrpErr.UnknownMethod)); return; }
  // §7.3: the To-Path names a session of ours on this connection: its LAST URI is ours (relays
  // remove themselves from the front as they forward, RFC 4976 §6)
  if (!lastUri(U1, b, p.valOff(p.iToPath), p.valLen(p.iToPath))) { respondErr(ci, 400, "bad To-Path"); return; }
  const si = findSessById(b + <usize>U1.sessOff, U1.sessLen);
  if (si < 0) { respondErr(ci, 481, msrpErrReason(MsrpErr.UnknownSession)); return; }
  const s = sessAt(si);
  if (s.conn >= 0 && s.conn != ci) { respondErr(ci, 481, "session bound to another connection"); return; }
  const fOff = p.valOff(p.iFromPath), fLen = p.valLen(p.iFromPath);
  if (s.remoteLen > 0 && !fromMatches(si, b, fOff, fLen)) { respondErr(ci, 403, "From-Path does not match"); return; }
  if (s.conn < 0) {
    // §5.4: the passive endpoint binds the connection on the first SEND for the session;
    // an active session binds only through its own bind transaction
    if (s.active != 0 || p.method != MsrpMethod.SEND || s.state == MsrpSessState.Failed) {
      respondErr(ci, 481, "session not bound to this connection"); return;
    }
    if (s.remoteLen == 0 && s.viaRelay == 0) {
      // the SDP answer has not arrived yet: keep the From-Path until msrpSessionSetRemote confirms it
      if (fLen > MSRP_PATH_CAP) { respondErr(ci, 403, "From-Path too long"); return; }
      memory.copy(remoteOf(si), b + <usize>fOff, <usize>fLen);
      s.remoteLen = fLen; s.remoteProvisional = 1;
    }
    s.conn = ci; c.nSess++;
    s.state = MsrpSessState.Bound;
    push(MsrpAct.SessionBound, handleOf(si), -1, 0, 0, 0, 0, 0, 0);
  }
  c.fSess = si;
  // a SEND without Message-ID was refused above (§7.1.1); a REPORT without one reports on nothing
  const idp: usize = p.iMessageId >= 0 ? b + <usize>p.valOff(p.iMessageId) : 0;
  const idl = p.iMessageId >= 0 ? p.valLen(p.iMessageId) : 0;
  if (p.method == MsrpMethod.REPORT) {
    // §7.1.2 / §7.3.2: a report on a message we sent; Status carries the code
    push(MsrpAct.ReportResult, handleOf(si), -1, 0, 0, idp, idl, p.statusCode, <f64>(p.rangeEnd > 0 ? p.rangeEnd : <i64>0));
    return;
  }
  // §8 a=max-size, §10 413: "stop sending this message"
  if (p.rangeTotal != RANGE_STAR && <u64>p.rangeTotal > s.maxSize) { respondErr(ci, 413, msrpErrReason(MsrpErr.TooLarge)); return; }
  const answer200 = c.fNoAnswer == 0 && c.fPartial == 0;
  let k = inFind(si, idp, idl);
  if (p.hasBody == 0) {
    c.fCode = answer200 ? 200 : 0;
    // §5.1: a chunk may be empty; one that continues a message being received (same
    // Message-ID) can end it with '$' or interrupt it with '#' (a sender that streams learns
    // of the end only after its last '+' chunk). Any other empty SEND is a bind / keep-alive
    // (§5.4 / §7.1.1): just the 200.
    if (k < 0 || p.rangeStart <= 0) return;
    const e = inChunkCheck(k, p.rangeStart, p.rangeEnd, p.rangeTotal);
    if (e != InErr.Ok) { refuseMessage(ci, k, e); return; }
    c.fMsg = k;
    c.fOff = <u64>(p.rangeStart - 1);
    c.fTotal = p.rangeTotal; c.fEnd = p.rangeEnd;
    c.fDeliver = 1;
    c.fReport = p.successReport == REPORT_YES ? 1 : 0;
    inAt(k).lastMs = lastNow;
    return;
  }
  // §7.1.1: no Byte-Range = the whole message in this chunk (start 1, total unknown: '*')
  const start: i64 = p.rangeStart > 0 ? p.rangeStart : 1;
  const end: i64 = p.rangeStart > 0 ? p.rangeEnd : RANGE_STAR;
  const total: i64 = p.rangeStart > 0 ? p.rangeTotal : RANGE_STAR;
  if (k < 0) {
    // a new message: its first chunk starts at byte 1 (a chunk of a message we do not know —
    // never started, interrupted by '#', or aborted — cannot be placed: 400)
    const e = inFirstCheck(start, end, total);
    if (e != InErr.Ok) { respondErr(ci, inErrCode(e), inErrReason(e)); return; }
    // §7.3 / §8.6: the first chunk of a message names its type; one we did not offer -> 415
    let t = MSRP_TYPE_OTHER;
    if (p.iContentType >= 0) {
      t = typeOf(b, p.valOff(p.iContentType), p.valLen(p.iContentType));
      const bit = t == MSRP_TYPE_CPIM ? MSRP_ACCEPT_CPIM : t == MSRP_TYPE_TEXT ? MSRP_ACCEPT_TEXT : 0;
      if (s.acceptMask != 0 && (s.acceptMask & bit) == 0) { respondErr(ci, 415, "Unsupported Media Type"); return; }
    }
    k = inNew(si, idp, idl, total, p.failureReport == REPORT_NO, lastNow);
    if (k < 0) { respondErr(ci, inErrCode(-k), inErrReason(-k)); return; }
    inAt(k).type = t;
    s.inType = t;
  } else {
    const e = inChunkCheck(k, start, end, total);
    if (e != InErr.Ok) { refuseMessage(ci, k, e); return; }
    inAt(k).lastMs = lastNow;
  }
  c.fMsg = k;
  c.fOff = <u64>(start - 1);
  c.fTotal = total;
  c.fEnd = end;
  c.fDeliver = 1;
  c.fCode = answer200 ? 200 : 0;
  c.fReport = p.successReport == REPORT_YES ? 1 : 0;
}

/** A chunk that cannot continue message k: answered with its code at once (not 200 then
 *  dropped), and the message ends here — its receivers get MESSAGE_ABORTED with that code. */
function refuseMessage(ci: i32, k: i32, e: i32): void {
  const code = inErrCode(e);
  respondErr(ci, code, inErrReason(e));
  abortMessage(k, code);
}

/** MESSAGE_ABORTED for incoming record k (code 0 = the sender's '#'), and the record is free. */
function abortMessage(k: i32, code: i32): void {
  const m = inAt(k);
  if (m.sess < 0) return;
  pushMsg = k;
  push(MsrpAct.MessageAborted, handleOf(m.sess), -1, 0, 0, inIdPtr(k), m.idLen, code, <f64>m.recv);
  for (let i = 0; i < MSRP_CONN_MAX; i++) {
    const c = connAt(i);
    if (c.used != 0 && c.fMsg == k) { c.fMsg = -1; c.fDeliver = 0; }
  }
  inFree(k);
}

/** Every message session si is receiving ends with MESSAGE_ABORTED(code). */
function abortIncoming(si: i32, code: i32): void {
  for (let g = 0, k = inNextOfSession(si, 0); k >= 0 && g < 64; g++, k = inNextOfSession(si, k + 1)) abortMessage(k, code);
}

function onBody(ci: i32, ptr: usize, len: i32): void {
  const c = connAt(ci);
  if (c.fDeliver == 0 || c.fSess < 0 || c.fMsg < 0 || len <= 0) return;
  const p = parserOf(ci);
  const si = c.fSess;
  const s = sessAt(si);
  const k = c.fMsg;
  const m = inAt(k);
  const before = <u64>(p.bodyTotal - <i64>len);
  const offset = c.fOff + before;
  // §8 max-size also holds when the total is '*'; §7.1.1 the body must fit its Byte-Range.
  // The bytes up to the limit are delivered whatever the read sizes were (split-invariant).
  let room64: u64 = offset < s.maxSize ? s.maxSize - offset : 0;
  let limit = 413;
  if (c.fEnd != RANGE_STAR) {
    const rangeLen = c.fEnd - <i64>c.fOff;   // chunk length the Byte-Range announced
    const left: u64 = <i64>before < rangeLen ? <u64>(rangeLen - <i64>before) : 0;
    if (left < room64) { room64 = left; limit = 400; }
  }
  if (m.total != RANGE_STAR) {
    // a known total is never passed, whatever the chunk's own range said ('*' end)
    const left: u64 = <u64>m.total > offset ? <u64>m.total - offset : 0;
    if (left < room64) { room64 = left; limit = 400; }
  }
  const fit = <u64>len <= room64 ? len : <i32>room64;
  if (fit > 0) {
    // pieces from the parser's holdback area are overwritten by later feeds in this call: copy them
    let q = ptr;
    if (ptr >= p.hold && ptr < p.hold + <usize>MSRP_HOLD_CAP) { q = txCopy(ptr, fit); if (q == 0) return; }
    pushMsg = k;
    pushAux = <f64>m.total;
    push(MsrpAct.DeliverPiece, handleOf(si), -1, q, fit, inIdPtr(k), m.idLen, m.type | (m.noReport != 0 ? PIECE_NO_REPORT : 0), <f64>offset);
    m.recv += <u64>fit;
  }
  if (fit < len) {
    abortMessage(k, limit);
    c.fCode = c.fNoAnswer != 0 ? 0 : limit;
  }
}

function onEnd(ci: i32): void {
  const c = connAt(ci);
  const p = parserOf(ci);
  if (p.isRequest == 0) return;
  const si = c.fSess;
  const k = c.fMsg;
  let code = c.fCode;
  let flag = p.flag;
  if (si >= 0 && c.fDeliver != 0 && k >= 0 && flag != 0x23) {
    const got = c.fOff + <u64>p.bodyTotal;
    // §7.1.1: the body fills its Byte-Range; a '$' chunk ends at the total (else bytes are missing)
    const short = c.fEnd != RANGE_STAR && <i64>got != c.fEnd;
    const t = inAt(k).total;
    const early = flag == 0x24 && t != RANGE_STAR && <i64>got != t;
    if (short || early) {
      if (code != 0 || c.fPartial != 0) code = c.fNoAnswer != 0 ? 0 : 400;
      abortMessage(k, 400);
      flag = 0;
    }
  }
  // §7.2: the response goes out once the whole chunk arrived (errors went out at the headers):
  // after every piece of it was delivered, so a 200 means the bytes were taken
  if (code != 0) respond(ci, code, code == 200 ? "OK" : (code == 413 ? msrpErrReason(MsrpErr.TooLarge) : "bad request"));
  if (si < 0 || c.fDeliver == 0 || c.fMsg < 0) { c.fSess = -1; c.fDeliver = 0; c.fMsg = -1; return; }
  const m = inAt(k);
  if (flag == 0x23) {
    // §5.1 '#': the sender interrupted the message; what arrived was delivered, the rest of it
    // (should the sender go on anyway) is refused: the record is gone
    abortMessage(k, 0);
  } else if (flag == 0x24) {
    const got = c.fOff + <u64>p.bodyTotal;
    pushMsg = k;
    push(MsrpAct.MessageDone, handleOf(si), -1, 0, 0, inIdPtr(k), m.idLen, 0, <f64>got);
    // §7.1.3: Success-Report: yes -> REPORT 000 200 covering the whole message
    if (c.fReport != 0) sendReport(ci, si, k, got);
    inFree(k);
  }
  c.fSess = -1; c.fDeliver = 0; c.fMsg = -1;
}

function sendReport(ci: i32, si: i32, k: i32, total: u64): void {
  const p = parserOf(ci);
  const b = p.hdrBuf;
  const tid = TX + <usize>txLen;
  if (MSRP_TX_CAP - txLen < TID_CAP) return;
  randomIdent(tid, TID_LEN);
  txLen += TID_LEN;
  const d = TX + <usize>txLen;
  // To-Path = the SEND's From-Path, From-Path = the URI it was sent to (§7.1.2)
  const n = msrpBuildReport(d, MSRP_TX_CAP - txLen, tid, TID_LEN,
    b + <usize>p.valOff(p.iFromPath), p.valLen(p.iFromPath), b + <usize>p.valOff(p.iToPath), p.valLen(p.iToPath),
    inIdPtr(k), inAt(k).idLen, 1, <i64>total, <i64>total, 200, "OK");
  if (n < 0) return;
  txLen += n;
  push(MsrpAct.SendBytes, handleOf(si), <i32>connAt(ci).hostId, d, n, 0, 0, 0, 0);
}

/**
 * §7.1.2: a failure REPORT (Status 000 code) to the sender of message id on session h, for
 * bytes 1-byteEnd: the message (or part of it) that got its 200s could not be delivered (a
 * recipient gone, the message interrupted or timed out). Only when its Failure-Report allows
 * (the caller checks). 0, or -1 when the session has no connection or no room.
 */
export function msrpSendFailureReport(h: i32, idPtr: usize, idLen: i32, code: i32, byteEnd: i64, now: f64): i32 {
  enter();
  if (now >= 0) lastNow = now;
  const si = slotOf(h); if (si < 0) return -1;
  const s = sessAt(si);
  if (s.conn < 0 || s.state != MsrpSessState.Bound || idLen <= 0 || idLen > MSRP_MSGID_CAP) return -1;
  if (!room(1024 + s.remoteLen + s.localLen, 2)) return -1;
  const tid = TX + <usize>txLen;
  randomIdent(tid, TID_LEN);
  txLen += TID_LEN;
  const d = TX + <usize>txLen;
  const st: i64 = byteEnd > 0 ? 1 : 0;
  const n = msrpBuildReport(d, MSRP_TX_CAP - txLen, tid, TID_LEN, remoteOf(si), s.remoteLen, localOf(si), s.localLen,
    idPtr, idLen, st, byteEnd, RANGE_STAR, code, code == MSRP_CODE_TIMEOUT ? "Request Timeout" : "not delivered");
  if (n < 0) return -1;
  txLen += n;
  push(MsrpAct.SendBytes, h, <i32>connAt(s.conn).hostId, d, n, 0, 0, 0, 0);
  return 0;
}

/** Connection conn's parser is inside a frame's body (its next bytes are body bytes). */
export function msrpConnInBody(conn: i32): bool {
  initOnce();
  const ci = connFind(<u32>conn);
  return ci >= 0 && msrpInBody(parserOf(ci));
}

let inIdleMs: f64 = <f64>MSRP_IN_IDLE_MS;

/**
 * The caller stops (held = true) or resumes reading connection conn. While held, the messages
 * arriving on it do not go idle; on resume their idle clocks start again from now.
 */
export function msrpConnHold(conn: i32, held: bool, now: f64): void {
  initOnce();
  const ci = connFind(<u32>conn);
  if (ci < 0) return;
  const c = connAt(ci);
  if ((c.held != 0) == held) return;
  c.held = held ? 1 : 0;
  for (let k = 0; k < MSRP_IN_MAX; k++) {
    const m = inAt(k);
    if (m.sess >= 0 && sessAt(m.sess).conn == ci) { if (held) inSkip(k); else m.lastMs = now; }
  }
}
/** How long an incoming message may wait for its next chunk before it is aborted (ms). */
export function msrpSetInIdleMs(ms: i32): void { inIdleMs = ms > 0 ? <f64>ms : <f64>MSRP_IN_IDLE_MS; }

/** Incoming messages idle past inIdleMs: aborted (408), the sender told with a REPORT (§7.1.2). */
function abortIdle(now: f64): void {
  for (let g = 0; g < 64; g++) {
    if (!room(2048, 4)) return;   // the rest go on the next call
    const k = inIdle(now, inIdleMs, 0);
    if (k < 0) return;
    const m = inAt(k);
    if (m.noReport == 0) msrpSendFailureReport(handleOf(m.sess), inIdPtr(k), m.idLen, MSRP_CODE_TIMEOUT, <i64>m.recv, now);
    abortMessage(k, MSRP_CODE_TIMEOUT);
  }
}

function onResponse(ci: i32): void {
  const p = parserOf(ci);
  // §7.2: a malformed response is dropped (never answered)
  if (p.err != 0 || p.status < 100) return;
  const tp = p.hdrBuf + <usize>p.tidOff;
  if (connAt(ci).relay != 0 && relayTidLen > 0 && relayTidLen == p.tidLen && memory.compare(RELAY_TID, tp, <usize>p.tidLen) == 0) {
    onAuthResponse(ci);
    return;
  }
  for (let t = 0; t < MSRP_TXN_MAX; t++) {
    const x = txnAt(t);
    if (x.used == 0 || x.conn != ci || x.tidLen != p.tidLen) continue;
    if (memory.compare(tidOf(t), tp, <usize>p.tidLen) != 0) continue;
    if (p.status == 200) txnAcked(t); else txnFailed(t, p.status);
    return;
  }
  // not ours: a response to a frame the send queues (msrp/sendq.ts) wrote on this connection
  push(MsrpAct.Response, -1, <i32>connAt(ci).hostId, 0, 0, tp, p.tidLen, p.status, 0);
}

/** Test hook: back to the initial state (every pool empty, queue empty). */
export function msrpSessReset(): void {
  inited = false;
  initOnce();
  actHead = 0; actCount = 0; actDropped = 0; txLen = 0; lastErr = 0; lastNow = 0; outSeqNext = 1; pushMsg = -1; pushAux = 0;
  inIdleMs = <f64>MSRP_IN_IDLE_MS;
  rng = 0x243f6a8885a308d3;
  relayState = MsrpRelayState.None; relayConn = -1; usePathLen = 0; relayTidLen = 0; relayReauthAt = -1;
  relayTxnDeadline = -1; relayTries = 0; relayUriLen = 0;
}
