// Pins down fdSources() of the bpf() calls pane: an fd a call uses points back to the call
// that made it, never to a call that merely returned the same number, and 0 points nowhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fdSources } from '../../src/renderer/components/inside/CallsPane.js';
import type { Syscall } from '../../src/shared/inspect.js';

const call = (cmd: string, attrs: Syscall['attrs'], ret: number, syscall: Syscall['syscall'] = 'bpf'): Syscall =>
  ({ syscall, cmd, attrs, ret, error: ret < 0 ? 'EINVAL: Invalid argument' : null });

test('fds point at the call that made them; 0 and numbers returned by other calls do not', () => {
  const calls = [
    call('BPF_MAP_CREATE', { map_name: 'probe', btf_fd: 0 }, 3), // 0
    call('BPF_BTF_LOAD', {}, 4), // 1
    call('BPF_MAP_CREATE', { map_name: 'counts', btf_fd: 4 }, 5), // 2
    call('BPF_MAP_UPDATE_ELEM', { map_fd: 5, flags: 0 }, 0), // 3: returns 0, makes nothing
    call('BPF_PROG_LOAD', { prog_name: 'p', prog_btf_fd: 4 }, 6), // 4
    call('PERF_TYPE_TRACEPOINT', { type: 2, group_fd: -1 }, 7, 'perf_event_open'), // 5
    call('BPF_LINK_CREATE', { prog_fd: 6, target_fd: 7 }, 8), // 6
    call('PERF_EVENT_IOC_ENABLE', { fd: 7 }, 0, 'ioctl'), // 7
    call('BPF_PROG_LOAD', { prog_name: 'q', prog_btf_fd: 0 }, -22), // 8: failed, makes nothing
    call('BPF_OBJ_GET_INFO_BY_FD', { bpf_fd: 6 }, 0), // 9
  ];
  const from = fdSources(calls).map((m) => Object.fromEntries(m));
  assert.deepEqual(from, [{}, {}, { btf_fd: 1 }, { map_fd: 2 }, { prog_btf_fd: 1 }, {}, { prog_fd: 4, target_fd: 5 }, { fd: 5 }, {}, { bpf_fd: 4 }]);
});

test('a number closed and made again points at the latest call that made it', () => {
  const calls = [call('BPF_MAP_CREATE', {}, 9), call('BPF_MAP_CREATE', {}, 9), call('BPF_MAP_FREEZE', { map_fd: 9 }, 0)];
  assert.deepEqual(Object.fromEntries(fdSources(calls)[2]!), { map_fd: 1 });
});
