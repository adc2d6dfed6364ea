// check driver for cpim — PLACEHOLDER, owned by the cpim parser work; replaced with the real driver.
import { resultSet } from "./result";
export function cpimCheckOpen(flags: i32, maxSize: u64, optPtr: usize, optLen: i32): void {}
export function cpimCheckFeed(src: usize, n: i32): void {}
export function cpimCheckClose(): void { resultSet(false, 0, "not implemented"); }
