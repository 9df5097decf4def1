package data

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// GenerateDemo fills s with realistic demo data, fast: devices (stgid DEMO-0001, ...), users
// with cards, fingerprints and faces, and punches on working days back from today: check in
// and out, some breaks, and about 1% from user ids no device knows. Meant for an empty store,
// where it writes exactly punches punches; the same seed gives the same data on the same day.
func GenerateDemo(ctx context.Context, s *Store, devices, users, punches int, seed int64) error {
	if devices < 1 || users < 0 || punches < 0 {
		return fmt.Errorf("data: generate demo: need devices >= 1, users >= 0, punches >= 0")
	}
	g := demo{rnd: rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x5eed))}
	if err := g.devices(ctx, s, devices); err != nil {
		return fmt.Errorf("data: generate demo: %w", err)
	}
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		defer bulkCache(tx)()
		if err := g.users(tx, users); err != nil {
			return err
		}
		if err := g.punches(tx, punches); err != nil {
			return err
		}
		return g.events(tx)
	})
	if err != nil {
		return fmt.Errorf("data: generate demo: %w", err)
	}
	after := "PRAGMA wal_checkpoint(TRUNCATE)" // give back the WAL the bulk load grew
	if s.pg {
		// What autovacuum would do later: statistics for the planner, and the visibility map
		// that lets counts read the indexes alone.
		after = "VACUUM (ANALYZE) devices, users, templates, punches, events"
	}
	if err := s.writer.WithContext(ctx).Exec(after).Error; err != nil {
		return fmt.Errorf("data: generate demo: %s: %w", after, err)
	}
	return nil
}

// bulkCache enlarges SQLite's page cache for a bulk load and returns the undo.
func bulkCache(tx *gorm.DB) (restore func()) {
	if tx.Dialector.Name() != "sqlite" {
		return func() {}
	}
	var old int
	if err := tx.Raw("PRAGMA cache_size").Scan(&old).Error; err != nil {
		return func() {}
	}
	tx.Exec("PRAGMA cache_size = -262144") // 256 MiB
	return func() { tx.Exec(fmt.Sprintf("PRAGMA cache_size = %d", old)) }
}

type demoDevice struct {
	id     uint
	offset int // seconds east of UTC
}

type demoPerson struct {
	device    demoDevice
	userID    string
	inputType string
	faces     bool
}

type demo struct {
	rnd    *rand.Rand
	devs   []demoDevice
	people []demoPerson // enrolled users, then ~1% unknown ids
}

var (
	demoDeviceNames = []string{"Main Gate", "Warehouse", "Head Office", "Factory Floor", "Branch North",
		"Branch South", "Loading Bay", "Reception"}
	demoOffsets    = []int{3 * 3600, 5*3600 + 1800, 0, 3600, -5 * 3600, 8 * 3600}
	demoFirstNames = []string{"Aisha", "Ben", "Carlos", "Dana", "Elif", "Farid", "Grace", "Hiro", "Ines",
		"Jamal", "Kavya", "Liam", "Maya", "Noor", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tariq", "Uma",
		"Victor", "Wen", "Yusuf", "Zara"}
	demoLastNames = []string{"Ahmed", "Brown", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Haddad",
		"Ito", "Johnson", "Khan", "Lopez", "Mensah", "Nakamura", "Okafor", "Patel", "Rossi", "Silva",
		"Tanaka", "Usman", "Varga", "Williams", "Yilmaz", "Zhang"}
)

func (g *demo) devices(ctx context.Context, s *Store, n int) error {
	for i := range n {
		name := demoDeviceNames[i%len(demoDeviceNames)]
		if i >= len(demoDeviceNames) {
			name += " " + strconv.Itoa(i/len(demoDeviceNames)+1)
		}
		d, err := s.EnsureDevice(ctx, fmt.Sprintf("DEMO-%04d", i+1), name)
		if err != nil {
			return err
		}
		seen := time.Now().UTC().Truncate(time.Second)
		err = s.writer.WithContext(ctx).Model(&Device{}).Where("id = ?", d.ID).Updates(map[string]any{
			"serial_number": fmt.Sprintf("CAMS-DEMO-%04d", i+1), "label_name": name, "last_seen": seen,
		}).Error
		if err != nil {
			return err
		}
		g.devs = append(g.devs, demoDevice{id: d.ID, offset: demoOffsets[i%len(demoOffsets)]})
	}
	return nil
}

func (g *demo) users(tx *gorm.DB, n int) error {
	now := time.Now().UTC()
	var us []User
	var ts []Template
	for i := range n {
		dev := g.devs[i%len(g.devs)]
		p := demoPerson{device: dev, userID: strconv.Itoa(i/len(g.devs) + 1), inputType: TemplateFingerprint}
		u := User{DeviceID: dev.id, UserID: p.userID, UserType: "User",
			FirstName: demoFirstNames[g.rnd.IntN(len(demoFirstNames))],
			LastName:  demoLastNames[g.rnd.IntN(len(demoLastNames))]}
		if p.userID == "1" {
			u.UserType = "Admin"
		}
		card := Template{DeviceID: dev.id, UserID: p.userID, Type: TemplateCard,
			Data: strconv.Itoa(1000000000 + g.rnd.IntN(900000000)), UpdatedAt: now}
		ts = append(ts, card)
		switch r := g.rnd.IntN(10); {
		case r < 6:
			ts = append(ts, g.template(dev.id, p.userID, TemplateFingerprint, "0", now))
			if r < 2 {
				ts = append(ts, g.template(dev.id, p.userID, TemplateFingerprint, "1", now))
			}
		case r < 9:
			p.inputType, p.faces = TemplateFace, true
			ts = append(ts, g.template(dev.id, p.userID, TemplateFace, "0", now))
		default:
			p.inputType = TemplateCard
		}
		us = append(us, u)
		g.people = append(g.people, p)
	}
	for i := range max(1, n/100) { // ids that punch but are not enrolled
		dev := g.devs[i%len(g.devs)]
		g.people = append(g.people, demoPerson{device: dev, userID: strconv.Itoa(90000 + i), inputType: TemplateCard})
	}
	if len(us) == 0 {
		return nil
	}
	if err := tx.Clauses(clause.OnConflict{Columns: userKey, DoNothing: true}).CreateInBatches(&us, batchRows(tx)).Error; err != nil {
		return fmt.Errorf("users: %w", err)
	}
	if err := tx.Clauses(clause.OnConflict{Columns: templateKey, DoNothing: true}).CreateInBatches(&ts, batchRows(tx)).Error; err != nil {
		return fmt.Errorf("templates: %w", err)
	}
	return nil
}

