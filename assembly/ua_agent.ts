// Wasm ABI of the UA role (exports only; the logic is in assembly/ua/agent_ua.ts). The same
// instance is either a server (serverInit) or a UA (uaInit); the transport entry points of
// assembly/agent.ts (onDatagram, onStream*, onTimer, nextDeadline) go to whichever was
// initialised last. Outbox records as in assembly/mem/outbox.ts; app events are EVENT records
// ("call" = the call handle, on every event that belongs to a call):
//   {"event":"registered","expires":N} {"event":"unregistered"}
//   {"event":"invited","call":C,"from":URI,"via":N,"sdp":S}   (then ACCEPT / REJECT)
//   {"event":"progress","call":C,"code":N} {"event":"answered","call":C,"routes":N,"sdp":S}
//   {"event":"acked","call":C,"via":N} {"event":"bye","call":C,"via":N} {"event":"ended","call":C,"code":N}
//   {"event":"cancelled","call":C} {"event":"message","body":S}
//   {"event":"error",["call":C,]"code":N,"reason":S}   (a failed call: code = its final status,
//       408 timeout, 503 transport; a refused command: code 0)
// ("via" = Via values of the request received: 2 when it came through the server.)
// Up to UA_CALL_MAX calls at once; a call handle is slot | generation << 8 (>= 256) and goes
// stale when the call ends.
//
//   uaInit(aorLen, serverLen, listenLen, transport, expiresS, seedLo, seedHi, now): i32
//       inbox = AOR "sip:user@domain", server "ip:port", our listen "ip:port"; transport 0 UDP,
//       1 TCP; expiresS 0 = default. Sends the first REGISTER. 0 ok, else UaErr.
//   uaCommand(op, aLen, bLen, now): i32
//       1 call: inbox = target AOR [aLen] then SDP offer [bLen] (the handle: uaLastCall());
//       2 hangup; 3 accept: inbox = SDP answer [aLen]; 4 reject: aLen = status; 5 unregister.
//       hangup / accept / reject act on the most recent call that can take them.
//       0 ok, else UaErr (+ error event): 1 not ready, 2 bad argument, 3 all call slots busy,
//       4 no call, 5 does not fit, 6 transaction pool full.
//   uaCommandCall(op, call, aLen, bLen, now): i32    the same on call handle `call` (-1: most recent)
//   uaLastCall(): i32            handle of the call the last CALL command started
//   uaState(): i32               state of the most recent live call (0 none)
//   uaStateOf(call): i32         1 calling, 2 up (caller), 3 ringing, 4 up (callee), 5 ending; -1 ended/stale
//   uaCalls(): i32               live calls
//   uaPeerPtr(call) / uaPeerLen(call)   the call's remote AOR URI in memory (From / our target)
//   uaJsonEvents(on)             1 (default): events become JSON EVENT records at the end of
//                                every call; 0: they stay queued for uaEvPop (what the chat role does)
//   uaSetCredentials(userLen, passLen): i32    digest credentials (RFC 3261 §22): inbox = auth
//       username [userLen] (0: the AOR's user part) then password [passLen]; before or after
//       uaInit. A 401/407 is answered once (again only for stale=true); a refused REGISTER is
//       {"event":"error","code":401|403|407,...}. 0 ok, 2 bad argument.
//   uaEvPop(): i32 kind (0 none, 1 registered .. 12 error, see UaEv), then uaEvCall(), uaEvCode(),
//   uaEvPtr() / uaEvLen() (SDP or MESSAGE body), uaEvAuxPtr() / uaEvAuxLen() (From URI)

import { INBOX } from "./mem/regions";
import { INBOX_CAP } from "./mem/limits";
import {
  uaStart, uaCmd, uaCmdCall, uaLastCall as lastCallHandle, uaCallState, uaCallStateOf, uaCallCount, uaRegistered,
  uaCallPeerPtr, uaCallPeerLen, uaSetJsonEvents, uaCredentials,
} from "./ua/agent_ua";
export { uaEvPop, uaEvCall, uaEvCode, uaEvPtr, uaEvLen, uaEvAuxPtr, uaEvAuxLen } from "./ua/agent_ua";

export function uaInit(aorLen: i32, serverLen: i32, listenLen: i32, transport: i32, expiresS: i32,
                       seedLo: u32, seedHi: u32, now: f64): i32 {
  if (aorLen < 0 || serverLen < 0 || listenLen < 0 || aorLen + serverLen + listenLen > INBOX_CAP) return 2;
  uaSetJsonEvents(true);   // plain UA mode: the app reads JSON EVENT records
  return uaStart(INBOX, aorLen, serverLen, listenLen, transport, expiresS, seedLo, seedHi, now);
}
export function uaCommand(op: i32, aLen: i32, bLen: i32, now: f64): i32 { return uaCmd(INBOX, op, aLen, bLen, now); }
export function uaCommandCall(op: i32, call: i32, aLen: i32, bLen: i32, now: f64): i32 { return uaCmdCall(INBOX, op, call, aLen, bLen, now); }
export function uaLastCall(): i32 { return lastCallHandle(); }
/** 0 idle, 1 calling, 2 up (caller), 3 ringing, 4 up (callee), 5 ending (the most recent live call). */
export function uaState(): i32 { return uaCallState(); }
export function uaStateOf(call: i32): i32 { return uaCallStateOf(call); }
export function uaCalls(): i32 { return uaCallCount(); }
export function uaIsRegistered(): i32 { return uaRegistered() ? 1 : 0; }
export function uaPeerPtr(call: i32): usize { return uaCallPeerPtr(call); }
export function uaPeerLen(call: i32): i32 { return uaCallPeerLen(call); }
export function uaJsonEvents(on: i32): void { uaSetJsonEvents(on != 0); }
export function uaSetCredentials(userLen: i32, passLen: i32): i32 {
  if (userLen < 0 || passLen < 0 || userLen + passLen > INBOX_CAP) return 2;
  return uaCredentials(INBOX, userLen, INBOX + <usize>userLen, passLen);
}
