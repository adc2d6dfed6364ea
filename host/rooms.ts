// Server-hosted chat rooms (seed step 1: the chat "can be hosted on the IM Server as well").
// Next to the IM server, a chat factory registers as sip:chat@<domain> (the conference-factory
// pattern of RFC 4579 §3, with a pager-mode MESSAGE instead of an INVITE as the request): a
// member sends it a text/uri-list (RFC 2483) of the members it wants; the factory starts a
// room — our chat role in host mode with CHAT_ROOM, its own AOR sip:chat-<n>@<domain>,
// registered with the same server — which INVITEs every listed member with the same flow as
// a handset host. A room is closed when its chat ends. Each factory and room is its own
// fixed-memory core instance; this file only starts and stops them.
import { startUa, type RunningUa } from "./ua.ts";
import { startChat, type ChatAgent, type ChatEvent } from "./chat.ts";
import type { TapPoint } from "./wiretap.ts";

export interface RoomFactoryOptions {
  /** The IM server "ip:port" the factory and rooms register with. */
  server: string;
  domain: string;
  transport?: "udp" | "tcp";
  /** Local address for the factory's and rooms' sockets (default 127.0.0.1:0). */
  listen?: string;
  onEvent?: (ev: Record<string, unknown>) => void;
  wire?: TapPoint;
  /** Most rooms at once (each is one core instance). */
  maxRooms?: number;
}

export interface RoomFactory {
  readonly aor: string;
  rooms(): number;
  close(): Promise<void>;
}

/** URIs of a text/uri-list body (RFC 2483 §5: CRLF lines, '#' comments). */
export function parseUriList(body: string): string[] {
  return body.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0 && !l.startsWith("#") && /^sips?:[^\s<>]+$/.test(l));
}

export async function startRoomFactory(opt: RoomFactoryOptions): Promise<RoomFactory> {
  const aor = `sip:chat@${opt.domain}`;
  const rooms = new Map<number, ChatAgent>();
  let next = 1;
  let closed = false;
  const say = (ev: Record<string, unknown>) => opt.onEvent?.(ev);
  const openRoom = async (members: string[]) => {
    if (closed || members.length < 2 || rooms.size >= (opt.maxRooms ?? 4)) {
      say({ event: "error", code: 486, reason: `room refused for ${members.join(",")}` });
      return;
    }
    const n = next++;
    const roomAor = `sip:chat-${n}@${opt.domain}`;
    let invited = false;
    const agent: ChatAgent = await startChat({
      aor: roomAor, server: opt.server, transport: opt.transport, listen: opt.listen, host: true, room: true,
      wire: opt.wire ? { tap: opt.wire.tap, me: opt.wire.me } : undefined,
      onEvent: (ev: ChatEvent) => {
        say({ ...ev, room: roomAor });
        if (ev.event === "registered" && !invited) {
          invited = true;
          for (const m of members) agent.invite(m);
        }
        if (ev.event === "ended") {
          // let the BYEs and their 200s go out before the room's sockets close
          setTimeout(() => { rooms.delete(n); void agent.close(); }, 2000);
        }
      },
    });
    rooms.set(n, agent);
    say({ event: "room", room: roomAor, members });
  };
  const ua: RunningUa = await startUa({
    aor, server: opt.server, listen: opt.listen ?? "127.0.0.1:0", transport: opt.transport,
    onEvent: (ev) => {
      if (ev.event === "message" && typeof ev.body === "string") void openRoom(parseUriList(ev.body));
    },
  });
  return {
    aor,
    rooms: () => rooms.size,
    close: async () => {
      closed = true;
      for (const r of rooms.values()) await r.close();
      rooms.clear();
      await ua.close();
    },
  };
}
