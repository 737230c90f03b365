#!/usr/bin/env python3
"""records_check.py ZEEK_DIR CSV_DIR JSON_FILE — read the fx_records fixture's output back in
each format with an independent parser (Zeek's TSV rules, Python's csv and json modules) and
check that the three agree with what the fixture made (tests/fixtures/fx_records.c) and with
each other. Exit status 0 when all is well; the first difference is printed."""
import csv
import datetime
import io
import json
import sys

zdir, cdir, jpath = sys.argv[1:4]
N = 8  # frames of ntp-client-server.pcap


def text_of(k):
    return {1: b"tab\there", 2: b"line\nbreak\\back", 3: "\u00fcn\u00ef \u2713".encode() + b"\xff",
            4: b"-", 5: b"", 0: b'"quoted" %d' % k}[k % 6]


def tags_of(k):
    return {1: [b"a", b"b,c"], 2: [b"-", b'q"x;y'], 0: None}[k % 3]


def check(cond, what):
    if not cond:
        print("records_check: " + what)
        sys.exit(1)


# ---- Zeek TSV ----------------------------------------------------------------------------

def z_unescape(b):
    out, i = bytearray(), 0
    while i < len(b):
        if b[i] == 0x5C:
            if b[i + 1:i + 2] == b"\\":
                out.append(0x5C)
                i += 2
            else:
                check(b[i + 1:i + 2] == b"x", "bad escape in %r" % b)
                out.append(int(b[i + 2:i + 4], 16))
                i += 4
        else:
            out.append(b[i])
            i += 1
    return bytes(out)


def z_read(path):
    data = open(path, "rb").read()
    check(data.endswith(b"\n"), path + ": no final newline")
    lines = data[:-1].split(b"\n")
    check(lines[0] == b"#separator \\x09", path + ": first line")
    meta, rows = {}, []
    for line in lines[1:]:
        if line.startswith(b"#"):
            key, _, val = line[1:].partition(b"\t")
            meta[key.decode()] = val
            continue
        check("fields" in meta and "types" in meta, path + ": a row before #fields/#types")
        rows.append(line.split(b"\t"))
    fields, types = meta["fields"].split(b"\t"), meta["types"].split(b"\t")
    check(len(fields) == len(types), path + ": #fields and #types differ in length")
    recs = []
    for cells in rows:
        check(len(cells) == len(fields), path + ": a row has %d cells, not %d" % (len(cells), len(fields)))
        rec = {}
        for f, t, c in zip(fields, types, cells):
            if c == meta["unset_field"]:
                continue
            if t.startswith(b"set[") or t.startswith(b"vector["):
                rec[f.decode()] = [] if c == meta["empty_field"] else \
                    [b"" if x == meta["empty_field"] else z_unescape(x) for x in c.split(meta["set_separator"])]
            else:
                rec[f.decode()] = b"" if c == meta["empty_field"] else z_unescape(c)
        recs.append(rec)
    check("close" in meta, path + ": no #close")
    return meta, recs


meta, zrecs = z_read(zdir + "/fxrec.log")
check(meta["path"] == b"fxrec", "#path")
check(len(zrecs) == N, "zeek: %d rows" % len(zrecs))

# ---- CSV ---------------------------------------------------------------------------------

with open(cdir + "/fxrec.csv", newline="", encoding="utf-8", errors="surrogateescape") as f:
    crows = list(csv.reader(f))
header, crows = crows[0], crows[1:]
check(len(crows) == N, "csv: %d rows" % len(crows))


def c_bytes(s):
    return s.encode("utf-8", "surrogateescape")


def c_split(cell):
    """Set and list cells: ';' separates, '\\' escapes."""
    out, cur, i = [], bytearray(), 0
    b = c_bytes(cell)
    while i < len(b):
        if b[i] == 0x5C:
            cur.append(b[i + 1])
            i += 2
        elif b[i] == 0x3B:
            out.append(bytes(cur))
            cur = bytearray()
            i += 1
        else:
            cur.append(b[i])
            i += 1
    out.append(bytes(cur))
    return out

# ---- JSON --------------------------------------------------------------------------------

jrecs = [json.loads(line) for line in open(jpath, encoding="utf-8")]
jrecs = [r for r in jrecs if r["_path"] == "fxrec"]
check(len(jrecs) == N, "json: %d fxrec lines" % len(jrecs))

# ---- the three against the fixture and each other ------------------------------------------

for i in range(N):
    k = i + 1
    z, c, j = zrecs[i], dict(zip(header, crows[i])), jrecs[i]
    where = "frame %d: " % k
    check(z["text"] == text_of(k), where + "zeek text %r" % z["text"])
    check(c_bytes(c["text"]) == text_of(k), where + "csv text %r" % c["text"])
    if k % 6 != 3:  # JSON shows the stray 0xff as U+00FF
        check(j["text"].encode() == text_of(k), where + "json text %r" % j["text"])
    tags = tags_of(k)
    check(z.get("tags") == tags, where + "zeek tags %r" % z.get("tags"))
    check((c_split(c["tags"]) if c["tags"] else None) == tags, where + "csv tags %r" % c["tags"])
    check(([t.encode() for t in j["tags"]] if "tags" in j else None) == tags, where + "json tags")
    # times: epoch (zeek), RFC 3339 (csv, json), the same microsecond
    ts = datetime.datetime.strptime(j["ts"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    epoch_us = (ts - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)) // datetime.timedelta(microseconds=1)
    check(z["ts"] == b"%d.%06d" % divmod(epoch_us, 1000000), where + "zeek ts %r vs %s" % (z["ts"], j["ts"]))
    check(c["ts"] == j["ts"], where + "csv ts")
    # scalars that every format spells alike
    for col in ("id.orig_h", "id.resp_h", "id.resp_p", "kind", "n", "delta", "raw"):
        check(z[col].decode() == c[col] == str(j[col]), where + col)
    check(z["flag"] == (b"T" if k % 2 else b"F") and c["flag"] == ("true" if k % 2 else "false")
          and j["flag"] == bool(k % 2), where + "flag")
    if k % 4:
        check(float(z["dur"]) == float(c["dur"]) == j["dur"], where + "dur")
    else:
        check("dur" not in z and c["dur"] == "" and "dur" not in j, where + "dur unset")
    if k != 3:
        check(float(z["ratio"]) == float(c["ratio"]) == j["ratio"] == (3e9 if k == 7 else k / 4), where + "ratio")
    else:
        check("ratio" not in z and c["ratio"] == "" and "ratio" not in j, where + "ratio unset")
    check(z["seq"] == [b"%d" % k, b"%d" % (k + 1)] and c_split(c["seq"]) == z["seq"]
          and j["seq"] == [k, k + 1], where + "seq")

