// check driver for msrp — PLACEHOLDER, owned by the msrp parser work; replaced with the real driver.
import { resultSet } from "./result";
export function msrpCheckOpen(flags: i32, maxSize: u64, optPtr: usize, optLen: i32): void {}
export function msrpCheckFeed(src: usize, n: i32): void {}
export function msrpCheckClose(): void { resultSet(false, 0, "not implemented"); }
