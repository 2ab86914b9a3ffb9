// SPDX-License-Identifier: ISC
// project.js - decode avow events (docs/FORMAT.md v1 and v2) and compute a
// contest's state exactly as `avow state --json` (src/project/fold.c and
// state.c), digest included.
//
// Invariants:
//  1. An event decodes only with a valid framing and a valid signature
//     (context "avow/event/v1" 0x00 over header and body); unknown kinds are
//     kept and ignored by the projection, as in C.
//  2. Times are BigInt microseconds; names compare by their UTF-8 bytes
//     (strcmp), never by JavaScript's UTF-16 order.
//  3. The canonical JSON is the state's insertion order with the escapes of
//     docs/FORMAT.md "Canonical JSON"; the digest is its SHA-256.
"use strict";

const AvowProject = (() => {
  const V = typeof AvowVerify !== "undefined" ? AvowVerify : require("./avow.js");
  const CONTEXT = V.te.encode("avow/event/v1\0");
  const KINDS = {
    1: "contest", 2: "member-join", 3: "member-leave", 4: "candidate-enter",
    5: "candidate-withdraw", 6: "stance", 7: "retract", 8: "decision",
    9: "key-succession", 10: "candidate-signal", 11: "contest-amend",
  };
  const STANCES = { 1: "supports", 2: "opposes", 3: "undecided", 4: "abstains" };
  const TEXT = { 1: "contest", 2: "title", 3: "rule", 4: "actor", 5: "candidate", 7: "person",
    8: "source", 9: "quote", 10: "reason", 15: "note" };

  function be64(b, o) {
    let v = 0n;
    for (let i = 0; i < 8; i++) v = (v << 8n) | BigInt(b[o + i]);
    return BigInt.asIntN(64, v);
  }
  function u8str(b) {
    try {
      return V.td.decode(b);
    } catch (e) {
      V.fail("an event holds text that is not UTF-8");
    }
  }
  // Decode one entry (the canonical event bytes); the signature is checked
  // separately (verifyAll) so that it can run in parallel.
  function decode(raw, index) {
    if (raw.length < 157 || raw.length > 8192) V.fail("entry " + index + " is not an event");
    const version = raw[0];
    if (version !== 1 && version !== 2) V.fail("entry " + index + " has format version " + version);
    const bodyLen = (raw[91] << 8) | raw[92];
    if (157 + bodyLen !== raw.length) V.fail("entry " + index + " has a wrong length");
    const ev = {
      index, raw, version, kind: raw[1], author: raw.subarray(2, 34), seq: be64(raw, 34),
      recorded_at: be64(raw, 74), effective_at: be64(raw, 82), precision: raw[90],
      sig: raw.subarray(93 + bodyLen), msg: raw.subarray(0, 93 + bodyLen),
      stance: 0, confidence: 0, qualifier: 0, choice: 0, from: null, takes_effect: null,
    };
    if (ev.kind === 0) V.fail("entry " + index + " has kind 0");
    let off = 93, last = 0;
    const end = 93 + bodyLen;
    while (off < end) {
      if (off + 3 > end) V.fail("entry " + index + " has a truncated field");
      const tag = raw[off], len = (raw[off + 1] << 8) | raw[off + 2];
      const val = raw.subarray(off + 3, off + 3 + len);
      if (off + 3 + len > end || len === 0 || tag <= last) V.fail("entry " + index + " has a malformed field");
      last = tag;
      off += 3 + len;
      if (TEXT[tag]) ev[TEXT[tag]] = u8str(val);
      else if (tag === 6) ev.stance = val[0];
      else if (tag === 11) ev.target = V.hex(val);
      else if (tag === 14) ev.confidence = val[0];
      else if (tag === 16) ev.reported_at = be64(val, 0);
      else if (tag === 17) ev.qualifier = val[0];
      else if (tag === 18) ev.from = be64(val, 0);
      else if (tag === 19) ev.takes_effect = be64(val, 0);
      else if (tag === 20) ev.choice = val[0];
    }
    ev.known = ev.kind <= 9 || (version === 2 && ev.kind <= 11);
    if (!ev.known && !(version === 2 && ev.kind <= 11)) {
      // an unknown kind: stored, verified, ignored by projections (FORMAT.md)
    }
    return ev;
  }
  async function verifyAll(entries) {
    const keys = new Map();
    const evs = entries.map((e, i) => decode(e, i));
    const jobs = evs.map(async (ev) => {
      const ah = V.hex(ev.author);
      let k = keys.get(ah);
      if (!k) {
        k = V.edKey(ev.author);
        keys.set(ah, k);
      }
      const ok = await V.edVerify(await k, ev.sig, V.concat(CONTEXT, ev.msg));
      if (!ok) V.fail("the signature of entry " + ev.index + " does not verify");
      ev.id = V.hex(await V.sha256(ev.raw));
    });
    await Promise.all(jobs);
    return evs;
  }

  // ---- time (src/util/time.c avow_time_format at micro precision)
  function civil(days) {
    let z = days + 719468n;
    const era = (z >= 0n ? z : z - 146096n) / 146097n;
    const doe = z - era * 146097n;
    const yoe = (doe - doe / 1460n + doe / 36524n - doe / 146096n) / 365n;
    let y = yoe + era * 400n;
    const doy = doe - (365n * yoe + yoe / 4n - yoe / 100n);
    const mp = (5n * doy + 2n) / 153n;
    const d = doy - (153n * mp + 2n) / 5n + 1n;
    const m = mp < 10n ? mp + 3n : mp - 9n;
    if (m <= 2n) y += 1n;
    return [Number(y), Number(m), Number(d)];
  }
  const DAY = 86400000000n;
  function fmtTime(t) {
    let days = t / DAY, rem = t % DAY;
    if (rem < 0n) {
      rem += DAY;
      days -= 1n;
    }
    const [y, m, d] = civil(days);
    const p2 = (n) => String(n).padStart(2, "0");
    const hh = rem / 3600000000n, mm = (rem / 60000000n) % 60n, ss = (rem / 1000000n) % 60n;
    let micro = Number(rem % 1000000n);
    let s = String(y).padStart(4, "0") + "-" + p2(m) + "-" + p2(d) + "T" + p2(hh) + ":" + p2(mm) + ":" + p2(ss);
    if (micro !== 0) {
      let digits = 6;
      while (micro % 10 === 0) {
        micro /= 10;
        digits--;
      }
      s += "." + String(micro).padStart(digits, "0");
    }
    return s + "Z";
  }
  function fmtDay(t) {
    return fmtTime(t).slice(0, 10);
  }
  // The end of a bare date, as `--at DATE` (the last microsecond of the day).
  function endOfDay(date) {
    const ms = Date.parse(date + "T00:00:00Z");
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(ms)) return null;
    return BigInt(ms) * 1000n + DAY - 1n;
  }

  // ---- byte order of names (strcmp)
  const keyCache = new Map();
  function bytes(s) {
    let b = keyCache.get(s);
    if (!b) {
      b = V.te.encode(s);
      keyCache.set(s, b);
    }
    return b;
  }
  function cmp(a, b) {
    if (a === b) return 0;
    const x = bytes(a), y = bytes(b);
    const n = Math.min(x.length, y.length);
    for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i] - y[i];
    return x.length - y.length;
  }
  function cmpBig(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
  }

  // ---- the log, by contest (src/ledger by-time index)
  function index(evs) {
    const byId = new Map();
    for (const ev of evs) byId.set(ev.id, ev);
    const contests = new Map();
    const add = (c, entry) => {
      if (!contests.has(c)) contests.set(c, { id: c, entries: [], retractions: new Map(), def: null });
      contests.get(c).entries.push(entry);
    };
    for (const ev of evs) {
      if (ev.kind === 7) {
        const t = byId.get(ev.target);
        if (t && t.contest !== undefined && V.eq(t.author, ev.author)) {
          add(t.contest, { t: ev.effective_at, ev, opening: false });
          const c = contests.get(t.contest);
          const old = c.retractions.get(ev.target);
          if (!old || ev.recorded_at < old.rec) c.retractions.set(ev.target, { rec: ev.recorded_at, by: ev });
        }
        continue;
      }
      if (ev.contest === undefined) continue;
      add(ev.contest, { t: ev.effective_at, ev, opening: false });
      if (ev.kind === 6 && ev.version === 2 && ev.qualifier === 3 && ev.from !== null && ev.from < ev.effective_at) {
        add(ev.contest, { t: ev.from, ev, opening: true });
      }
    }
    for (const c of contests.values()) {
      c.entries.sort((a, b) => cmpBig(a.t, b.t) || cmpBig(a.ev.recorded_at, b.ev.recorded_at) ||
        (a.ev.id < b.ev.id ? -1 : a.ev.id > b.ev.id ? 1 : 0));
      for (const e of c.entries) {
        if (e.ev.kind === 1 && !c.def) c.def = e.ev;
      }
    }
    return { byId, contests };
  }

  function ruleNeeded(rule, m) {
    if (rule === null) return 0;
    if (rule === "unanimity") return m;
    if (rule === "majority") return Math.floor(m / 2) + 1;
    const f = /^([1-9][0-9]*)\/([1-9][0-9]*)$/.exec(rule);
    if (f) {
      const p = BigInt(f[1]), q = BigInt(f[2]);
      return Number((p * BigInt(m) + q - 1n) / q);
    }
    if (/^[1-9][0-9]*$/.test(rule)) return Number(rule);
    return 0;
  }

  // The fold (src/project/fold.c) of the entries at or before at.
  function fold(contest, at) {
    const a = {
      names: new Map(), nameList: [], member: [], cand: [], supportOf: [],
      pairs: new Map(), pairList: [], hasContest: false, title: null, rule: null, choice: 0,
      decision: null, v2: false, opens: [],
    };
    const name = (s) => {
      let id = a.names.get(s);
      if (id === undefined) {
        id = a.nameList.length;
        a.names.set(s, id);
        a.nameList.push(s);
        a.member.push(0);
        a.cand.push(0);
        a.supportOf.push(-1);
      }
      return id;
    };
    const definition = (ev, amend) => {
      if (!amend || ev.rule !== undefined) a.rule = ev.rule === undefined ? "" : ev.rule;
      if (!amend || ev.title !== undefined) a.title = ev.title === undefined ? "" : ev.title;
      if (!amend || ev.choice !== 0) a.choice = ev.choice;
    };
    for (const e of contest.entries) {
      if (e.t > at) break;
      const ev = e.ev;
      if (ev.kind === 7) continue; // a retraction never counts itself
      const r = contest.retractions.get(ev.id);
      if (r) continue; // retracted by its author (known_at: everything)
      const stanceOk = ev.kind === 6 && ev.actor !== undefined && ev.candidate !== undefined &&
        ev.stance >= 1 && ev.stance <= 4;
      if (e.opening) {
        if (stanceOk) {
          a.opens.push({ actor: name(ev.actor), cand: name(ev.candidate), stance: ev.stance, id: ev.id });
          a.v2 = true;
        }
        continue;
      }
      switch (ev.kind) {
        case 1:
          if (!a.hasContest) {
            definition(ev, false);
            a.hasContest = true;
          }
          break;
        case 11:
          if (ev.version === 2 && a.hasContest) definition(ev, true);
          break;
        case 2: case 3:
          if (ev.actor !== undefined) a.member[name(ev.actor)] = ev.kind === 2 ? 1 : 2;
          break;
        case 4: case 5: case 10:
          if (ev.kind === 10 && ev.version !== 2) break;
          if (ev.candidate !== undefined) a.cand[name(ev.candidate)] = ev.kind === 4 ? 1 : ev.kind === 5 ? 2 : 3;
          break;
        case 6: {
          if (!stanceOk) break;
          const n1 = name(ev.actor), n2 = name(ev.candidate);
          const au = V.hex(ev.author);
          const k = n1 + "/" + n2;
          let p = a.pairs.get(k);
          if (!p) {
            p = { actor: n1, cand: n2, eff: null, stance: 0, sides: new Map() };
            a.pairs.set(k, p);
            a.pairList.push(p);
          }
          if (p.eff === null || ev.effective_at !== p.eff) {
            p.eff = ev.effective_at;
            p.sides = new Map();
          }
          p.stance = ev.stance;
          if (ev.stance === 1) a.supportOf[n1] = n2;
          if (ev.qualifier === 3) a.opens = a.opens.filter((o) => o.id !== ev.id);
          p.sides.set(au, ev.stance);
          break;
        }
        case 8:
          if (ev.candidate === undefined) break;
          a.decision = { candidate: ev.candidate, at: ev.effective_at, id: ev.id, takes_effect: ev.takes_effect };
          break;
        default:
          break;
      }
      if (ev.version >= 2 && ev.known) a.v2 = true;
    }
    return a;
  }

  // The state object of `avow state --json`, in its key order.
  function state(contest, at) {
    const a = fold(contest, at);
    const v2 = a.v2 || a.choice !== 0;
    const members = [];
    const cands = [];
    for (let i = 0; i < a.nameList.length; i++) {
      if (a.member[i] === 1) members.push(a.nameList[i]);
      if (a.cand[i] !== 0) {
        cands.push({ id: i, name: a.nameList[i], status: a.cand[i], lists: {}, outside: [], seen: new Map() });
      }
    }
    const candOf = new Map(cands.map((c) => [c.id, c]));
    const L = ["supports", "opposes", "undecided", "disputed", "abstains", "possible", "lapsed", "no_stance"];
    for (const c of cands) for (const l of L) c.lists[l] = [];
    for (const p of a.pairList) {
      const c = candOf.get(p.cand);
      if (!c) continue;
      const actor = a.nameList[p.actor];
      const vals = [...p.sides.values()];
      const disputed = vals.some((s) => s !== vals[0]);
      if (!disputed && p.stance === 1 && a.choice === 1 && a.supportOf[p.actor] !== p.cand) continue;
      if (a.member[p.actor] === 1) {
        let list;
        if (disputed) list = "disputed";
        else if (p.stance === 1) list = a.choice !== 0 && c.status === 2 ? "lapsed" : "supports";
        else list = STANCES[p.stance];
        c.seen.set(p.actor, list === "supports" ? 3 : 1);
        c.lists[list].push(actor);
      } else {
        c.outside.push({ actor, stance: disputed ? "disputed" : STANCES[p.stance] });
      }
    }
    for (const o of a.opens) {
      const c = candOf.get(o.cand);
      if (o.stance !== 1 || !c || a.member[o.actor] !== 1) continue;
      const s = c.seen.get(o.actor) || 0;
      if (s & (2 | 4)) continue;
      c.seen.set(o.actor, s | 4);
      c.lists.possible.push(a.nameList[o.actor]);
    }
    members.sort(cmp);
    const rule = a.hasContest ? a.rule : null;
    const needed = ruleNeeded(rule, members.length);
    for (const c of cands) {
      for (const m of members) if (!c.seen.get(a.names.get(m))) c.lists.no_stance.push(m);
      for (const l of L) if (l !== "no_stance") c.lists[l].sort(cmp);
      c.outside.sort((x, y) => cmp(x.actor, y.actor));
    }
    cands.sort((x, y) => cmp(x.name, y.name));
    const o = { contest: contest.id, at: fmtTime(at), known_at: null };
    if (v2) {
      o.min_confidence = null;
      o.public_at = null;
    }
    o.rule = rule;
    if (v2) o.choice = a.choice === 1 ? "single" : a.choice === 2 ? "multiple" : null;
    o.members = members;
    o.candidates = cands.map((c) => {
      const co = { name: c.name, status: c.status === 1 ? "running" : c.status === 3 ? "signalled" : "withdrawn" };
      for (const l of L) {
        if (!v2 && (l === "abstains" || l === "possible" || l === "lapsed" || l === "no_stance")) continue;
        co[l] = c.lists[l];
      }
      co.outside = c.outside;
      co.support_count = c.lists.supports.length;
      co.needed = needed;
      co.met = c.status === 1 && needed > 0 && co.support_count >= needed;
      return co;
    });
    if (a.decision) {
      const d = { candidate: a.decision.candidate, at: fmtTime(a.decision.at), id: a.decision.id };
      if (v2) {
        d.takes_effect = a.decision.takes_effect === null ? null : fmtTime(a.decision.takes_effect);
        d.in_effect = a.decision.takes_effect === null || at >= a.decision.takes_effect;
      }
      o.decision = d;
    } else {
      o.decision = null;
    }
    return o;
  }

  // docs/FORMAT.md "Canonical JSON": JSON.stringify's compact form with the
  // other control characters as \u00XX uppercase.
  function canon(o) {
    return JSON.stringify(o).replace(/\\u00([0-9a-f]{2})/g, (m, h) => "\\u00" + h.toUpperCase());
  }
  async function withDigest(o) {
    const d = V.hex(await V.sha256(V.te.encode(canon(o))));
    return Object.assign({}, o, { digest: d });
  }

  return { decode, verifyAll, index, fold, state, canon, withDigest, fmtTime, fmtDay, endOfDay, cmp, KINDS, STANCES };
})();

if (typeof module !== "undefined") module.exports = AvowProject;
