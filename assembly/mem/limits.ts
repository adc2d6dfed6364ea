// Every size in the core, in one place (TigerBeetle: put a limit on everything).
// Linear memory is MEMORY_PAGES pages, fixed at build time (asconfig.json sets
// initialMemory == maximumMemory == MEMORY_PAGES); regions are reserved with
// memory.data() so they are laid out by the compiler and never allocated at run time.

/** Wasm pages (64 KiB each). Must equal initialMemory/maximumMemory in asconfig.json. */
export const MEMORY_PAGES: i32 = 24;

/** Host -> core bytes (one read from a socket, one datagram, one command). */
export const INBOX_CAP: i32 = 65536;
/** Core -> host action records and the bytes they carry. */
export const OUTBOX_CAP: i32 = 65536;

/** Stream connections (TCP for SIP and MSRP) the core can track at once. */
export const CONN_MAX: i32 = 16;
/** Per-connection receive buffer: a whole SIP message over TCP, or an MSRP header section. */
export const CONN_RX_CAP: i32 = 8192;

/** Header lines in one SIP message; more -> 513 Message Too Large (STYLE: HDR_MAX). */
export const SIP_HDR_MAX: i32 = 64;
/** Header lines in one MSRP frame; more -> 400. */
export const MSRP_HDR_MAX: i32 = 24;
/** Header lines in one CPIM message (message headers + content headers). */
export const CPIM_HDR_MAX: i32 = 32;
/** a= attributes / media sections we keep per SDP body. */
export const SDP_ATTR_MAX: i32 = 48;
export const SDP_MEDIA_MAX: i32 = 8;

/** Largest SIP message we accept as a datagram or over a stream (RFC 3261 §18.1.1 MTU rules aside). */
export const SIP_MSG_MAX: i32 = 65535;
/** RFC 4975 §9: ident = ALPHANUM 3*31ident-char -> 4..32 characters. */
export const MSRP_TID_MAX: i32 = 32;
/** Default a=max-size we advertise / enforce for incoming MSRP messages (RFC 4975 §8). */
export const MSRP_MAX_SIZE_DEFAULT: u64 = 16777216;

/** Reason text buffer (ASCII) for the last error, read by the host. */
export const REASON_CAP: i32 = 128;

/** Largest SDP body the check driver accumulates (SIP bodies are small); more -> 413. */
export const SDP_BODY_MAX: i32 = 16384;
/** Largest message/cpim body the check driver accumulates; more -> 413. */
export const CPIM_BODY_MAX: i32 = 16384;
/** URIs kept per a=path (RFC 4975 §8: relays first, then the endpoint). */
export const SDP_PATH_MAX: i32 = 8;

/** MSRP end-line holdback: CRLF "-------" tid(<=32) flag CRLF is at most 44 bytes (RFC 4975 §9). */
export const MSRP_HOLD_CAP: i32 = 48;
/** Bytes of the comma-separated known-session list the MSRP check driver keeps. */
export const MSRP_SESS_LIST_CAP: i32 = 512;

// ---- Registrar location table (assembly/server/location.ts, RFC 3261 §10.3) ----
/** Address-of-record slots in the location table; none free (and none reclaimable) -> 503. */
export const LOC_AOR_MAX: i32 = 32;
/** Contact bindings kept per AOR; one more -> 503 (RFC 3261 leaves the limit to the registrar). */
export const LOC_CONTACT_MAX: i32 = 4;
/** Bytes of a canonical AOR ("sips:" user "@" host ":" port); longer -> 404 (cannot be a user here). */
export const LOC_AOR_CAP: i32 = 128;
/** Bytes of a stored Contact URI (copied, the proxy forwards to it); longer -> 500. */
export const LOC_URI_CAP: i32 = 256;
/** Call-ID bytes stored per binding; longer Call-IDs are kept as prefix + length + FNV-1a hash. */
export const LOC_CALLID_CAP: i32 = 128;
/** Received source address bytes ("[v6]:port" text) per binding; longer -> not stored. */
export const LOC_SRC_CAP: i32 = 64;
/** Pending "registration change" events; when full, new events are dropped and counted. */
export const LOC_EVENT_MAX: i32 = 32;
/** RFC 3261 §10.3 step 7: 0 < expires < this -> 423 Interval Too Brief (+ Min-Expires). */
export const MIN_EXPIRES_S: i32 = 60;
/** Longer requested intervals are shortened to this (§10.3 step 7: the registrar MAY shorten). */
export const MAX_EXPIRES_S: i32 = 3600;
/** No expires param and no Expires header: registrar's default (§10.2.1.1, one hour). */
export const DEFAULT_EXPIRES_S: i32 = 3600;

