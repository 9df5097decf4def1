package receiver

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func appendN(t *testing.T, j *journal, n int, size int) {
	t.Helper()
	for i := 0; i < n; i++ {
		recs := []record{{Received: time.Unix(1700000000, int64(i)), STGID: "S", Body: bytes.Repeat([]byte{'x'}, size)}}
		if err := j.Append(recs); err != nil {
			t.Fatal(err)
		}
	}
}

func readAll(t *testing.T, dir string, from, to uint64) []record {
	t.Helper()
	var got []record
	if err := readJournal(dir, from, to, func(r record) error { got = append(got, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestJournalRoundTrip(t *testing.T) {
	dir := t.TempDir()
	j, cut, err := openJournal(dir, 1000) // small segments: several files
	if err != nil || cut != 0 {
		t.Fatal(err, cut)
	}
	recs := []record{
		{Received: time.Unix(1, 2), STGID: "STG-1", Body: []byte(`{"a":1}`)},
		{Received: time.Unix(3, 4), Flags: flagTooLarge},
		{Received: time.Unix(5, 6), STGID: "", Body: []byte{}},
	}
	if err := j.Append(recs); err != nil {
		t.Fatal(err)
	}
	appendN(t, j, 20, 200)
	j.Close()
	segs, _ := listSegments(dir)
	if len(segs) < 3 {
		t.Fatalf("%d segments, want several", len(segs))
	}
	j, cut, err = openJournal(dir, 1000)
	if err != nil || cut != 0 || j.LastSeq() != 23 {
		t.Fatalf("reopen: last %d cut %d err %v", j.LastSeq(), cut, err)
	}
	defer j.Close()
	all := readAll(t, dir, 1, 1<<62)
	if len(all) != 23 {
		t.Fatalf("read %d records, want 23", len(all))
	}
	for i, r := range all {
		if r.Seq != uint64(i+1) {
			t.Fatalf("record %d has seq %d", i, r.Seq)
		}
	}
	if r := all[0]; r.STGID != "STG-1" || string(r.Body) != `{"a":1}` || !r.Received.Equal(time.Unix(1, 2)) || r.tooLarge() {
		t.Errorf("first = %+v", r)
	}
	if !all[1].tooLarge() {
		t.Error("flag lost")
	}
	if got := readAll(t, dir, 10, 12); len(got) != 3 || got[0].Seq != 10 || got[2].Seq != 12 {
		t.Errorf("range 10..12 = %d records", len(got))
	}
}

// TestJournalTornTail: a record half-written when the process died is cut off on open, and nothing before it
// is lost.
func TestJournalTornTail(t *testing.T) {
	for _, damage := range []string{"half header", "half payload", "bad crc", "zero length", "huge length"} {
		t.Run(damage, func(t *testing.T) {
			dir := t.TempDir()
			j, _, _ := openJournal(dir, 1<<20)
			appendN(t, j, 5, 50)
			j.Close()
			segs, _ := listSegments(dir)
			path := segs[len(segs)-1].path
			whole := appendRecord(nil, record{Seq: 6, Received: time.Now(), Body: []byte(`{"torn":true}`)})
			var tail []byte
			switch damage {
			case "half header":
				tail = whole[:5]
			case "half payload":
				tail = whole[:len(whole)-3]
			case "bad crc":
				tail = append([]byte(nil), whole...)
				tail[len(tail)-1] ^= 0xff
			case "zero length":
				tail = make([]byte, 8)
			case "huge length":
				tail = append([]byte{0xff, 0xff, 0xff, 0x7f}, whole[4:]...)
			}
			f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			f.Write(tail)
			f.Close()
			j, cut, err := openJournal(dir, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if cut != int64(len(tail)) || j.LastSeq() != 5 {
				t.Fatalf("cut %d (want %d), last %d (want 5)", cut, len(tail), j.LastSeq())
			}
			appendN(t, j, 1, 10)
			j.Close()
			got := readAll(t, dir, 1, 100)
			if len(got) != 6 || got[5].Seq != 6 || string(got[5].Body) != "xxxxxxxxxx" {
				t.Fatalf("after repair: %d records", len(got))
			}
		})
	}
}

func TestJournalPrune(t *testing.T) {
	dir := t.TempDir()
	j, _, _ := openJournal(dir, 500)
	appendN(t, j, 30, 200) // about one record per segment
	defer j.Close()
	before, _ := listSegments(dir)
	if err := j.Prune(10, 0); err != nil {
		t.Fatal(err)
	}
	after, _ := listSegments(dir)
	if len(after) >= len(before) {
		t.Fatalf("nothing pruned: %d segments", len(after))
	}
	// Everything after seq 10 is still there.
	got := readAll(t, dir, 11, 100)
	if len(got) != 20 || got[0].Seq != 11 {
		t.Fatalf("after prune: %d records from 11", len(got))
	}
	// A generous keep deletes nothing.
	n := len(after)
	j.Prune(30, 1<<30)
	if again, _ := listSegments(dir); len(again) != n {
		t.Errorf("prune under keep removed segments")
	}
}

func TestJournalSetNext(t *testing.T) {
	dir := t.TempDir()
	j, _, _ := openJournal(dir, 1<<20)
	j.SetNext(101) // the store already has seq 100
	appendN(t, j, 1, 1)
	j.SetNext(50) // never backwards
	appendN(t, j, 1, 1)
	j.Close()
	got := readAll(t, dir, 0, 1000)
	if len(got) != 2 || got[0].Seq != 101 || got[1].Seq != 102 {
		t.Fatalf("seqs: %v", seqsOf(got))
	}
	// An empty last segment (created just before a crash) keeps the numbering.
	os.WriteFile(filepath.Join(dir, segmentName(103)), nil, 0o600)
	j, _, _ = openJournal(dir, 1<<20)
	if j.LastSeq() != 102 {
		t.Errorf("last = %d, want 102", j.LastSeq())
	}
	j.Close()
}

func seqsOf(rs []record) string {
	s := ""
	for _, r := range rs {
		s += fmt.Sprint(r.Seq, " ")
	}
	return s
}
