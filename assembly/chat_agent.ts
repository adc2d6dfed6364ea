// Wasm ABI of the chat role (exports only; the logic is in assembly/chat/agent_chat.ts). After
// chatInit the transport entry points of assembly/agent.ts (onDatagram, onStream*, onTimer,
// nextDeadline) drive the chat agent; MSRP connections have ids >= 256 (MSRP_CONN_ID_BASE).
// Outbox records as in assembly/mem/outbox.ts, plus DATA (6) = chat content for the app.
//
//   chatInit(aorLen, serverLen, sipListenLen, msrpListenLen, transport, expiresS, flags,
//            seedLo, seedHi, now): i32
//       inbox = AOR, server "ip:port", SIP listen "ip:port", MSRP listen "ip:port";
//       flags 1 = host (creates the chat), 2 = accept invitations automatically, 4 (with 1) =
//       a server-hosted room (the focus is not a member). 0 ok.
//   chatRoomRequest(factoryLen, listLen, now)  participant: inbox = factory URI, then a
//                                         text/uri-list of members; MESSAGE to the IM server's
//                                         chat factory, which creates a room and invites them
//   chatInviteAor(aorLen, now)            host: INVITE the AOR in the inbox (seed step 2)
//   chatAcceptInvite(now) / chatRejectInvite(code, now)   participant
//   chatLeaveChat(now)                    participant: BYE; host: end the chat (BYE to all)
//   chatSendBegin(toLen, total, now)      app message: inbox = To AOR (toLen 0 = the room),
//                                         total = content bytes that chatSendMore will carry;
//                                         12 = the members' queues are full: retry on SEND_READY
//   chatSendMore(len, now): i32           inbox = content bytes; returns how many were taken
//   chatSendRoomNow(): i32                content bytes chatSendMore would take now
//   onMsrpAccept(addrLen): i32            an accepted MSRP connection: its id
//   chatJoined(): i32                     members up (host: joined participants)
//   chatSetMsrpRelay(uriLen, userLen, passLen, now): i32   RFC 4976 relay: inbox = relay URI
//                                         "msrp://HOST:PORT", digest user, password (after chatInit)
//   chatSetCredentials(userLen, passLen): i32   SIP digest credentials of the UA (RFC 3261 §22):
//                                         inbox = auth username (0: the AOR's user part), password;
//                                         right after chatInit. 0 ok, 2 bad argument
//   chatMsrpRelayState(): i32             0 none, 1 connecting, 2 AUTH, 3 ready, 4 failed
//   chatLimits(stallMs, idleMs)           relay limits (0 = mem/limits.ts defaults)
//   connKind(conn): i32                   1 SIP, 2 MSRP (labels for a wire tap)
// Results 0 = ok, else ChatCmdErr (assembly/chat/agent_chat.ts), also sent as an error event.

import { INBOX } from "./mem/regions";
import { INBOX_CAP } from "./mem/limits";
import {
  chatStart, chatInvite, chatAccept, chatReject, chatLeave, chatSendStart, chatSendData, chatSendRoom,
  chatMsrpOpen, chatMembers, chatSending, chatCmdReason, ChatCmdErr, chatCreateRoom,
  chatSetRelay, chatRelayState, chatCmdCode, chatCmdName, chatSetLimits, chatConnKind,
} from "./chat/agent_chat";
import { outEventOpen, outEventClose, outStr, outDec } from "./mem/outbox";
import { uaCredentials } from "./ua/agent_ua";

/** A refused command is also an error event: its name, protocol code and reason (never code 0). */
function report(r: i32): i32 {
  if (r != 0 && outEventOpen()) {
    outStr("{\"event\":\"error\",\"name\":\""); outStr(chatCmdName(r)); outStr("\",\"code\":"); outDec(<u32>chatCmdCode(r));
    outStr(",\"reason\":\""); outStr(chatCmdReason(r)); outStr("\",\"cmd\":");
    outDec(<u32>r); outStr("}");
    outEventClose();
  }
  return r;
}

export function chatInit(aorLen: i32, serverLen: i32, sipLen: i32, msrpLen: i32, transport: i32, expiresS: i32,
                         flags: i32, seedLo: u32, seedHi: u32, now: f64): i32 {
  if (aorLen < 0 || serverLen < 0 || sipLen < 0 || msrpLen < 0 || aorLen + serverLen + sipLen + msrpLen > INBOX_CAP) return ChatCmdErr.BadArg;
  return chatStart(INBOX, aorLen, serverLen, sipLen, msrpLen, transport, expiresS, flags, seedLo, seedHi, now);
}
export function chatInviteAor(aorLen: i32, now: f64): i32 {
  if (aorLen < 0 || aorLen > INBOX_CAP) return report(ChatCmdErr.BadArg);
  return report(chatInvite(INBOX, aorLen, now));
}
export function chatAcceptInvite(now: f64): i32 { return report(chatAccept(now)); }
export function chatRejectInvite(code: i32, now: f64): i32 { return report(chatReject(code, now)); }
export function chatLeaveChat(now: f64): i32 { return report(chatLeave(now)); }
export function chatSendBegin(toLen: i32, total: f64, now: f64): i32 {
  if (toLen < 0 || toLen > INBOX_CAP || !(total >= 0) || total > 4294967295.0) return report(ChatCmdErr.BadArg);
  const r = chatSendStart(INBOX, toLen, <i64>total, now);
  // Wait (12) is flow control, not a failure: the host retries on SEND_READY
  return r == ChatCmdErr.Wait ? r : report(r);
}
export function chatSendMore(len: i32, now: f64): i32 {
  if (len < 0 || len > INBOX_CAP) return -1;
  return chatSendData(INBOX, len, now);
}
export function chatSendRoomNow(): i32 { return chatSendRoom(); }
export function chatSendOpen(): i32 { return chatSending() ? 1 : 0; }
export function onMsrpAccept(addrLen: i32): i32 { return chatMsrpOpen(); }
export function chatJoined(): i32 { return chatMembers(); }
export function chatRoomRequest(factoryLen: i32, listLen: i32, now: f64): i32 {
  if (factoryLen < 0 || listLen < 0 || factoryLen + listLen > INBOX_CAP) return report(ChatCmdErr.BadArg);
  return report(chatCreateRoom(INBOX, factoryLen, INBOX + <usize>factoryLen, listLen, now));
}
export function chatSetMsrpRelay(uriLen: i32, userLen: i32, passLen: i32, now: f64): i32 {
  if (uriLen < 0 || userLen < 0 || passLen < 0 || uriLen + userLen + passLen > INBOX_CAP) return report(ChatCmdErr.BadArg);
  return report(chatSetRelay(INBOX, uriLen, userLen, passLen, now));
}
export function chatMsrpRelayState(): i32 { return chatRelayState(); }
export function chatSetCredentials(userLen: i32, passLen: i32): i32 {
  if (userLen < 0 || passLen < 0 || userLen + passLen > INBOX_CAP) return 2;
  return uaCredentials(INBOX, userLen, INBOX + <usize>userLen, passLen);
}
/** The relay's limits in ms (0 = default): member stall before eviction, incoming message idle before abort. */
export function chatLimits(stallMs: i32, idleMs: i32): void { chatSetLimits(stallMs, idleMs); }
/** What connection id is: 1 SIP, 2 MSRP (the host's wire tap labels; nothing else branches on it). */
export function connKind(conn: i32): i32 { return chatConnKind(conn); }
