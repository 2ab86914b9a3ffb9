// SPDX-License-Identifier: ISC
//
// interop.go - the reference side of avow's interop test (test code only;
// avow itself has no Go). Built by tests/interop/test_interop.sh from Debian's
// golang-go and golang-golang-x-mod-dev in GOPATH mode, with no network. It
// checks what avow writes with golang.org/x/mod's sumdb/note and sumdb/tlog:
//
//	interop notes CASES.json        Go's verdict on each case equals the file's
//	interop open CHECKPOINT VKEY    note.Open + tlog.ParseTree; prints "SIZE ROOT-B64"
//	interop proofs < LINES          tlog.CheckRecord / CheckTree on avow's proofs
//	interop tiles DIR VKEY [OLD]    the tile tree under DIR: root = checkpoint's,
//	                                entries hash to the level-0 tiles, and, with
//	                                OLD (an older checkpoint), a consistency proof
//	                                built from the tiles holds
//
// Exit status 0 when every check holds; otherwise the first failure on stderr.
package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/ioutil"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "interop: "+format+"\n", args...)
	os.Exit(1)
}

type noteCase struct {
	Name    string   `json:"name"`
	Note    string   `json:"note"`
	Keys    []string `json:"keys"`
	Verdict string   `json:"verdict"`
}

type caseFile struct {
	Keys  map[string]string `json:"keys"`
	Cases []noteCase        `json:"cases"`
	Vkeys []struct {
		Vkey  string `json:"vkey"`
		Valid bool   `json:"valid"`
	} `json:"vkeys"`
	Sign struct {
		Skey string `json:"skey"`
		Text string `json:"text"`
		Want string `json:"want"`
	} `json:"sign"`
}

// verdict names Go's answer the way the case file does.
func verdict(err error) string {
	if err == nil {
		return "ok"
	}
	if _, ok := err.(*note.UnverifiedNoteError); ok {
		return "unverified"
	}
	if _, ok := err.(*note.InvalidSignatureError); ok {
		return "invalid"
	}
	if strings.HasPrefix(err.Error(), "ambiguous key") {
		return "ambiguous"
	}
	if err.Error() == "malformed note" {
		return "malformed"
	}
	return "other: " + err.Error()
}

func checkNotes(path string) {
	data, err := ioutil.ReadFile(path)
	if err != nil {
		fail("%v", err)
	}
	var f caseFile
	if err := json.Unmarshal(data, &f); err != nil {
		fail("%s: %v", path, err)
	}
	for _, c := range f.Cases {
		msg, err := base64.StdEncoding.DecodeString(c.Note)
		if err != nil {
			fail("case %q: %v", c.Name, err)
		}
		var vs []note.Verifier
		for _, k := range c.Keys {
			v, err := note.NewVerifier(f.Keys[k])
			if err != nil {
				fail("case %q: key %s: %v", c.Name, k, err)
			}
			vs = append(vs, v)
		}
		_, err = note.Open(msg, note.VerifierList(vs...))
		if got := verdict(err); got != c.Verdict {
			fail("case %q: Go says %s, the file says %s", c.Name, got, c.Verdict)
		}
	}
	for _, k := range f.Vkeys {
		_, err := note.NewVerifier(k.Vkey)
		if (err == nil) != k.Valid {
			fail("vkey %q: Go says valid=%v, the file says %v", k.Vkey, err == nil, k.Valid)
		}
	}
	signer, err := note.NewSigner(f.Sign.Skey)
	if err != nil {
		fail("sign: %v", err)
	}
	msg, err := note.Sign(&note.Note{Text: f.Sign.Text}, signer)
	if err != nil || string(msg) != f.Sign.Want {
		fail("sign: Go signs %q, the file says %q (%v)", msg, f.Sign.Want, err)
	}
	fmt.Printf("notes: %d cases, %d vkeys and the signing case agree with Go\n", len(f.Cases),
		len(f.Vkeys))
}