/** RFC 3261 §17 transaction records in the fixed pool (handle = index | generation << 8, so <= 256). Full -> 503 + Retry-After.
 *  A record is 180 bytes without its message; over UDP a completed one lingers 32 s (Timer J/D), so a
 *  burst through the proxy (a server + a client record per BYE) tops out near TXN_MAX / 2 calls and the
 *  sustained UDP rate is about TXN_MAX / 32 s non-INVITE transactions per second. */
export const TXN_MAX: i32 = 256;
/** Largest message a transaction keeps for retransmission over UDP (request, final response, ACK); longer -> MsgTooLong. */
export const TXN_MSG_CAP: i32 = 4096;
/** Shared arena of the messages transactions keep, taken in runs of TXN_ARENA_UNIT bytes: a record
 *  holds only what its state still has to re-send (a completed one: its final response or ACK, often
 *  ~450 bytes, so ~190 of them fit). Less than TXN_MSG_CAP left -> new UDP transactions get 503. */
export const TXN_ARENA_BYTES: i32 = 86016;
export const TXN_ARENA_UNIT: i32 = 64;
/** Branch bytes kept per transaction for the §17.2.3 match (longer branches also keep a hash of the whole). */
export const TXN_BRANCH_CAP: i32 = 48;
/** Transaction action queue (records the caller drains); a few per transaction per call. */
export const TXN_ACT_MAX: i32 = 128;

/** SIP check driver buffer (assembly/check/sip.ts): one datagram or the whole stream input. */
export const SIP_CHECK_CAP: i32 = 65536;

// ---- Dialogs (assembly/sip/dialog.ts, RFC 3261 §12) ----
/** Dialogs in the fixed pool (handle = index | generation << 8, so <= 256). Full -> 486 Busy Here (§21.4.24). */
export const DIALOG_MAX: i32 = 16;
/** Call-ID bytes kept per dialog; longer -> the dialog is refused (500 at a UAS). */
export const DIALOG_CALLID_CAP: i32 = 128;
/** Bytes of one tag (local or remote) kept per dialog. */
export const DIALOG_TAG_CAP: i32 = 64;
/** Bytes of the local / remote name-addr (From/To value without its tag) and of the remote target URI. */
export const DIALOG_URI_CAP: i32 = 256;
/** Route set entries per dialog (§12.1.1/§12.1.2: one per Record-Route value); more -> refused. */
export const DIALOG_ROUTE_MAX: i32 = 8;
/** Bytes of all route set entries of one dialog together. */
export const DIALOG_ROUTE_CAP: i32 = 1024;

// ---- Embedded IM server (assembly/server/*.ts, assembly/agent.ts) ----
/** Bytes of the served domain (--domain) and of the listen address text "ip:port". */
export const SRV_DOMAIN_CAP: i32 = 128;
export const SRV_ADDR_CAP: i32 = 64;
/** UDP peers remembered (address text per transaction peer id), reused round-robin. */
export const SRV_UDP_PEER_MAX: i32 = 64;
/** Proxy transaction pairs (server txn <-> client txn, §16), each released as soon as both sides have
 *  their final response (the lingering transactions need no pair), so only requests in progress hold one. Full -> 503. */
export const SRV_PAIR_MAX: i32 = 16;
/** Original request bytes kept per pair (for CANCEL, ACK of non-2xx, 408/503 answers); longer -> 513. */
export const SRV_PAIR_MSG_CAP: i32 = 8192;
/** Scratch buffer where the server builds one outgoing message. */
export const SRV_BUILD_CAP: i32 = 65536;
/** §18.1.1: a request within 200 bytes of the 1500-byte MTU (so larger than 1300) goes over TCP. */
export const SRV_UDP_MTU_MAX: i32 = 1300;
/** Retry-After (s) of the 503 sent when the transaction or pair pool is full (§21.5.4). */
export const SRV_RETRY_AFTER_S: i32 = 5;

