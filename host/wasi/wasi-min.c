/*
 * The five WASI preview1 calls build/agent-wasi.wasm imports, for running it as a
 * native program compiled ahead of time with wabt's wasm2c (how integrators without
 * a JIT embed the module):
 *   wasm2c build/agent-wasi.wasm -n agent -o agent.c
 *   cc -O2 -I/usr/share/wabt/wasm2c agent.c /usr/share/wabt/wasm2c/wasm-rt-impl.c host/wasi/wasi-min.c -lm -o agent-native
 *   ./agent-native sip < message.dat
 * Every guest pointer is checked against the guest memory before use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "agent.h"

struct Z_wasi_snapshot_preview1_instance_t {
  wasm_rt_memory_t *mem;
  int argc;
  char **argv;
};

#define WASI_OK 0
#define WASI_EFAULT 21
#define WASI_EBADF 8

static int in_bounds(wasm_rt_memory_t *m, u32 off, u32 len) {
  return (u64)off + (u64)len <= m->size;
}

u32 Z_wasi_snapshot_preview1Z_args_sizes_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 argc_p, u32 size_p) {
  u32 total = 0;
  for (int i = 0; i < w->argc; i++) total += (u32)strlen(w->argv[i]) + 1;
  if (!in_bounds(w->mem, argc_p, 4) || !in_bounds(w->mem, size_p, 4)) return WASI_EFAULT;
  u32 argc = (u32)w->argc;
  memcpy(w->mem->data + argc_p, &argc, 4);
  memcpy(w->mem->data + size_p, &total, 4);
  return WASI_OK;
}

u32 Z_wasi_snapshot_preview1Z_args_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 argv_p, u32 buf_p) {
  u32 off = buf_p;
  for (int i = 0; i < w->argc; i++) {
    u32 n = (u32)strlen(w->argv[i]) + 1;
    if (!in_bounds(w->mem, argv_p + 4u * (u32)i, 4) || !in_bounds(w->mem, off, n)) return WASI_EFAULT;
    memcpy(w->mem->data + argv_p + 4u * (u32)i, &off, 4);
    memcpy(w->mem->data + off, w->argv[i], n);
    off += n;
  }
  return WASI_OK;
}

/* One iovec at a time: the module never passes more than one. */
static u32 rw(struct Z_wasi_snapshot_preview1_instance_t *w, int writing, u32 fd, u32 iovs, u32 n, u32 done_p) {
  u32 done = 0;
  for (u32 i = 0; i < n; i++) {
    u32 base, len;
    if (!in_bounds(w->mem, iovs + 8u * i, 8)) return WASI_EFAULT;
    memcpy(&base, w->mem->data + iovs + 8u * i, 4);
    memcpy(&len, w->mem->data + iovs + 8u * i + 4, 4);
    if (!in_bounds(w->mem, base, len)) return WASI_EFAULT;
    ssize_t r = writing ? write((int)fd, w->mem->data + base, len) : read((int)fd, w->mem->data + base, len);
    if (r < 0) return WASI_EBADF;
    done += (u32)r;
    if ((u32)r < len) break;
  }
  if (!in_bounds(w->mem, done_p, 4)) return WASI_EFAULT;
  memcpy(w->mem->data + done_p, &done, 4);
  return WASI_OK;
}

u32 Z_wasi_snapshot_preview1Z_fd_read(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd, u32 iovs, u32 n, u32 nread_p) {
  if (fd != 0) return WASI_EBADF;
  return rw(w, 0, fd, iovs, n, nread_p);
}

u32 Z_wasi_snapshot_preview1Z_fd_write(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd, u32 iovs, u32 n, u32 nw_p) {
  if (fd != 1 && fd != 2) return WASI_EBADF;
  return rw(w, 1, fd, iovs, n, nw_p);
}

void Z_wasi_snapshot_preview1Z_proc_exit(struct Z_wasi_snapshot_preview1_instance_t *w, u32 code) {
  (void)w;
  fflush(stdout);
  exit((int)code);
}

int main(int argc, char **argv) {
  static Z_agent_instance_t inst;
  static struct Z_wasi_snapshot_preview1_instance_t wasi;
  wasm_rt_init();
  Z_agent_init_module();
  wasi.argc = argc;
  wasi.argv = argv;
  Z_agent_instantiate(&inst, &wasi);
  wasi.mem = Z_agentZ_memory(&inst);
  Z_agentZ__start(&inst);
  Z_agent_free(&inst);
  wasm_rt_free();
  return 0;
}