// openCheckpoint opens a checkpoint with note.Open and the vkey.
func openCheckpoint(path, vkey string) tlog.Tree {
	msg, err := ioutil.ReadFile(path)
	if err != nil {
		fail("%v", err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		fail("vkey %q: %v", vkey, err)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		fail("%s: note.Open: %v", path, err)
	}
	lines := strings.SplitN(n.Text, "\n", 2)
	if len(lines) != 2 || lines[0] != v.Name() {
		fail("%s: origin line is not the vkey's name %s", path, v.Name())
	}
	// tlog.ParseTree reads the Go checksum database's form: "go.sum database
	// tree" as the first line. A C2SP checkpoint has the origin there.
	tree, err := tlog.ParseTree([]byte("go.sum database tree\n" + lines[1]))
	if err != nil {
		fail("%s: tlog.ParseTree: %v", path, err)
	}
	return tree
}

func hash32(s string) tlog.Hash {
	var h tlog.Hash
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != tlog.HashSize {
		fail("bad hash %q", s)
	}
	copy(h[:], b)
	return h
}

// checkProofs reads "I INDEX SIZE LEAF ROOT PATH..." and "C OLD NEW
// OLDROOT NEWROOT PATH..." lines (hex hashes) and checks each with Go.
func checkProofs() {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	ni, nc := 0, 0
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 5 {
			fail("bad proof line %q", sc.Text())
		}
		a, err1 := strconv.ParseInt(f[1], 10, 64)
		b, err2 := strconv.ParseInt(f[2], 10, 64)
		if err1 != nil || err2 != nil {
			fail("bad proof line %q", sc.Text())
		}
		var path []tlog.Hash
		for _, s := range f[5:] {
			path = append(path, hash32(s))
		}
		switch f[0] {
		case "I":
			if err := tlog.CheckRecord(tlog.RecordProof(path), b, hash32(f[4]), a, hash32(f[3])); err != nil {
				fail("inclusion of %d in %d: tlog.CheckRecord: %v", a, b, err)
			}
			ni++
		case "C":
			if err := tlog.CheckTree(tlog.TreeProof(path), b, hash32(f[4]), a, hash32(f[3])); err != nil {
				fail("consistency %d -> %d: tlog.CheckTree: %v", a, b, err)
			}
			nc++
		default:
			fail("bad proof line %q", sc.Text())
		}
	}
	if err := sc.Err(); err != nil {
		fail("%v", err)
	}
	fmt.Printf("proofs: %d inclusion and %d consistency proofs hold in Go\n", ni, nc)
}

// c2spPath maps a Go tile onto its C2SP tlog-tiles path: tile/L/N[.p/W]
// (no height element: C2SP fixes it at 8), tile/entries/... for L = -1.
func c2spPath(t tlog.Tile) string {
	goPath := t.Path() // tile/8/L/NNN[.p/W] or tile/8/data/NNN[.p/W]
	rest := strings.TrimPrefix(goPath, "tile/8/")
	if strings.HasPrefix(rest, "data/") {
		rest = "entries/" + strings.TrimPrefix(rest, "data/")
	}
	return "tile/" + rest
}

type dirTiles struct{ dir string }

func (d dirTiles) Height() int { return 8 }

func (d dirTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	var out [][]byte
	for _, t := range tiles {
		data, err := ioutil.ReadFile(filepath.Join(d.dir, c2spPath(t)))
		if err != nil {
			return nil, err
		}
		out = append(out, data)
	}
	return out, nil
}

func (d dirTiles) SaveTiles([]tlog.Tile, [][]byte) {}

