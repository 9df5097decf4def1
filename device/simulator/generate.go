package simulator

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/camsdesk/camsdesk/device"
)

var (
	firstNames = []string{"Aarav", "Priya", "Rahul", "Ananya", "Vikram", "Meera", "Arjun", "Kavya", "Rohan", "Isha",
		"Sanjay", "Divya", "Amit", "Neha", "Karan", "Pooja", "Suresh", "Lakshmi", "Farhan", "Sara",
		"John", "Maria", "Ahmed", "Fatima", "Chen", "Yuki", "Olga", "Pedro", "Grace", "Tunde"}
	lastNames = []string{"Sharma", "Patel", "Iyer", "Reddy", "Nair", "Gupta", "Khan", "Singh", "Das", "Menon",
		"Joshi", "Rao", "Kapoor", "Bose", "Mehta", "Pillai", "Verma", "Kulkarni", "Fernandes", "Ali",
		"Smith", "Garcia", "Hassan", "Wang", "Sato", "Ivanova", "Silva", "Okafor", "Mensah", "Brown"}
)

// SeedUsers adds users "1".."n" that the device does not have yet, with names, a card, a fingerprint and for
// some a face, and returns how many it added. No callbacks are sent.
func (g *Gateway) SeedUsers(n int) (int, error) {
	if n < 0 || n > MaxUsers {
		return 0, fmt.Errorf("simulator: users to seed must be 0 to %d, got %d", MaxUsers, n)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	fps, faces := g.templateCounts()
	added := 0
	for i := 1; i <= n; i++ {
		id := strconv.Itoa(i)
		if _, ok := g.users[id]; ok {
			continue
		}
		if len(g.users) >= MaxUsers {
			break
		}
		u := &user{User: User{
			UserID:    id,
			FirstName: firstNames[g.rng.IntN(len(firstNames))],
			LastName:  lastNames[g.rng.IntN(len(lastNames))],
			UserType:  "User",
		}, templates: map[templateKey]device.TemplateData{}}
		if i == 1 {
			u.UserType = "Admin"
		}
		add := func(t device.TemplateData) { u.templates[keyOf(t)] = t }
		add(device.TemplateData{Type: device.Card, UserID: id, Data: strconv.Itoa(10000000 + g.rng.IntN(90000000))})
		if fps < MaxFingerprints {
			add(g.biometric(device.Fingerprint, id, "0"))
			fps++
		}
		if faces < MaxFaces && g.rng.IntN(10) < 4 {
			add(g.biometric(device.Face, id, "0"))
			faces++
		}
		if g.rng.IntN(20) == 0 {
			add(device.TemplateData{Type: device.Password, UserID: id, Data: strconv.Itoa(1000 + g.rng.IntN(9000))})
		}
		g.putUser(u)
		added++
	}
	return added, nil
}

// biometric makes template data of a biometric type: a JPEG for faces and photos, an opaque blob otherwise.
// The caller holds g.mu.
func (g *Gateway) biometric(typ, userID, index string) device.TemplateData {
	t := device.TemplateData{Type: typ, UserID: userID, Index: index}
	switch typ {
	case device.Face, device.UserPhoto:
		t.Data = photo()
	default:
		blob := make([]byte, 384)
		for i := range blob {
			blob[i] = byte(g.rng.Uint32())
		}
		t.Data = base64.StdEncoding.EncodeToString(blob)
	}
	raw, _ := base64.StdEncoding.DecodeString(t.Data)
	t.Size = strconv.Itoa(len(raw))
	if typ == device.UserPhoto {
		t.Index = ""
	}
	return t
}

// GeneratePunches adds n punches between from and to (inclusive) by the device's users, seeding DefaultUsers
// users first when it has none. Punches fall on working hours (07:00–20:00 device time) when those leave at
// least a second per punch, else anywhere in the range; their types follow the hour of the day.
func (g *Gateway) GeneratePunches(n int, from, to time.Time) error {
	switch {
	case n < 0:
		return fmt.Errorf("simulator: punch count must not be negative, got %d", n)
	case to.Before(from):
		return errors.New("simulator: the end of the range is before its start")
	case !fitsUnix32(from) || !fitsUnix32(to):
		return errors.New("simulator: punch times must lie between 1970 and 2106")
	case n == 0:
		return nil
	}
	g.mu.Lock()
	empty := len(g.users) == 0
	room := MaxLogs - len(g.logs.rows)
	g.mu.Unlock()
	if n > room {
		return fmt.Errorf("simulator: device memory full: %d logs stored, room for %d more", MaxLogs-room, room)
	}
	if empty {
		if _, err := g.SeedUsers(DefaultUsers); err != nil {
			return err
		}
	}

	g.mu.Lock()
	if room := MaxLogs - len(g.logs.rows); n > room {
		g.mu.Unlock()
		return fmt.Errorf("simulator: device memory full: %d logs stored, room for %d more", MaxLogs-room, room)
	}
	order := g.userOrder()
	if len(order) == 0 {
		g.mu.Unlock()
		return ErrNoUsers
	}
	people := make([]uint32, len(order))
	inputs := make([][]uint8, len(order))
	for i, id := range order {
		people[i] = g.logs.intern(id)
		inputs[i] = userInputs(g.users[id])
	}
	rng := rand.New(rand.NewPCG(g.rng.Uint64(), g.rng.Uint64()))
	g.mu.Unlock()

	rows := generateRows(rng, n, from, to, g.zone, people, inputs)

	g.mu.Lock()
	defer g.mu.Unlock()
	if room := MaxLogs - len(g.logs.rows); n > room {
		return fmt.Errorf("simulator: device memory full: %d logs stored, room for %d more", MaxLogs-room, room)
	}
	g.logs.merge(rows)
	return nil
}

// userInputs lists the input types a user can punch with, from the templates they have.
func userInputs(u *user) []uint8 {
	var out []uint8
	for k := range u.templates {
		switch k.typ {
		case device.Fingerprint, device.Face, device.Palm, device.Card, device.Password:
			out = append(out, inputIndex(k.typ))
		}
	}
	if len(out) == 0 {
		out = []uint8{inputIndex(device.Fingerprint)}
	}
	// Map iteration order is random: sort so that a seed gives the same punches.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

type span struct{ start, end int64 } // Unix seconds, [start, end)

// workingSpans cuts [from, to] to the device's working hours, day by day.
func workingSpans(from, to time.Time, zone *time.Location) ([]span, int64) {
	var spans []span
	var total int64
	f, t := from.Unix(), to.Unix()+1
	day := from.In(zone)
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, zone)
	for !day.After(to) {
		s := time.Date(day.Year(), day.Month(), day.Day(), 7, 0, 0, 0, zone).Unix()
		e := time.Date(day.Year(), day.Month(), day.Day(), 20, 0, 0, 0, zone).Unix()
		s, e = max(s, f), min(e, t)
		if e > s {
			spans = append(spans, span{s, e})
			total += e - s
		}
		day = time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, zone)
	}
	return spans, total
}