func (g *demo) template(deviceID uint, userID, typ, idx string, at time.Time) Template {
	size := 1176
	data := "TVNTUyEhAAA" + strconv.FormatUint(g.rnd.Uint64(), 36) // opaque, like a real fingerprint
	if typ == TemplateFace {
		size, data = 2048, "/9j/4AAQSkZJRgABAQAAAQABAAD"+strconv.FormatUint(g.rnd.Uint64(), 36)
	}
	return Template{DeviceID: deviceID, UserID: userID, Type: typ, Idx: idx, Size: size, Data: data, UpdatedAt: at}
}

// punches walks working days back from today, every person punching on ~93% of them. Each
// day's punches are inserted in time order, as a device would have sent them.
func (g *demo) punches(tx *gorm.DB, n int) error {
	var day []Punch
	now := time.Now().UTC()
	today := now.Truncate(24 * time.Hour)
	q := newPunchInsert(tx)
	for date := today; n > 0 && len(g.people) > 0; date = date.AddDate(0, 0, -1) {
		if wd := date.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		day = day[:0]
		for _, p := range g.people {
			if g.rnd.IntN(100) < 93 {
				day = append(day, g.dayOf(p, date)...)
			}
		}
		if len(day) > n {
			day = day[:n]
		}
		slices.SortFunc(day, func(a, b Punch) int { return a.UTC.Compare(b.UTC) })
		_, err := q.exec(tx, len(day), func(i int, args []any) []any { return punchValues(args, &day[i], now) })
		if err != nil {
			return fmt.Errorf("punches: %w", err)
		}
		n -= len(day)
	}
	return nil
}

// demoMark is a punch type at a time of the device's day.
type demoMark struct {
	typ string
	at  time.Duration
}

// dayOf returns one person's punches of one working day: in, maybe a break, out.
func (g *demo) dayOf(p demoPerson, day time.Time) []Punch {
	minute := func(from, span int) time.Duration {
		return time.Duration(from*60+g.rnd.IntN(span*60)) * time.Second
	}
	marks := []demoMark{{"CheckIn", 7*time.Hour + 30*time.Minute + minute(0, 120)}}
	if g.rnd.IntN(100) < 8 {
		out := 12*time.Hour + minute(0, 30)
		marks = append(marks, demoMark{"BreakOut", out}, demoMark{"BreakIn", out + 20*time.Minute + minute(0, 25)})
	}
	marks = append(marks, demoMark{"CheckOut", 16*time.Hour + 30*time.Minute + minute(0, 120)})

	out := make([]Punch, 0, len(marks))
	for _, m := range marks {
		wall := day.Add(m.at) // device wall clock, as if it were UTC
		utc := wall.Add(-time.Duration(p.device.offset) * time.Second)
		pt := Punch{
			DeviceID: p.device.id, UserID: p.userID, UTC: utc,
			Local: wall.Format(LocalLayout), LocalDate: wall.Format(DateLayout), UTCOffset: p.device.offset,
			LogTime: wall.Format(LocalLayout) + " GMT " + offsetText(p.device.offset),
			Type:    m.typ, InputType: p.inputType, Source: SourceCallback,
		}
		if g.rnd.IntN(100) < 5 {
			pt.Source = SourceLoadLog
		}
		if p.faces {
			temp := float64(361+g.rnd.IntN(12)) / 10
			mask := g.rnd.IntN(4) == 0
			pt.Temperature, pt.FaceMask = &temp, &mask
		}
		out = append(out, pt)
	}
	return out
}

func (g *demo) events(tx *gorm.DB) error {
	now := time.Now().UTC().Truncate(time.Second)
	var es []Event
	for _, d := range g.devs {
		at := now.AddDate(0, 0, -g.rnd.IntN(20)-1)
		wall := at.Add(time.Duration(d.offset) * time.Second).Format(LocalLayout)
		es = append(es, Event{DeviceID: d.id, Kind: EventDateModified, Detail: wall,
			OperationTime: wall + " GMT " + offsetText(d.offset), UTC: at, LocalDate: wall[:len(DateLayout)]})
	}
	if len(es) == 0 {
		return nil
	}
	if err := tx.Create(&es).Error; err != nil {
		return fmt.Errorf("events: %w", err)
	}
	return nil
}

// offsetText formats seconds east of UTC as the protocol does: +0530.
func offsetText(sec int) string {
	sign := '+'
	if sec < 0 {
		sign, sec = '-', -sec
	}
	return fmt.Sprintf("%c%02d%02d", sign, sec/3600, sec%3600/60)
}
