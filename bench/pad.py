# Writes OUT: the component IN with a custom section of MIB mebibytes of padding appended
# (custom sections may appear anywhere in a component), so a real component of any size can be
# benchmarked. Usage: python3 bench/pad.py IN OUT MIB
import sys

base, out, mib = open(sys.argv[1], 'rb').read(), sys.argv[2], int(sys.argv[3])


def leb(n):
    b = bytearray()
    while True:
        x, n = n & 0x7f, n >> 7
        b.append(x | (0x80 if n else 0))
        if not n:
            return bytes(b)


name = b'bench-padding'
payload = leb(len(name)) + name + bytes((i * 31) & 0xff for i in range(mib * 1024 * 1024))
open(out, 'wb').write(base + b'\x00' + leb(len(payload)) + payload)