// ---- MSRP sessions (assembly/msrp/session.ts, RFC 4975) ----
/** MSRP sessions in the fixed pool (handle = index | generation << 8, so <= 256). Full -> MsrpSessErr.PoolFull (503-equivalent). */
export const MSRP_SESS_MAX: i32 = 16;
/** MSRP connections (each owns a MsrpParser + a CONN_RX_CAP header buffer). Full -> the new connection is closed. */
export const MSRP_CONN_MAX: i32 = 8;
/** Outgoing chunk body size (RFC 4975 §7.1.1: small chunks keep relays and the other sessions on a connection responsive; 2 KiB keeps Kamailio's relay happy). */
export const MSRP_CHUNK_SIZE: i32 = 2048;
/** Outstanding outgoing SEND transactions (one per chunk awaiting its response): the send window. */
export const MSRP_TXN_MAX: i32 = 64;
/** RFC 4975 §7.1 / §5.3: a SEND without a response after this long has failed (408-equivalent). */
export const MSRP_TXN_TIMEOUT_MS: i32 = 30000;
/** Outgoing messages queued (all sessions together); full -> MsrpSessErr.OutPoolFull. */
export const MSRP_OUT_MAX: i32 = 8;
/** Incoming messages tracked at once, all sessions together (assembly/msrp/inbound.ts): one per
 *  Message-ID whose chunks are still arriving (RFC 4975 §5.1 lets chunks of different messages
 *  interleave). None free -> the new message is refused with 413 ("stop sending this message"). */
export const MSRP_IN_MAX: i32 = 16;
/** Incoming messages one session may have open at once, so one sender cannot take them all. */
export const MSRP_IN_PER_SESS: i32 = 4;
/** An incoming message whose next chunk has not come for this long is aborted: its relays end
 *  with '#' and the sender gets a 408 REPORT (RFC 4975 §7.1.2). Configurable at start. */
export const MSRP_IN_IDLE_MS: i32 = 10000;

// ---- Per-recipient send queues (assembly/msrp/sendq.ts): relayed and own messages ----
/** Queues: one per member session of the chat role (the host's members, or a participant's host). */
export const MSRP_Q_MAX: i32 = 8;
/** Body bytes one queue holds until they go out: what a slow member may lag behind before its
 *  senders are held back (TCP flow control). A 200 for a chunk means its bytes are in here. */
export const MSRP_Q_BYTES: i32 = 16384;
/** Messages one queue holds (queued, going out, or waiting for their last 200). */
export const MSRP_Q_MSGS: i32 = 48;
/** Data segments (runs of one message's bytes) one queue holds. */
export const MSRP_Q_SEGS: i32 = 128;
/** SEND transactions one queue keeps in flight (the pipelining window, one per chunk). */
export const MSRP_Q_WINDOW: i32 = 32;
/** A queue that has had bytes to send or chunks unanswered and made no progress for this long
 *  is stalled: the chat evicts its member (BYE, "left" with the reason). Configurable at start. */
export const MSRP_Q_STALL_MS: i32 = 10000;
/** Bytes a feed step may add to one queue beyond its body bytes (segment headers, a rebuilt CPIM
 *  header that is longer than the sender's). */
export const MSRP_Q_SLACK: i32 = 2560;

/** Action records the caller drains after every call. */
export const MSRP_ACT_MAX: i32 = 256;
/** Bytes the MSRP session layer writes per call (frames, ids, addresses) before it applies back-pressure. */
export const MSRP_TX_CAP: i32 = 32768;
/** Bytes of our own MSRP URI (msrp://host:port/sessid;tcp). */
export const MSRP_LOCAL_URI_CAP: i32 = 192;
/** Bytes of the remote a=path (relays then the peer, RFC 4975 §8). */
export const MSRP_PATH_CAP: i32 = 512;
/** RFC 4975 §14.1: session ids carry at least 80 bits of randomness -> at least 10 random bytes; more than 20 are ignored. */
export const MSRP_SESSID_RANDOM_MIN: i32 = 10;
export const MSRP_SESSID_RANDOM_MAX: i32 = 20;
/** Message-ID = ident (RFC 4975 §9): at most 32 characters. */
export const MSRP_MSGID_CAP: i32 = 32;
/** Content-Type value kept per outgoing message. */
export const MSRP_CTYPE_CAP: i32 = 128;
/** RFC 4976 relay client: bytes of the relay URI ("msrp://host:port;tcp"). Longer -> refused. */
export const MSRP_RELAY_URI_CAP: i32 = 192;
/** Digest user name and password for the relay (RFC 4976 §5.1). Longer -> refused. */
export const MSRP_RELAY_CRED_CAP: i32 = 64;
/** Use-Path the relay granted (RFC 4976 §5.1: the relay URIs put before ours in a=path). */
export const MSRP_USE_PATH_CAP: i32 = 256;
/** Bytes of one WWW-Authenticate challenge kept between the 401 and the retry (realm, nonce, opaque). */
export const MSRP_RELAY_CHALLENGE_CAP: i32 = 512;
/** AUTH attempts answered with 401 before the relay is given up (a wrong password loops otherwise). */
export const MSRP_RELAY_AUTH_TRIES: i32 = 3;