// generateRows spreads n punches evenly, with jitter, over the range: row i falls in the i-th n-th of it, so
// the rows come out sorted and, when the range leaves a second per row, at distinct seconds.
func generateRows(rng *rand.Rand, n int, from, to time.Time, zone *time.Location, people []uint32, inputs [][]uint8) []punch {
	spans, total := workingSpans(from, to, zone)
	if total < int64(n) {
		spans, total = []span{{from.Unix(), to.Unix() + 1}}, to.Unix()+1-from.Unix()
	}
	rows := make([]punch, n)
	perm := make([]int, len(people))
	for i := range perm {
		perm[i] = i
	}
	step := float64(total) / float64(n)
	cur, base := 0, int64(0)
	for i := range rows {
		pos := int64((float64(i) + rng.Float64()) * step)
		for pos >= base+spans[cur].end-spans[cur].start && cur < len(spans)-1 {
			base += spans[cur].end - spans[cur].start
			cur++
		}
		at := min(spans[cur].start+pos-base, spans[cur].end-1)
		// Each round of len(people) rows has every user once, in a fresh order.
		if i%len(perm) == 0 {
			rng.Shuffle(len(perm), func(a, b int) { perm[a], perm[b] = perm[b], perm[a] })
		}
		who := perm[i%len(perm)]
		in := inputs[who][rng.IntN(len(inputs[who]))]
		p := punch{at: uint32(at), user: people[who], input: in, kind: kindAt(time.Unix(at, 0).In(zone).Hour())}
		if rng.IntN(10) != 0 {
			p.temp = uint16(360 + rng.IntN(15))
		}
		if rng.IntN(7) == 0 {
			p.flags |= flagMask
		}
		if inputTypes[in] == device.Face && rng.IntN(4) == 0 {
			p.flags |= flagPhoto
		}
		rows[i] = p
	}
	return rows
}

// kindAt is the punch type typical of an hour of the device's day.
func kindAt(hour int) uint8 {
	switch {
	case hour < 11:
		return kindCheckIn
	case hour < 13:
		return kindBreakOut
	case hour < 15:
		return kindBreakIn
	case hour < 18:
		return kindCheckOut
	case hour < 19:
		return kindOverTimeIn
	}
	return kindOverTimeOut
}
