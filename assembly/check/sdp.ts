// check driver for sdp — PLACEHOLDER, owned by the sdp parser work; replaced with the real driver.
import { resultSet } from "./result";
export function sdpCheckOpen(flags: i32, maxSize: u64, optPtr: usize, optLen: i32): void {}
export function sdpCheckFeed(src: usize, n: i32): void {}
export function sdpCheckClose(): void { resultSet(false, 0, "not implemented"); }
