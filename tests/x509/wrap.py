#!/usr/bin/env python3
"""wrap.py OUT.pcap CERT.der... -- each certificate in a TLS 1.2 Certificate handshake message,
one TCP segment to port 443 per certificate (no handshake before it: tshark and trawl both take
port 443 as TLS), so tshark's x509 fields can be compared with trawl's on any DER bytes."""
import struct, sys

def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

def ipv4(proto, payload, src=b'\xc0\x00\x02\x14', dst=b'\xc0\x00\x02\x0a'):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0, src, dst)
    return h[:10] + struct.pack('!H', csum(h)) + h[12:] + payload

def u24(n): return struct.pack('!I', n)[1:]

out = open(sys.argv[1], 'wb')
out.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
seq = 1000
for i, path in enumerate(sys.argv[2:]):
    der = open(path, 'rb').read()
    certs = u24(len(der)) + der
    body = u24(len(certs)) + certs
    hs = b'\x0b' + u24(len(body)) + body
    rec = b'\x16\x03\x03' + struct.pack('!H', len(hs)) + hs
    tcp = struct.pack('!HHIIBBHHH', 443, 40000 + i, seq, 1, 0x50, 0x18, 65535, 0, 0) + rec
    seq += len(rec)
    frame = b'\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00' + ipv4(6, tcp)
    out.write(struct.pack('<IIII', 1700000000 + i, 0, len(frame), len(frame)) + frame)
out.close()
