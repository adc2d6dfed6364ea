// check driver for sip — PLACEHOLDER, owned by the sip parser work; replaced with the real driver.
import { resultSet } from "./result";
export function sipCheckOpen(flags: i32, maxSize: u64, optPtr: usize, optLen: i32): void {}
export function sipCheckFeed(src: usize, n: i32): void {}
export function sipCheckClose(): void { resultSet(false, 0, "not implemented"); }
