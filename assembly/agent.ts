// Wasm ABI of the embedded IM server (exports only; the logic is in assembly/server/).
// The host copies input into the inbox (inboxPtr()), calls ONE of these, then performs the
// outbox records (assembly/mem/outbox.ts documents their layout) and calls outboxReset(),
// and arms one timer for nextDeadline(). `now` is the host's clock in ms (performance.now());
// the core never reads a clock or an entropy source.
//
//   serverInit(domainLen, listenLen, seedLo, seedHi): i32
//       inbox = domain bytes then listen address "ip:port" ("[v6]:port"); domainLen 0 = the
//       listen host is the domain. seed = 64 random bits (crypto.getRandomValues) for branches
//       and tags. 0 ok, 1 bad listen address.
//   onDatagram(sock, fromLen, len, now): i32       inbox = peer "ip:port" text then the datagram
//   onStreamOpen(addrLen): i32                     inbox = peer "ip:port"; returns the connection
//                                                  id the core gives an accepted connection, -1 =
//                                                  refuse (table full: close the socket)
//   onStream(conn, len, now): i32                  inbox = bytes read from connection conn;
//                                                  returns the bytes taken (see onStream)
//   onStreamClosed(conn, now)                      the socket closed or a CONNECT failed
//   onTimer(now)                                   the timer armed for nextDeadline() fired
//   nextDeadline(): f64                            ms on the same clock, -1 = nothing armed
//   outboxLen(): i32 / outboxReset()               bytes of records queued / empty the outbox
//   outboxDropped(): u32                           records lost because the outbox was full

import { INBOX } from "./mem/regions";
import { outboxUsed, outboxClear, outboxDroppedCount } from "./mem/outbox";
import {
  serverStart, serverDatagram, serverStreamOpen, serverStream, serverStreamClosed, serverTimer,
  serverNextDeadline,
} from "./server/server";
import { proxyPairs } from "./server/proxy";
// UA role hooks (assembly/ua_agent.ts): after uaInit the same entry points drive the UA core.
import { uaReady, uaStop, uaDatagram, uaStreamOpen, uaStream, uaStreamClosed, uaTimer, uaNextDeadline } from "./ua/agent_ua";
// Chat role hooks (assembly/chat_agent.ts): after chatInit the entry points drive the chat agent.
import {
  chatReady, chatStop, chatDatagram, chatSipStreamOpen, chatSipStream, chatSipStreamClosed, chatMsrpStream,
  chatMsrpClosed, chatTimer, chatNextDeadline, MSRP_CONN_ID_BASE,
} from "./chat/agent_chat";

export function serverInit(domainLen: i32, listenLen: i32, seedLo: u32, seedHi: u32): i32 {
  if (domainLen < 0 || listenLen <= 0 || domainLen + listenLen > 4096) return 1;
  uaStop();
  chatStop();
  return serverStart(INBOX, domainLen, INBOX + <usize>domainLen, listenLen, seedLo, seedHi);
}
export function onDatagram(sock: i32, fromLen: i32, len: i32, now: f64): i32 {
  if (chatReady()) return chatDatagram(INBOX, sock, fromLen, len, now);
  if (uaReady()) return uaDatagram(INBOX, sock, fromLen, len, now);
  return serverDatagram(INBOX, sock, fromLen, len, now);
}
export function onStreamOpen(addrLen: i32): i32 {
  if (chatReady()) return chatSipStreamOpen(INBOX, addrLen);
  if (uaReady()) return uaStreamOpen(INBOX, addrLen);
  return serverStreamOpen(INBOX, addrLen);
}
/** Returns how many bytes the core took (every role, every connection): fewer than len means
 *  the core cannot hold more now; the host keeps the rest, reads no more from that socket, and
 *  offers it again when a RESUME record names the connection (mem/outbox.ts). SIP connections
 *  always take everything (a message that cannot be framed closes the connection instead). */
export function onStream(conn: i32, len: i32, now: f64): i32 {
  if (len < 0) return -1;
  if (chatReady()) return conn >= MSRP_CONN_ID_BASE ? chatMsrpStream(INBOX, conn, len, now) : chatSipStream(INBOX, conn, len, now);
  if (uaReady()) { uaStream(INBOX, conn, len, now); return len; }
  serverStream(INBOX, conn, len, now);
  return len;
}
export function onStreamClosed(conn: i32, now: f64): void {
  if (chatReady()) { if (conn >= MSRP_CONN_ID_BASE) chatMsrpClosed(conn, now); else chatSipStreamClosed(conn, now); return; }
  if (uaReady()) { uaStreamClosed(conn, now); return; }
  serverStreamClosed(conn);
}
export function onTimer(now: f64): void {
  if (chatReady()) { chatTimer(now); return; }
  if (uaReady()) { uaTimer(now); return; }
  serverTimer(now);
}
export function nextDeadline(): f64 {
  if (chatReady()) return chatNextDeadline();
  if (uaReady()) return uaNextDeadline();
  return serverNextDeadline();
}
export function outboxLen(): i32 { return outboxUsed(); }
export function outboxReset(): void { outboxClear(); }
export function outboxDropped(): u32 { return outboxDroppedCount(); }
/** Live proxy pairs (tests: everything is released after a call ends). */
export function serverPairs(): i32 { return proxyPairs(); }
