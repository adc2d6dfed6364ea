// Wasm ABI of the UA role (exports only; the logic is in assembly/ua/agent_ua.ts). The same
// instance is either a server (serverInit) or a UA (uaInit); the transport entry points of
// assembly/agent.ts (onDatagram, onStream*, onTimer, nextDeadline) go to whichever was
// initialised last. Outbox records as in assembly/mem/outbox.ts; app events are EVENT records:
//   {"event":"registered","expires":N} {"event":"unregistered"}
//   {"event":"invited","from":URI,"via":N,"sdp":S}   (then uaCommand ACCEPT / REJECT)
//   {"event":"progress","code":N} {"event":"answered","routes":N,"sdp":S}
//   {"event":"acked","via":N} {"event":"bye","via":N} {"event":"ended","code":N}
//   {"event":"cancelled"} {"event":"message","body":S} {"event":"error","code":N,"reason":S}
// ("via" = Via values of the request received: 2 when it came through the server.)
//
//   uaInit(aorLen, serverLen, listenLen, transport, expiresS, seedLo, seedHi, now): i32
//       inbox = AOR "sip:user@domain", server "ip:port", our listen "ip:port"; transport 0 UDP,
//       1 TCP; expiresS 0 = default. Sends the first REGISTER. 0 ok, else UaErr.
//   uaCommand(op, aLen, bLen, now): i32
//       1 call: inbox = target AOR [aLen] then SDP offer [bLen]; 2 hangup; 3 accept: inbox = SDP
//       answer [aLen]; 4 reject: aLen = status; 5 unregister. 0 ok, else UaErr (+ error event).

import { INBOX } from "./mem/regions";
import { INBOX_CAP } from "./mem/limits";
import { uaStart, uaCmd, uaCallState, uaRegistered } from "./ua/agent_ua";

export function uaInit(aorLen: i32, serverLen: i32, listenLen: i32, transport: i32, expiresS: i32,
                       seedLo: u32, seedHi: u32, now: f64): i32 {
  if (aorLen < 0 || serverLen < 0 || listenLen < 0 || aorLen + serverLen + listenLen > INBOX_CAP) return 2;
  return uaStart(INBOX, aorLen, serverLen, listenLen, transport, expiresS, seedLo, seedHi, now);
}
export function uaCommand(op: i32, aLen: i32, bLen: i32, now: f64): i32 { return uaCmd(INBOX, op, aLen, bLen, now); }
/** 0 idle, 1 calling, 2 up (caller), 3 ringing, 4 up (callee), 5 ending. */
export function uaState(): i32 { return uaCallState(); }
export function uaIsRegistered(): i32 { return uaRegistered() ? 1 : 0; }