// ---- Chat host (focus) and participant roles (assembly/chat/*.ts, RFC 7701) ----
/** Chat rooms one agent hosts at once (the handset's own chat, or server-hosted sip:chat-<id>@domain). Full -> 503. */
export const CHAT_MAX: i32 = 4;
/** Members per chat, the host included. Full -> the member is refused (486 Busy Here). */
export const CHAT_MEMBER_MAX: i32 = 8;
/** Bytes of a member AOR and of a chat URI (copied: the invite/dialog bytes are gone by the time we fan out). Longer -> refused. */
export const CHAT_AOR_CAP: i32 = 128;
/** Bytes of a nickname (RFC 7701 nicknames; RFC 8266 leaves the length to the application). Longer -> 424. */
export const CHAT_NICK_CAP: i32 = 32;
/** Fan-out body buffer: the rebuilt message/cpim (a CPIM_BODY_MAX body plus room for the rewritten From/To/DateTime). Larger -> 413. */
export const CHAT_OUT_CAP: i32 = 17408;
/** Focus action records per call (fan-out, joined/left events, BYE-all): a few per member. */
export const CHAT_ACT_MAX: i32 = 32;
/** Invitations / chats the participant role tracks at once. Full -> the INVITE is refused (486). */
export const CHAT_PART_MAX: i32 = 8;
/** Chat role (assembly/chat/agent_chat.ts): the CPIM header blocks of an incoming message are
 *  collected up to this many bytes before the content streams on (larger -> dropped, 413). */
export const CHAT_HDR_CAP: i32 = 2048;
/** Bytes of one MSRP connection fed to the MSRP layer per step (back-pressure granularity). */
export const CHAT_FEED_STEP: i32 = 2048;

// ---- UA role (assembly/ua/agent_ua.ts) ----
/** Our AOR "sip:user@domain" (bytes). */
export const UA_AOR_CAP: i32 = 128;
/** Calls (SIP INVITE dialogs) the UA handles at once: a chat host INVITEs up to
 *  CHAT_MEMBER_MAX - 1 participants. None free -> an incoming INVITE gets 486, uaCallStart Busy. */
export const UA_CALL_MAX: i32 = 8;
/** Per call: copy of its INVITE (ours, or the one we are answering): dialog creation, CANCEL, ACK.
 *  A larger incoming INVITE -> 500; a larger outgoing one -> UaErr.Build. */
export const UA_INVITE_CAP: i32 = 4096;
/** Per call: copy of the last response to an incoming INVITE (re-sent when the INVITE is retransmitted, 2xx until the ACK). */
export const UA_RESP_CAP: i32 = 4096;
/** Per call: copy of the ACK for a 2xx (re-sent for a retransmitted 2xx, §13.2.2.4). */
export const UA_ACK_CAP: i32 = 2048;
/** Per call: Call-ID bytes of an incoming INVITE; longer -> 500. */
export const UA_CALLID_CAP: i32 = 64;
/** Per call: the peer's AOR URI (From of an incoming INVITE, our target); longer From -> kept empty. */
export const UA_PEER_CAP: i32 = 256;
/** UA event queue records (assembly/ua/agent_ua.ts uaEvPop); full -> events dropped and counted. */
export const UA_EV_MAX: i32 = 64;
/** Bytes of copied event data (SDP bodies, From URIs, MESSAGE bodies) held until the queue drains.
 *  No room for an INVITE's offer -> 503; for a MESSAGE body -> 503 (413 when larger than the arena). */
export const UA_EV_ARENA_CAP: i32 = 16384;
/** Default REGISTER interval asked for (§10.2.1), seconds. */
export const UA_REG_EXPIRES_S: i32 = 600;

// ---- UA digest authentication (assembly/ua/agent_ua.ts, RFC 3261 §22, RFC 2617) ----
/** Auth username (default: the AOR's user part) and password set with uaCredentials; longer -> BadArg. */
export const UA_AUTH_USER_CAP: i32 = 128;
export const UA_AUTH_PASS_CAP: i32 = 128;
/** Per request context (REGISTER, MESSAGE, each call): a copy of the last Digest challenge value
 *  (WWW-/Proxy-Authenticate); a longer challenge is not answered (the 401/407 reaches the app). */
export const UA_AUTH_CH_CAP: i32 = 512;
/** The Authorization / Proxy-Authorization header line we add (name, value, CRLF). */
export const UA_AUTH_HDR_CAP: i32 = 1280;
/** Pager MESSAGE body kept for a re-send after a 401/407 (uaMessageSend's body limit). */
export const UA_MSG_BODY_CAP: i32 = 8192;
