// An independent check of livechain's C2SP checkpoints, outside our C++ code: the log's
// signature through Go's golang.org/x/mod/sumdb/note (the signed-note reference, from
// Debian's golang-golang-x-mod-dev), the witness's cosignature (c2sp.org/tlog-cosignature,
// type 0x04, which that package predates) through crypto/ed25519 directly.
//
//	go run witness_verify.go LOG_VKEY WITNESS_VKEY NOTE_FILE
//
// Prints "ok <origin> <tree size> <cosignature time>" and exits 0, or exits 1.
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 4 {
		fail("usage: witness_verify LOG_VKEY WITNESS_VKEY NOTE_FILE")
	}
	message, err := os.ReadFile(os.Args[3])
	if err != nil {
		fail("read note: %v", err)
	}
	verifier, err := note.NewVerifier(os.Args[1])
	if err != nil {
		fail("log vkey: %v", err)
	}
	// Open verifies the signature of every known key and ignores unknown ones (the
	// witness's cosignature line).
	opened, err := note.Open(message, note.VerifierList(verifier))
	if err != nil {
		fail("note.Open: %v", err)
	}
	lines := strings.Split(opened.Text, "\n")
	if len(lines) < 4 || lines[0] != verifier.Name() {
		fail("checkpoint origin %q is not the log key name %q", lines[0], verifier.Name())
	}
	if _, err := strconv.ParseUint(lines[1], 10, 64); err != nil {
		fail("tree size %q: %v", lines[1], err)
	}
	if root, err := base64.StdEncoding.DecodeString(lines[2]); err != nil || len(root) != 32 {
		fail("root hash %q is not base64 of 32 bytes", lines[2])
	}

	// The witness vkey: name+hex(id)+base64(0x04 || key).
	parts := strings.SplitN(os.Args[2], "+", 3)
	if len(parts) != 3 {
		fail("witness vkey: want name+id+key")
	}
	material, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(material) != 33 || material[0] != 0x04 {
		fail("witness vkey: want base64 of 0x04 and a 32-byte key")
	}
	public := ed25519.PublicKey(material[1:])
	digest := sha256.Sum256(append([]byte(parts[0]+"\n"), material...))
	wantID := binary.BigEndian.Uint32(digest[:4])
	if fmt.Sprintf("%08x", wantID) != parts[1] {
		fail("witness vkey: key id %s, computed %08x", parts[1], wantID)
	}
	for _, signature := range opened.UnverifiedSigs {
		if signature.Name != parts[0] || signature.Hash != wantID {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(signature.Base64)
		if err != nil || len(raw) != 4+8+64 {
			fail("cosignature: want key id, 8-byte time and 64-byte signature")
		}
		timestamp := binary.BigEndian.Uint64(raw[4:12])
		var signed bytes.Buffer
		fmt.Fprintf(&signed, "cosignature/v1\ntime %d\n%s", timestamp, opened.Text)
		if !ed25519.Verify(public, signed.Bytes(), raw[12:]) {
			fail("cosignature by %s does not verify", parts[0])
		}
		fmt.Printf("ok %s %s %d\n", lines[0], lines[1], timestamp)
		return
	}
	fail("no cosignature by %s", parts[0])
}
