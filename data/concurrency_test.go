package data

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestConcurrentReadersAndWriters reads on more goroutines than the pool has connections while
// several goroutines write: no call may fail (no SQLITE_BUSY), and every write lands.
func TestConcurrentReadersAndWriters(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		d := mustDevice(t, s, "STG-1", "Gate")
		base := time.Date(2024, 9, 1, 5, 0, 0, 0, time.UTC)

		const writers, batches, perBatch = 2, 10, 50
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			errs    []error
			written = make(chan struct{})
		)
		fail := func(err error) {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}
		var writersWG sync.WaitGroup
		for w := range writers {
			writersWG.Add(1)
			go func() {
				defer writersWG.Done()
				for b := range batches {
					ps := make([]Punch, perBatch)
					for i := range ps {
						at := base.Add(time.Duration((w*batches+b)*perBatch+i) * time.Minute)
						ps[i] = Punch{UserID: fmt.Sprint(i % 7), UTC: at, UTCOffset: 3 * 3600, Type: "CheckIn"}
					}
					u := &User{UserID: fmt.Sprint(b % 7), FirstName: fmt.Sprint("W", w)}
					if _, err := s.Apply(ctx, Change{DeviceID: d.ID, User: u, Punches: ps}); err != nil {
						fail(fmt.Errorf("writer %d: %w", w, err))
						return
					}
					if err := s.AddExchange(ctx, Exchange{DeviceID: d.ID, Operation: "LoadLog"}); err != nil {
						fail(fmt.Errorf("writer %d exchange: %w", w, err))
						return
					}
				}
			}()
		}
		go func() { writersWG.Wait(); close(written) }()

		reads := []func() error{
			func() error { _, err := s.Punches(ctx, PunchFilter{Limit: 50}); return err },
			func() error { _, err := s.CountPunches(ctx, PunchFilter{Text: "w"}); return err },
			func() error { _, err := s.Users(ctx, UserFilter{}); return err },
			func() error { _, err := s.UnknownUsers(ctx); return err },
			func() error {
				return s.EachPunch(ctx, PunchFilter{FromDate: "2024-09-01"}, func(PunchRow) error { return nil })
			},
		}
		for r := range readerConns + 1 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-written:
						return
					default:
					}
					if err := reads[(r+i)%len(reads)](); err != nil {
						fail(fmt.Errorf("reader %d: %w", r, err))
						return
					}
					time.Sleep(5 * time.Millisecond) // leave CPU to the writers on small machines
				}
			}()
		}
		wg.Wait()
		<-written
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		n, err := s.CountPunches(ctx, PunchFilter{})
		if err != nil || n != writers*batches*perBatch {
			t.Errorf("CountPunches = %d, %v; want %d", n, err, writers*batches*perBatch)
		}
	})
}

// TestOpenReadDoesNotBlockWriter writes while a streaming read holds its snapshot.
func TestOpenReadDoesNotBlockWriter(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		d := mustDevice(t, s, "STG-1", "Gate")
		first := punchAt(t, "1", "2024-09-17 08:00:00 GMT +0300", "CheckIn")
		second := punchAt(t, "1", "2024-09-17 17:00:00 GMT +0300", "CheckOut")
		mustApply(t, s, Change{DeviceID: d.ID, Punches: []Punch{first}})

		seen := 0
		err := s.EachPunch(ctx, PunchFilter{}, func(PunchRow) error {
			seen++
			wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			_, err := s.Apply(wctx, Change{DeviceID: d.ID, Punches: []Punch{second}})
			return err
		})
		if err != nil {
			t.Fatalf("write during a read: %v", err)
		}
		if seen != 1 {
			t.Errorf("the open read saw %d rows, want its snapshot's 1", seen)
		}
		if n, _ := s.CountPunches(ctx, PunchFilter{}); n != 2 {
			t.Errorf("CountPunches = %d, want 2", n)
		}
	})
}

// TestConcurrentWritersCrossed runs Apply calls that touch two devices in opposite orders at
// once. On PostgreSQL their transactions deadlock now and then; the store runs the loser again,
// so that no call fails and every punch lands once.
func TestConcurrentWritersCrossed(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		devs := []Device{mustDevice(t, s, "STG-1", "Gate"), mustDevice(t, s, "STG-2", "Back")}
		base := time.Date(2024, 9, 1, 5, 0, 0, 0, time.UTC)
		const writers, rounds = 4, 25
		var wg sync.WaitGroup
		errs := make(chan error, writers*rounds)
		for w := range writers {
			wg.Go(func() {
				for r := range rounds {
					at := base.Add(time.Duration(w*rounds+r) * time.Minute)
					var cs []Change
					for i := range devs {
						d := devs[(i+w)%2] // half the writers go 1, 2; the others 2, 1
						cs = append(cs, Change{DeviceID: d.ID, Seen: &DeviceSeen{At: at},
							User: &User{UserID: "1", FirstName: fmt.Sprint("W", w)}, Punches: []Punch{{UserID: "1", UTC: at}}})
					}
					if _, err := s.Apply(ctx, cs...); err != nil {
						errs <- fmt.Errorf("writer %d round %d: %w", w, r, err)
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if n, err := s.CountPunches(ctx, PunchFilter{}); err != nil || n != 2*writers*rounds {
			t.Errorf("CountPunches = %d, %v; want %d", n, err, 2*writers*rounds)
		}
	})
}
