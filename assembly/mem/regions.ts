// Fixed regions shared with the host (STYLE "Thin host"): the host writes received
// bytes into the inbox and calls one export; the core writes actions to the outbox.
// Because linear memory never grows, the host can keep one Uint8Array view.
import { INBOX_CAP, OUTBOX_CAP } from "./limits";

export const INBOX: usize = memory.data(INBOX_CAP, 16);
export const OUTBOX: usize = memory.data(OUTBOX_CAP, 16);