// checkEntries reads every entry bundle of the tree and checks that entry i
// hashes to leaf i, read through the (verified) tile hash reader.
func checkEntries(dir string, tree tlog.Tree, hr tlog.HashReader) int64 {
	var n int64
	for start := int64(0); start < tree.N; start += 256 {
		t := tlog.Tile{H: 8, L: -1, N: start / 256, W: 256}
		if tree.N-start < 256 {
			t.W = int(tree.N - start)
		}
		data, err := ioutil.ReadFile(filepath.Join(dir, c2spPath(t)))
		if err != nil {
			fail("entry bundle: %v", err)
		}
		var idx []int64
		for i := 0; i < t.W; i++ {
			idx = append(idx, tlog.StoredHashIndex(0, start+int64(i)))
		}
		// One read per bundle: the reader verifies the tiles it loads each call.
		leaves, err := hr.ReadHashes(idx)
		if err != nil {
			fail("leaves %d..: %v", start, err)
		}
		for i := 0; i < t.W; i++ {
			if len(data) < 2 {
				fail("%s: entry %d missing", c2spPath(t), i)
			}
			l := int(binary.BigEndian.Uint16(data))
			if len(data) < 2+l {
				fail("%s: entry %d truncated", c2spPath(t), i)
			}
			if tlog.RecordHash(data[2:2+l]) != leaves[i] {
				fail("entry %d does not hash to its leaf in the level-0 tile", start+int64(i))
			}
			data = data[2+l:]
			n++
		}
		if len(data) != 0 {
			fail("%s: bytes after the last entry", c2spPath(t))
		}
	}
	return n
}

func checkTiles(dir, vkey, old string) {
	tree := openCheckpoint(filepath.Join(dir, "checkpoint"), vkey)
	hr := tlog.TileHashReader(tree, dirTiles{dir})
	root, err := tlog.TreeHash(tree.N, hr)
	if err != nil {
		fail("tlog.TreeHash over the tiles: %v", err)
	}
	if root != tree.Hash {
		fail("the tiles give root %v, the checkpoint says %v", root, tree.Hash)
	}
	n := checkEntries(dir, tree, hr)
	fmt.Printf("tiles: size %d, root from the tiles equals the checkpoint's, %d entries hash "+
		"to their leaves\n", tree.N, n)
	if old == "" {
		return
	}
	prev := openCheckpoint(old, vkey)
	if prev.N == 0 || prev.N > tree.N {
		fail("old checkpoint of size %d cannot be checked against %d", prev.N, tree.N)
	}
	p, err := tlog.ProveTree(tree.N, prev.N, hr)
	if err != nil {
		fail("tlog.ProveTree from the tiles: %v", err)
	}
	if err := tlog.CheckTree(p, tree.N, tree.Hash, prev.N, prev.Hash); err != nil {
		fail("consistency %d -> %d: %v", prev.N, tree.N, err)
	}
	// The old tree's root from the same tiles too.
	oldRoot, err := tlog.TreeHash(prev.N, hr)
	if err != nil || !bytes.Equal(oldRoot[:], prev.Hash[:]) {
		fail("the tiles do not give the old checkpoint's root (%v)", err)
	}
	fmt.Printf("tiles: checkpoint %d is consistent with %d\n", tree.N, prev.N)
}

func main() {
	if len(os.Args) < 2 {
		fail("usage: interop notes|open|proofs|tiles ...")
	}
	switch {
	case os.Args[1] == "notes" && len(os.Args) == 3:
		checkNotes(os.Args[2])
	case os.Args[1] == "open" && len(os.Args) == 4:
		tree := openCheckpoint(os.Args[2], os.Args[3])
		fmt.Printf("%d %s\n", tree.N, base64.StdEncoding.EncodeToString(tree.Hash[:]))
	case os.Args[1] == "proofs" && len(os.Args) == 2:
		checkProofs()
	case os.Args[1] == "tiles" && (len(os.Args) == 4 || len(os.Args) == 5):
		old := ""
		if len(os.Args) == 5 {
			old = os.Args[4]
		}
		checkTiles(os.Args[2], os.Args[3], old)
	default:
		fail("usage: interop notes|open|proofs|tiles ...")
	}
}
