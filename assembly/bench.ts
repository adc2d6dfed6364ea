// Benchmark entry points (exported from index.ts) — owned by the bench work.
