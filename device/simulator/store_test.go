package simulator

import (
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"
)

var testZone = time.FixedZone("GMT +0530", 5*3600+1800)

func TestGeneratePunches(t *testing.T) {
	from := time.Date(2024, 9, 1, 0, 0, 0, 0, testZone)
	cases := []struct {
		name    string
		n       int
		to      time.Time
		working bool // every punch in 07:00–20:00
	}{
		{"sparse, working hours", 5000, from.AddDate(0, 0, 30), true},
		{"one day, working hours", 1000, from.AddDate(0, 0, 1), true},
		{"dense, whole range", 20000, from.Add(5 * time.Hour), false},
		{"one second", 3, from, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := New(Config{Zone: testZone, Seed: 1})
			if err := g.GeneratePunches(tc.n, from, tc.to); err != nil {
				t.Fatal(err)
			}
			rows := g.logs.rows
			if len(rows) != tc.n || len(g.users) != DefaultUsers {
				t.Fatalf("%d rows by %d users", len(rows), len(g.users))
			}
			if !sort.SliceIsSorted(rows, func(i, j int) bool { return rows[i].at < rows[j].at }) {
				t.Fatal("rows are not sorted by time")
			}
			seen := map[[2]uint32]bool{}
			for i, r := range rows {
				at := time.Unix(int64(r.at), 0)
				if at.Before(from) || at.After(tc.to) {
					t.Fatalf("row %d at %v is outside the range", i, at)
				}
				if h := at.In(testZone).Hour(); tc.working && (h < 7 || h >= 20) {
					t.Fatalf("row %d at %v is outside working hours", i, at.In(testZone))
				}
				if _, ok := g.users[g.logs.ids[r.user]]; !ok {
					t.Fatalf("row %d is by unknown user %q", i, g.logs.ids[r.user])
				}
				if tc.n <= 5000 {
					k := [2]uint32{r.user, r.at}
					if seen[k] {
						t.Fatalf("row %d repeats user and second", i)
					}
					seen[k] = true
				}
			}
		})
	}
}

func TestGeneratePunchesIsRepeatable(t *testing.T) {
	from := time.Date(2024, 9, 1, 0, 0, 0, 0, testZone)
	a, b := New(Config{Zone: testZone, Seed: 9}), New(Config{Zone: testZone, Seed: 9})
	for _, g := range []*Gateway{a, b} {
		if err := g.GeneratePunches(2000, from, from.AddDate(0, 0, 7)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range a.logs.rows {
		ra, rb := a.logs.rows[i], b.logs.rows[i]
		ra.user, rb.user = 0, 0
		if ra != rb || a.logs.ids[a.logs.rows[i].user] != b.logs.ids[b.logs.rows[i].user] {
			t.Fatalf("row %d differs with the same seed", i)
		}
	}
}

func TestGeneratePunchesRefuses(t *testing.T) {
	from := time.Date(2024, 9, 1, 0, 0, 0, 0, testZone)
	cases := []struct {
		name     string
		n        int
		from, to time.Time
		want     string
	}{
		{"negative count", -1, from, from.Add(time.Hour), "negative"},
		{"end before start", 10, from, from.Add(-time.Second), "before its start"},
		{"before 1970", 10, time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC), from, "1970"},
		{"over capacity", MaxLogs + 1, from, from.AddDate(0, 1, 0), "memory full"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := New(Config{Zone: testZone})
			err := g.GeneratePunches(tc.n, tc.from, tc.to)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
			if len(g.logs.rows) != 0 || len(g.users) != 0 {
				t.Error("rows or users were added")
			}
		})
	}
}

func TestLogStoreBetweenAndMerge(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	s := newLogStore()
	var all []uint32
	for range 5 {
		batch := make([]punch, 300)
		for i := range batch {
			batch[i].at = uint32(1000 + rng.IntN(5000))
		}
		sort.Slice(batch, func(i, j int) bool { return batch[i].at < batch[j].at })
		s.merge(batch)
		for _, p := range batch {
			all = append(all, p.at)
		}
	}
	s.insert(punch{at: 2500})
	all = append(all, 2500)
	if !sort.SliceIsSorted(s.rows, func(i, j int) bool { return s.rows[i].at < s.rows[j].at }) || len(s.rows) != len(all) {
		t.Fatal("store is not sorted after merges and insert")
	}
	for _, q := range [][2]int64{{0, 10000}, {1000, 1000}, {2500, 2600}, {5999, 7000}, {-5, -1}, {7000, 8000}, {3000, 2000}} {
		want := 0
		for _, at := range all {
			if int64(at) >= q[0] && int64(at) <= q[1] {
				want++
			}
		}
		lo, hi := s.between(q[0], q[1])
		if hi-lo != want {
			t.Errorf("between %v: %d rows, want %d", q, hi-lo, want)
		}
	}
}

func TestLogStoreOverwritesOldestWhenFull(t *testing.T) {
	s := newLogStore()
	s.rows = make([]punch, MaxLogs)
	for i := range s.rows {
		s.rows[i].at = uint32(i)
	}
	s.rows[0].flags = flagPhoto
	s.photos = 1
	s.insert(punch{at: MaxLogs + 10})
	if len(s.rows) != MaxLogs-MaxLogs/100+1 || s.rows[0].at != MaxLogs/100 || s.photos != 0 {
		t.Fatalf("%d rows, first at %d, %d photos", len(s.rows), s.rows[0].at, s.photos)
	}
}

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"defaults", Config{}, ""},
		{"short auth token", Config{AuthToken: "abc"}, "auth token"},
		{"short security key", Config{SecurityKey: "secret"}, "security key"},
		{"stgid with a slash", Config{STGID: "a/b"}, "stgid"},
		{"callback not a URL", Config{CallbackURL: "localhost:8080"}, "callback URL"},
		{"huge page", Config{PageSize: 5000}, "page size"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			if err != nil && tc.cfg.SecurityKey != "" && strings.Contains(err.Error(), tc.cfg.SecurityKey) {
				t.Error("the error shows the key")
			}
		})
	}
}

func TestCallbackTarget(t *testing.T) {
	cases := []struct{ in, want string }{
		{"http://127.0.0.1:5000/callback", "http://127.0.0.1:5000/callback?stgid=S1"},
		{"http://h/cb?stgid=OLD&x=1", "http://h/cb?stgid=S1&x=1"},
		{"", ""},
		{"not a url", ""},
	}
	for _, tc := range cases {
		if got := callbackTarget(tc.in, "S1"); got != tc.want {
			t.Errorf("callbackTarget(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
