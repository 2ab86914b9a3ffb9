#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# tests/interop/make_note_cases.py - writes tests/vectors/note_open.json: the
# cases of golang.org/x/mod/sumdb/note's note_test.go (TestOpen, TestNewVerifier,
# TestSign), restated as data, plus the unknown-line cases of issue 17. Each
# case carries the verdict the signed-note spec gives; tests/unit/test_vkey.c
# checks avow's verdict and tests/interop/interop.go checks Go's against it,
# so avow and the reference agree case by case. Notes are base64 (some are not
# UTF-8). Run it again only to change the cases.
import base64, json, sys

peter = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
enoch = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
text = ("If you think cryptography is the answer to your problem,\n"
        "then you don't know what your problem is.\n")
peter_sig = ("\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2"
             "pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")
enoch_sig = ("\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5o"
             "vTG01oOTGwnWLox33WWd1RvMc+QQ=\n")


def b(s):
    return s.encode("utf-8") if isinstance(s, str) else s


def mid(sig, at, ins):
    raw = b(sig)
    return raw[:at] + ins + raw[at:]


cases = []


def case(name, note, keys, verdict):
    cases.append({"name": name, "note": base64.b64encode(b(note)).decode(), "keys": keys,
                  "verdict": verdict})


# TestOpen.
case("one verified, one unknown", b(text + "\n" + peter_sig + enoch_sig), ["peter"], "ok")
case("both verified", b(text + "\n" + peter_sig + enoch_sig), ["peter", "enoch"], "ok")
case("both unknown", b(text + "\n" + peter_sig + enoch_sig), [], "unverified")
case("duplicated key", b(text + "\n" + enoch_sig), ["enoch", "peter", "enoch"], "ambiguous")
case("unused duplicated key", b(text + "\n" + peter_sig), ["enoch", "peter", "enoch"], "ok")
case("101 signatures, known", b(text + "\n" + peter_sig * 101), ["peter"], "malformed")
case("101 signatures, unknown", b(text + "\n" + peter_sig * 101), [], "malformed")
case("invalid signature", b(text) + b"\n" + mid(peter_sig, 60, b"ABCD"), ["peter"], "invalid")
case("duplicated verified and unverified",
     b(text + "\n" + peter_sig + peter_sig + enoch_sig + enoch_sig) + mid(enoch_sig, 60, b"ABCD"),
     ["peter"], "ok")
case("no signature block", b(text), ["peter"], "malformed")
case("blank line, no signature", b(text + "\n"), ["peter"], "malformed")
case("no final newline", b(text + "\n" + peter_sig[:-1]), ["peter"], "malformed")
case("control character", b("\x01" + text + "\n" + peter_sig), ["peter"], "malformed")
case("invalid UTF-8", b"\xff" + b(text + "\n" + peter_sig), ["peter"], "malformed")
case("name with a space, no newline",
     b(text + "\n" + "\u2014 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2"
       "pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="), ["peter"], "malformed")
case("line without the em dash", b(text + "\n" + peter_sig + "Unexpected line.\n"), ["peter"],
     "malformed")
# Issue 17: unknown lines the spec says to ignore.
case("unknown line with a DEL in its name",
     b(text + "\n" + peter_sig + "\u2014 witness\x7f.example AAAAAAAAAAAAAAAAAAAA\n"), ["peter"], "ok")
case("unknown line with a 300-byte name",
     b(text + "\n" + peter_sig + "\u2014 " + "n" * 300 + " AAAAAAAAAAAAAAAAAAAA\n"), ["peter"], "ok")
noncanon = enoch_sig.replace("QQ=\n", "QR=\n")
case("unknown line with non-canonical base64", b(text + "\n" + peter_sig + noncanon), ["peter"], "ok")
pq = base64.b64encode(bytes([0x12, 0x34, 0x56, 0x78]) + bytes((i * 7) & 0xff for i in range(5000)))
case("unknown line with a 5,000-byte signature",
     b(text + "\n" + peter_sig + "\u2014 pq.example/witness " + pq.decode() + "\n"), ["peter"], "ok")
case("known name, other key ID: ignored",
     b(text + "\n" + peter_sig + peter_sig.replace("x08go", "AAAAA")), ["peter"], "ok")

# TestNewVerifier: the key, its manglings (every proper substring, every byte
# plus one), and two explicit bad keys.
vkeys = [{"vkey": peter, "valid": True}, {"vkey": enoch, "valid": True}]
raw = peter.encode()
for i in range(len(raw) + 1):
    for j in range(i + 1, len(raw) + 1):
        if i != 0 or j != len(raw):
            vkeys.append({"vkey": raw[i:j].decode(), "valid": False})
for i in range(len(raw)):
    m = bytearray(raw)
    m[i] += 1
    vkeys.append({"vkey": m.decode("latin-1"), "valid": False})
vkeys.append({"vkey": "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
              "valid": False})
vkeys.append({"vkey": "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
              "valid": False})

# TestSign: the same key signs the same text to the same bytes.
sign = {"skey": "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
        "name": "PeterNeumann", "text": text, "want": text + "\n" + peter_sig}

json.dump({"format": "avow-note-cases/1", "keys": {"peter": peter, "enoch": enoch},
           "cases": cases, "vkeys": vkeys, "sign": sign}, sys.stdout, indent=1)
sys.stdout.write("\n")
