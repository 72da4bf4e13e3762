"""Touch MB megabytes, then burn CPU for SECONDS of CPU time, optionally growing (a leak).

usage: allocate.py MB SECONDS [LEAK_MB_PER_STEP STEPS]
"""

import sys
import time

megabytes, cpu_seconds = int(sys.argv[1]), float(sys.argv[2])
leak_mb, steps = (int(sys.argv[3]), int(sys.argv[4])) if len(sys.argv) > 4 else (0, 0)
blocks = [bytearray(megabytes * 1_000_000)]
for i in range(0, len(blocks[0]), 4096):
    blocks[0][i] = 1
start = time.process_time()
for _ in range(steps):
    block = bytearray(leak_mb * 1_000_000)
    for i in range(0, len(block), 4096):
        block[i] = 1
    blocks.append(block)
    deadline = time.process_time() + cpu_seconds / steps
    while time.process_time() < deadline:
        pass
while time.process_time() - start < cpu_seconds:
    pass
print(f"allocated {megabytes + leak_mb * steps} MB")
