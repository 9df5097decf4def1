package receiver

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The journal is a directory of append-only segment files, each named by the first sequence number it holds.
// A record is: payload length (uint32), CRC-32C of the payload (uint32), then the payload:
// seq (uint64), received (unix ns, int64), flags (byte), stgid length (uint16), stgid, body.
// All integers are little-endian.

const (
	segmentExt     = ".wal"
	recordHeader   = 8
	payloadFixed   = 8 + 8 + 1 + 2
	maxStgidLength = 1<<16 - 1
	// maxPayload bounds a record so that a corrupt length cannot make the reader allocate gigabytes.
	maxPayload = MaxBody + payloadFixed + maxStgidLength + 1024
)

// Record flags.
const (
	flagTooLarge byte = 1 << iota // the body was over MaxBody and is not kept
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// record is one callback as the journal keeps it.
type record struct {
	Seq      uint64
	Received time.Time
	Flags    byte
	STGID    string
	Body     []byte
}

func (r record) tooLarge() bool { return r.Flags&flagTooLarge != 0 }

func appendRecord(dst []byte, r record) []byte {
	stgid := r.STGID
	if len(stgid) > maxStgidLength {
		stgid = stgid[:maxStgidLength]
	}
	n := payloadFixed + len(stgid) + len(r.Body)
	start := len(dst)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(n))
	dst = binary.LittleEndian.AppendUint32(dst, 0) // CRC, filled below
	p := len(dst)
	dst = binary.LittleEndian.AppendUint64(dst, r.Seq)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(r.Received.UnixNano()))
	dst = append(dst, r.Flags)
	dst = binary.LittleEndian.AppendUint16(dst, uint16(len(stgid)))
	dst = append(dst, stgid...)
	dst = append(dst, r.Body...)
	binary.LittleEndian.PutUint32(dst[start+4:], crc32.Checksum(dst[p:], crcTable))
	return dst
}

var errTorn = errors.New("torn or corrupt record")

// readRecord reads one record; io.EOF at a clean end, errTorn for a partial or corrupt one.
func readRecord(r *bufio.Reader, buf []byte) (record, []byte, error) {
	var h [recordHeader]byte
	if n, err := io.ReadFull(r, h[:]); err != nil {
		if n == 0 && err == io.EOF {
			return record{}, buf, io.EOF
		}
		return record{}, buf, errTorn
	}
	n := binary.LittleEndian.Uint32(h[:4])
	if n < payloadFixed || n > maxPayload {
		return record{}, buf, errTorn
	}
	if cap(buf) < int(n) {
		buf = make([]byte, n)
	}
	p := buf[:n]
	if _, err := io.ReadFull(r, p); err != nil {
		return record{}, buf, errTorn
	}
	if crc32.Checksum(p, crcTable) != binary.LittleEndian.Uint32(h[4:]) {
		return record{}, buf, errTorn
	}
	sl := int(binary.LittleEndian.Uint16(p[17:19]))
	if payloadFixed+sl > len(p) {
		return record{}, buf, errTorn
	}
	rec := record{
		Seq:      binary.LittleEndian.Uint64(p[0:8]),
		Received: time.Unix(0, int64(binary.LittleEndian.Uint64(p[8:16]))),
		Flags:    p[16],
		STGID:    string(p[payloadFixed : payloadFixed+sl]),
		Body:     append([]byte(nil), p[payloadFixed+sl:]...),
	}
	return rec, buf, nil
}

// journal appends records to segment files. It is used by one goroutine at a time.
type journal struct {
	dir    string
	segMax int64
	f      *os.File
	size   int64
	last   uint64 // last seq written
	buf    []byte
}

type segment struct {
	first uint64
	path  string
	size  int64
}

func segmentName(first uint64) string { return fmt.Sprintf("%020d%s", first, segmentExt) }

func listSegments(dir string) ([]segment, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("journal: list %s: %w", dir, err)
	}
	var segs []segment
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, segmentExt) {
			continue
		}
		first, err := strconv.ParseUint(strings.TrimSuffix(name, segmentExt), 10, 64)
		if err != nil {
			continue
		}
		var size int64
		if info, err := e.Info(); err == nil {
			size = info.Size()
		}
		segs = append(segs, segment{first: first, path: filepath.Join(dir, name), size: size})
	}
	sort.Slice(segs, func(i, j int) bool { return segs[i].first < segs[j].first })
	return segs, nil
}

// openJournal opens the journal in dir, cutting a torn record off the end of the last segment.
// It reports how many bytes were cut.
func openJournal(dir string, segMax int64) (*journal, int64, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, 0, fmt.Errorf("journal: create %s: %w", dir, err)
	}
	j := &journal{dir: dir, segMax: segMax}
	segs, err := listSegments(dir)
	if err != nil {
		return nil, 0, err
	}
	if len(segs) == 0 {
		return j, 0, nil
	}
	lastSeg := segs[len(segs)-1]
	last, good, err := scanSegment(lastSeg.path)
	if err != nil {
		return nil, 0, err
	}
	// An empty last segment (created, then crashed) says nothing about seqs: look at the one before.
	if last == 0 && len(segs) > 1 {
		if last, _, err = scanSegment(segs[len(segs)-2].path); err != nil {
			return nil, 0, err
		}
	}
	if last == 0 && lastSeg.first > 0 {
		last = lastSeg.first - 1
	}
	f, err := os.OpenFile(lastSeg.path, os.O_RDWR, 0o600)
	if err != nil {
		return nil, 0, fmt.Errorf("journal: open %s: %w", lastSeg.path, err)
	}
	cut := lastSeg.size - good
	if cut > 0 {
		if err := f.Truncate(good); err != nil {
			f.Close()
			return nil, 0, fmt.Errorf("journal: cut torn tail of %s: %w", lastSeg.path, err)
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, 0, fmt.Errorf("journal: sync %s: %w", lastSeg.path, err)
		}
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("journal: seek %s: %w", lastSeg.path, err)
	}
	j.f, j.size, j.last = f, good, last
	return j, cut, nil
}

