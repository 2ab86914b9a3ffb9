// SPDX-License-Identifier: ISC
// avow.js - verify a published avow log in the browser and project it, as
// the C library does, with no request to any other host.
//
// Invariants (tests/web/ checks them against the C build):
//  1. Nothing is shown unless every step verified: the checkpoint's Ed25519
//     signature against the vkey in the page (C2SP signed-note), every entry
//     against its level-0 tile, the tiles against the checkpoint's root
//     (RFC 6962 hashing, src/tlog/merkle.c), every event's signature.
//  2. The projection follows src/project/fold.c and state.c (not only
//     docs/PROJECTIONS.md): bytime order (effective_at, recorded_at, id),
//     the latest statement per pair wins, retractions by the same author,
//     interval openings, choice single, the canonical JSON and its digest.
//  3. Every author in the log counts (the trust settings of a replica are
//     local and not published): this is `avow state --all-authors`.
"use strict";

const AvowVerify = (() => {
  const te = new TextEncoder();
  const td = new TextDecoder("utf-8", { fatal: true });

  function fail(msg) {
    const e = new Error(msg);
    e.avow = true;
    throw e;
  }
  function b64dec(s) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) fail("bad base64");
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function hex(u8) {
    let s = "";
    for (let i = 0; i < u8.length; i++) s += u8[i].toString(16).padStart(2, "0");
    return s;
  }
  function concat(...parts) {
    let n = 0;
    for (const p of parts) n += p.length;
    const out = new Uint8Array(n);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
  function eq(a, b) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  async function sha256(u8) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", u8));
  }
  async function edKey(pk) {
    try {
      return await crypto.subtle.importKey("raw", pk, { name: "Ed25519" }, false, ["verify"]);
    } catch (e) {
      fail("this browser has no WebCrypto Ed25519: it cannot verify the log");
    }
  }
  async function edVerify(key, sig, msg) {
    return crypto.subtle.verify({ name: "Ed25519" }, key, sig, msg);
  }

  // ---- vkey and checkpoint (docs/FORMAT.md "Verifier keys", "Checkpoints")
  async function parseVkey(vkey) {
    const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(vkey.trim());
    if (!m) fail("the page's vkey is malformed");
    const [, name, hexid, b64] = m;
    const raw = b64dec(b64);
    if (raw.length !== 33 || raw[0] !== 1) fail("the page's vkey is not an Ed25519 key");
    const pk = raw.slice(1);
    const id = (await sha256(concat(te.encode(name), new Uint8Array([10, 1]), pk))).slice(0, 4);
    if (hex(id) !== hexid) fail("the page's vkey has a wrong key ID");
    return { name, id, pk, key: await edKey(pk) };
  }
  async function openCheckpoint(text, vk) {
    const cut = text.lastIndexOf("\n\n");
    if (cut < 0) fail("the checkpoint is not a signed note");
    const body = text.slice(0, cut + 1);
    const sigs = text.slice(cut + 2).split("\n").filter((l) => l !== "");
    let ok = 0;
    for (const line of sigs) {
      if (!line.startsWith("\u2014 ")) fail("the checkpoint has a malformed signature line");
      const sp = line.indexOf(" ", 2);
      if (sp < 0 || line.slice(2, sp) !== vk.name) continue;
      let raw;
      try {
        raw = b64dec(line.slice(sp + 1));
      } catch (e) {
        fail("the checkpoint's signature is not base64");
      }
      if (raw.length < 5 || !eq(raw.slice(0, 4), vk.id)) continue;
      if (raw.length !== 68 || !(await edVerify(vk.key, raw.slice(4), te.encode(body)))) {
        fail("the checkpoint's signature does not verify against the log's key");
      }
      ok++;
    }
    if (ok === 0) fail("the checkpoint is not signed by the log's key");
    const lines = body.split("\n");
    if (lines[0] !== vk.name) fail("the checkpoint is of another log (origin " + lines[0] + ")");
    if (!/^(0|[1-9][0-9]*)$/.test(lines[1])) fail("the checkpoint's size is malformed");
    const root = b64dec(lines[2]);
    if (root.length !== 32) fail("the checkpoint's root is malformed");
    return { origin: lines[0], size: Number(lines[1]), root, text };
  }

  // ---- tiles (docs/PUBLISHING.md)
  function tilePath(n) {
    const s = String(n).padStart(3, "0");
    const groups = [];
    let rest = s.length % 3 === 0 ? s : s.padStart(Math.ceil(s.length / 3) * 3, "0");
    for (let i = 0; i < rest.length; i += 3) groups.push(rest.slice(i, i + 3));
    return groups.map((g, i) => (i < groups.length - 1 ? "x" + g : g)).join("/");
  }
  function tileName(prefix, n, size) {
    const w = size - n * 256;
    return prefix + tilePath(n) + (w >= 256 ? "" : ".p/" + w);
  }
  async function fetchBytes(base, path) {
    let r;
    try {
      r = await fetch(base + path, { cache: "no-cache" });
    } catch (e) {
      fail("cannot fetch " + path);
    }
    if (!r.ok) fail("cannot fetch " + path + " (HTTP " + r.status + ")");
    return new Uint8Array(await r.arrayBuffer());
  }
  async function nodeHash(l, r) {
    return sha256(concat(new Uint8Array([1]), l, r));
  }
  // RFC 6962 MTH over leaf hashes.
  async function treeRoot(leaves) {
    if (leaves.length === 0) return sha256(new Uint8Array(0));
    let level = leaves;
    while (level.length > 1) {
      const next = [];
      for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(level[i], level[i + 1]));
      const done = await Promise.all(next);
      if (level.length % 2 === 1) done.push(level[level.length - 1]);
      level = done;
    }
    return level[0];
  }
  // The audit path of leaf i in a tree of leaves (RFC 6962 2.1.1).
  async function auditPath(leaves, i) {
    const path = [];
    let level = leaves;
    let idx = i;
    while (level.length > 1) {
      const sib = idx ^ 1;
      if (sib < level.length) path.push(level[sib]);
      const next = [];
      for (let k = 0; k + 1 < level.length; k += 2) next.push(nodeHash(level[k], level[k + 1]));
      const done = await Promise.all(next);
      if (level.length % 2 === 1) done.push(level[level.length - 1]);
      level = done;
      idx >>= 1;
    }
    return path;
  }

  // Fetch and verify every entry; returns the entries with their ids.
  async function loadLog(base, vkeyText, progress) {
    const vk = await parseVkey(vkeyText);
    const cpBytes = await fetchBytes(base, "checkpoint");
    let cpText;
    try {
      cpText = td.decode(cpBytes);
    } catch (e) {
      fail("the checkpoint is not UTF-8");
    }
    const cp = await openCheckpoint(cpText, vk);
    const ntiles = Math.ceil(cp.size / 256);
    const leaves = [];
    const entries = [];
    for (let n = 0; n < ntiles; n++) {
      const [bundle, tile] = await Promise.all([
        fetchBytes(base, tileName("tile/entries/", n, cp.size)),
        fetchBytes(base, tileName("tile/0/", n, cp.size)),
      ]);
      const w = Math.min(256, cp.size - n * 256);
      if (tile.length !== 32 * w) fail("tile 0/" + n + " has a wrong length");
      let off = 0;
      const hs = [];
      const mine = [];
      for (let k = 0; k < w; k++) {
        if (off + 2 > bundle.length) fail("entry bundle " + n + " is truncated");
        const len = (bundle[off] << 8) | bundle[off + 1];
        if (off + 2 + len > bundle.length) fail("entry bundle " + n + " is truncated");
        const e = bundle.subarray(off + 2, off + 2 + len);
        off += 2 + len;
        mine.push(e);
        hs.push(sha256(concat(new Uint8Array([0]), e)));
      }
      if (off !== bundle.length) fail("entry bundle " + n + " has trailing bytes");
      const got = await Promise.all(hs);
      for (let k = 0; k < w; k++) {
        if (!eq(got[k], tile.subarray(32 * k, 32 * k + 32))) {
          fail("entry " + (n * 256 + k) + " does not match its tile");
        }
        leaves.push(got[k]);
        entries.push(mine[k]);
      }
      if (progress) progress(entries.length, cp.size);
    }
    if (!eq(await treeRoot(leaves), cp.root)) fail("the tiles do not hash to the checkpoint's root");
    return { cp, leaves, entries };
  }

  return { fail, b64dec, hex, concat, eq, sha256, edKey, edVerify, loadLog, auditPath, tileName, te, td };
})();

if (typeof module !== "undefined") module.exports = AvowVerify;
