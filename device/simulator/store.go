package simulator

import (
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/camsdesk/camsdesk/device"
)

// punch is one stored attendance log, 16 bytes so that 500,000 of them take 8 MB.
type punch struct {
	at    uint32 // Unix seconds
	user  uint32 // index into logStore.ids
	temp  uint16 // tenths of a degree Celsius; 0 when not measured
	kind  uint8  // index into punchTypes
	input uint8  // index into inputTypes
	flags uint8
}

const (
	flagMask uint8 = 1 << iota
	flagPhoto
)

// Punch types and input types as the device spells them.
var (
	punchTypes = []string{"CheckIn", "CheckOut", "BreakOut", "BreakIn", "OverTimeIn", "OverTimeOut", "MealIn", "MealOut"}
	inputTypes = []string{device.Fingerprint, device.Face, device.Palm, device.Card, device.Password}
)

const (
	kindCheckIn uint8 = iota
	kindCheckOut
	kindBreakOut
	kindBreakIn
	kindOverTimeIn
	kindOverTimeOut
)

func inputIndex(name string) uint8 {
	for i, t := range inputTypes {
		if t == name {
			return uint8(i)
		}
	}
	return 0
}

// logStore holds the device's punches sorted by time. It is guarded by Gateway.mu.
type logStore struct {
	rows   []punch
	ids    []string
	index  map[string]uint32
	photos int
}

func newLogStore() logStore { return logStore{index: map[string]uint32{}} }

func (s *logStore) intern(id string) uint32 {
	if i, ok := s.index[id]; ok {
		return i
	}
	i := uint32(len(s.ids))
	s.ids = append(s.ids, id)
	s.index[id] = i
	return i
}

// insert adds p in time order. A full device overwrites its oldest logs, a hundredth of them at a time.
func (s *logStore) insert(p punch) {
	if len(s.rows) >= MaxLogs {
		drop := MaxLogs / 100
		for _, r := range s.rows[:drop] {
			if r.flags&flagPhoto != 0 {
				s.photos--
			}
		}
		s.rows = append(s.rows[:0], s.rows[drop:]...)
	}
	i := sort.Search(len(s.rows), func(i int) bool { return s.rows[i].at > p.at })
	s.rows = append(s.rows, punch{})
	copy(s.rows[i+1:], s.rows[i:])
	s.rows[i] = p
	if p.flags&flagPhoto != 0 {
		s.photos++
	}
}

// merge adds sorted rows, keeping the store sorted; equal times keep the older rows first.
func (s *logStore) merge(add []punch) {
	if len(add) == 0 {
		return
	}
	for _, r := range add {
		if r.flags&flagPhoto != 0 {
			s.photos++
		}
	}
	if len(s.rows) == 0 {
		s.rows = add
		return
	}
	if add[0].at >= s.rows[len(s.rows)-1].at {
		s.rows = append(s.rows, add...)
		return
	}
	out := make([]punch, 0, len(s.rows)+len(add))
	i, j := 0, 0
	for i < len(s.rows) && j < len(add) {
		if add[j].at < s.rows[i].at {
			out = append(out, add[j])
			j++
		} else {
			out = append(out, s.rows[i])
			i++
		}
	}
	out = append(append(out, s.rows[i:]...), add[j:]...)
	s.rows = out
}

// between returns the rows [lo, hi) whose time lies in [from, to], both Unix seconds.
func (s *logStore) between(from, to int64) (lo, hi int) {
	f, t := clampUnix(from), clampUnix(to)
	lo = sort.Search(len(s.rows), func(i int) bool { return s.rows[i].at >= f })
	hi = sort.Search(len(s.rows), func(i int) bool { return s.rows[i].at > t })
	if to < 0 || from > math.MaxUint32 || hi < lo {
		return lo, lo
	}
	return lo, hi
}

func (s *logStore) clear() {
	s.rows, s.ids, s.index, s.photos = nil, nil, map[string]uint32{}, 0
}

func (s *logStore) clearPhotos() {
	for i := range s.rows {
		s.rows[i].flags &^= flagPhoto
	}
	s.photos = 0
}

func clampUnix(v int64) uint32 {
	switch {
	case v < 0:
		return 0
	case v > math.MaxUint32:
		return math.MaxUint32
	}
	return uint32(v)
}

// fitsUnix32 reports whether t can be stored as a punch time.
func fitsUnix32(t time.Time) bool {
	u := t.Unix()
	return u >= 0 && u <= math.MaxUint32
}

// logRow is a punch as LoadLog and Resend batches write it: UserID spelt so, Temperature a number or "".
type logRow struct {
	Type        string      `json:"Type"`
	Temperature jsonLiteral `json:"Temperature"`
	InputType   string      `json:"InputType"`
	UserID      string      `json:"UserID"`
	LogTime     string      `json:"LogTime"`
	FaceMask    bool        `json:"FaceMask"`
}

// jsonLiteral is preformatted JSON.
type jsonLiteral string

func (j jsonLiteral) MarshalJSON() ([]byte, error) { return []byte(j), nil }

// rowsOut formats rows for the wire; callers copy rows out of the store under the lock first.
func rowsOut(rows []punch, ids []string, zone *time.Location) []logRow {
	out := make([]logRow, len(rows))
	for i, r := range rows {
		temp := jsonLiteral(`""`)
		if r.temp > 0 {
			temp = jsonLiteral(tenths(r.temp))
		}
		out[i] = logRow{
			Type:        punchTypes[r.kind],
			Temperature: temp,
			InputType:   inputTypes[r.input],
			UserID:      ids[r.user],
			LogTime:     device.FormatTime(time.Unix(int64(r.at), 0), zone),
			FaceMask:    r.flags&flagMask != 0,
		}
	}
	return out
}

// tenths writes 368 as "36.8".
func tenths(v uint16) string {
	return strconv.Itoa(int(v)/10) + "." + strconv.Itoa(int(v)%10)
}
