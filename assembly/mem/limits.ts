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