// scanSegment returns the last seq in a segment and the length of its intact prefix.
func scanSegment(path string) (last uint64, good int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, fmt.Errorf("journal: open %s: %w", path, err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	var buf []byte
	for {
		var rec record
		rec, buf, err = readRecord(r, buf)
		if err != nil {
			return last, good, nil
		}
		last = rec.Seq
		good += int64(recordHeader + payloadFixed + len(rec.STGID) + len(rec.Body))
	}
}

// LastSeq is the last sequence number written.
func (j *journal) LastSeq() uint64 { return j.last }

// SetNext makes the next record's seq at least next (used when the store knows a higher seq).
func (j *journal) SetNext(next uint64) {
	if next > 0 && next-1 > j.last {
		j.last = next - 1
	}
}

// Append writes the records and syncs them.
func (j *journal) Append(recs []record) error {
	if err := j.Write(recs); err != nil {
		return err
	}
	return j.Sync(false)
}

// Write numbers the records and writes them to the current segment (readable at once, durable after Sync).
// On error nothing written is kept: the tail is cut off and the next Write starts a new segment.
func (j *journal) Write(recs []record) error {
	if j.f == nil || j.size >= j.segMax {
		if err := j.rotate(); err != nil {
			for i := range recs {
				j.last++
				recs[i].Seq = j.last
			}
			return err
		}
	}
	size := 0
	for i := range recs {
		size += recordHeader + payloadFixed + min(len(recs[i].STGID), maxStgidLength) + len(recs[i].Body)
	}
	if cap(j.buf) < size {
		j.buf = make([]byte, 0, size)
	}
	j.buf = j.buf[:0]
	for i := range recs {
		j.last++
		recs[i].Seq = j.last
		j.buf = appendRecord(j.buf, recs[i])
	}
	before := j.size
	n, err := j.f.Write(j.buf)
	j.size += int64(n)
	if cap(j.buf) > 4<<20 {
		j.buf = nil
	}
	if err != nil {
		j.f.Truncate(before)
		j.f.Close()
		j.f = nil
		return fmt.Errorf("journal: write: %w", err)
	}
	return nil
}

// Sync makes what was written durable; with files, also the photo files written since the last Sync. After
// a failed sync the next Write starts a new segment, since the state of this one on disk is unknown.
func (j *journal) Sync(files bool) error {
	if j.f == nil {
		return errors.New("journal: sync: no segment open")
	}
	if err := syncBatch(j.f, files); err != nil {
		j.f.Close()
		j.f = nil
		return fmt.Errorf("journal: sync: %w", err)
	}
	return nil
}

func (j *journal) rotate() error {
	if j.f != nil {
		if err := j.f.Close(); err != nil {
			return fmt.Errorf("journal: close segment: %w", err)
		}
		j.f = nil
	}
	path := filepath.Join(j.dir, segmentName(j.last+1))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("journal: create segment: %w", err)
	}
	if err := syncDir(j.dir); err != nil {
		f.Close()
		return err
	}
	j.f, j.size = f, 0
	return nil
}

// Close closes the current segment.
func (j *journal) Close() error {
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	if err != nil {
		return fmt.Errorf("journal: close: %w", err)
	}
	return nil
}

// Prune deletes the oldest segments that hold only seqs up to applied while the journal is larger than keep.
// The segment being written is never deleted.
func (j *journal) Prune(applied uint64, keep int64) error {
	segs, err := listSegments(j.dir)
	if err != nil || len(segs) < 2 {
		return err
	}
	var total int64
	for _, s := range segs {
		total += s.size
	}
	for i := 0; i < len(segs)-1 && total > keep; i++ {
		if segs[i+1].first-1 > applied {
			break
		}
		if err := os.Remove(segs[i].path); err != nil {
			return fmt.Errorf("journal: prune: %w", err)
		}
		total -= segs[i].size
	}
	return nil
}

// readJournal calls fn for every intact record with from <= seq <= to, in order.
func readJournal(dir string, from, to uint64, fn func(record) error) error {
	segs, err := listSegments(dir)
	if err != nil {
		return err
	}
	for i, s := range segs {
		if i+1 < len(segs) && segs[i+1].first <= from {
			continue
		}
		if s.first > to {
			break
		}
		stop, err := readSegment(s.path, from, to, fn)
		if err != nil || stop {
			return err
		}
	}
	return nil
}

func readSegment(path string, from, to uint64, fn func(record) error) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, fmt.Errorf("journal: open %s: %w", path, err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	var buf []byte
	for {
		var rec record
		rec, buf, err = readRecord(r, buf)
		if err != nil {
			// A torn tail is where the writer stopped; nothing after it was acknowledged.
			return false, nil
		}
		if rec.Seq < from {
			continue
		}
		if rec.Seq > to {
			return true, nil
		}
		if err := fn(rec); err != nil {
			return true, err
		}
	}
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("journal: open dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("journal: sync dir: %w", err)
	}
	return nil
}
