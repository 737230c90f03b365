#!/usr/bin/env python3
"""mutate.py OUTDIR SEED COUNT CERT.der... -- COUNT copies of the certificates with 1 to 3 random
changes each (a byte replaced, a byte set to a DER-significant value, bytes cut or inserted)."""
import os, random, sys

outdir, seed, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(seed)
os.makedirs(outdir, exist_ok=True)
ders = [open(f, 'rb').read() for f in sys.argv[4:]]
for i in range(count):
    d = bytearray(random.choice(ders))
    for _ in range(random.randint(1, 3)):
        r, p = random.random(), random.randrange(len(d))
        if r < 0.6: d[p] = random.randrange(256)
        elif r < 0.8: d[p] = random.choice([0x80, 0x81, 0x82, 0x00, 0x30, 0xa0, 0x1f, 0x0c, 0x13, 0x14, 0x1e, 0x16])
        elif r < 0.9: del d[p:p + random.randint(1, 10)]
        else: d[p:p] = bytes(random.randrange(256) for _ in range(random.randint(1, 4)))
    open('%s/m%04d.der' % (outdir, i), 'wb').write(bytes(d))
