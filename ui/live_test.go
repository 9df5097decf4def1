package ui

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/data/datatest"
	"github.com/camsdesk/camsdesk/device"
	"github.com/camsdesk/camsdesk/receiver"
)

// sharedToken is the callback token of the device/testdata callbacks.
const sharedToken = "A1B2C3D4E5F6G7H8I9J0K1L2M3N4O5P6"

// sharedDesktop is one PC's CamsDesk on the shared database db, as cmd/camsdesk starts it: it claims the
// receiver lease as host and runs the receiver when no one else receives, else it follows the database.
func sharedDesktop(t *testing.T, db datatest.DB, host string) (*Services, *queueRunner) {
	t.Helper()
	dir := t.TempDir()
	store, err := data.Open(db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	cfg := data.DefaultConfig()
	cfg.DataDir, cfg.Listen = dir, "127.0.0.1:0"
	cfg.Devices = []device.Profile{{Name: "Main Gate", Endpoint: "https://gw.example.com/external/api3.0/biometric",
		STGID: "STG-MAIN", AuthToken: sharedToken, CallbackAuthToken: sharedToken, TimeZone: "+05:30"}}
	lease, holder, err := store.ClaimReceiver(context.Background(), data.ReceiverInfo{Kind: data.ReceiverDesktop, Host: host}, data.ReceiverTTL)
	if err != nil {
		t.Fatal(err)
	}
	var svc *Services
	var rcv *receiver.Receiver
	if lease != nil {
		if rcv, err = receiver.New(receiver.Options{Store: store, DataDir: dir,
			Profiles: func() []device.Profile { return svc.Profiles() }}); err != nil {
			t.Fatal(err)
		}
		if err := rcv.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	svc = NewServices(store, rcv, cfg, filepath.Join(dir, "config.json"), nil)
	svc.UseReceiverLease(lease, holder)
	q := newQueueRunner()
	svc.ui = q
	if err := svc.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := svc.Close(ctx); err != nil {
			t.Error(err)
		}
		if rcv != nil {
			if err := rcv.Close(ctx); err != nil {
				t.Error(err)
			}
		}
		if err := svc.ReleaseLease(ctx); err != nil {
			t.Error(err)
		}
	})
	return svc, q
}

// eventLog collects the events the screens get.
type eventLog struct {
	mu  sync.Mutex
	evs []receiver.Event
}

func listen(svc *Services) *eventLog {
	l := &eventLog{}
	svc.OnEvents(func(evs []receiver.Event) {
		l.mu.Lock()
		l.evs = append(l.evs, evs...)
		l.mu.Unlock()
	})
	return l
}

func (l *eventLog) find(seq uint64) (receiver.Event, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	i := slices.IndexFunc(l.evs, func(e receiver.Event) bool { return e.Seq == seq })
	if i < 0 {
		return receiver.Event{}, false
	}
	return l.evs[i], true
}

// postPunch sends a punch callback to svc's receiver and returns its journal seq.
func postPunch(t *testing.T, svc *Services) uint64 {
	t.Helper()
	body, err := os.ReadFile("../device/testdata/callbacks/11_punch_log.json")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post("http://"+svc.Server.State().Bound+"/callback?stgid=STG-MAIN", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	reply, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(reply) != `{"status":"done"}` {
		t.Fatalf("reply %s", reply)
	}
	seq, err := svc.Store.LastJournalSeq(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

// TestLiveEventsFromAnotherDesktop: two desktops on one database; the second starts no receiver, says where
// the callbacks are received, and gets the first one's new punch as an event within 2 s.
func TestLiveEventsFromAnotherDesktop(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		a, _ := sharedDesktop(t, db, "pc-a")
		b, qb := sharedDesktop(t, db, "pc-b")
		if a.Receiver == nil || b.Receiver != nil || b.Server != nil {
			t.Fatalf("receivers: pc-a %v, pc-b %v; want pc-a's alone", a.Receiver != nil, b.Receiver != nil)
		}
		got := listen(b)
		b.setRemote(nil) // set again by the look that has started following the database
		waitFor(t, qb, "pc-b to follow pc-a", func() bool { return b.Remote() != nil })
		if v := describeReceiver(b.serverState(), b.receiverStats(), time.Now()); v.state != "Receiving on pc-a (another PC)" || !v.running {
			t.Errorf("pc-b's status bar says %q", v.state)
		}

		seq := postPunch(t, a)
		stored := time.Now()
		waitFor(t, qb, "the punch on pc-b", func() bool { _, ok := got.find(seq); return ok })
		late := time.Since(stored)
		if late > 2*time.Second {
			t.Errorf("pc-b saw the punch %v after it was stored, want within 2 s", late)
		}
		t.Logf("pc-b saw the punch %v after it was stored", late.Round(time.Millisecond))
		ev, _ := got.find(seq)
		if ev.NewPunches != 1 || ev.UserID != "2" || ev.DeviceName != "Main Gate" || ev.Result != data.ResultAccepted ||
			!slices.Equal(ev.Kinds, []string{device.KindPunchLog}) {
			t.Errorf("event on pc-b = %+v", ev)
		}
	})
}

// TestServerTakesOverDesktop: camsd serve takes the lease; the desktop stops receiving, follows the database,
// and receives again once the server has gone.
func TestServerTakesOverDesktop(t *testing.T) {
	db := datatest.NewSQLite(t)
	a, qa := sharedDesktop(t, db, "pc-a")
	srv, err := data.Open(db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	lease, prev, err := srv.TakeReceiver(context.Background(), data.ReceiverInfo{Kind: data.ReceiverServer, Host: "server-1"}, data.ReceiverTTL)
	if err != nil || prev == nil || prev.Host != "pc-a" {
		t.Fatalf("take: previous %+v, %v", prev, err)
	}
	waitFor(t, qa, "pc-a to stop receiving", func() bool { return a.Remote() != nil && !a.Server.State().Running })
	if v := describeReceiver(a.serverState(), a.receiverStats(), time.Now()); v.state != "Receiving on server-1 (another PC)" {
		t.Errorf("pc-a's status bar says %q", v.state)
	}
	if err := a.ResumeReceiver(); err == nil || !strings.Contains(err.Error(), "server-1 (another PC) receives") {
		t.Errorf("resume while the server receives: %v", err)
	}

	got := listen(a)
	d, err := srv.EnsureDevice(context.Background(), "STG-MAIN", "Main Gate")
	if err != nil {
		t.Fatal(err)
	}
	last, _ := srv.LastJournalSeq(context.Background())
	at := time.Date(2030, 1, 2, 8, 0, 0, 0, time.UTC)
	if _, err := srv.Apply(context.Background(), data.Change{DeviceID: d.ID,
		Callback: &data.Callback{Seq: last + 1, Kinds: "PunchLog", UserID: "9", Result: data.ResultAccepted},
		Punches:  []data.Punch{{UserID: "9", UTC: at}}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, qa, "the server's punch on pc-a", func() bool { ev, ok := got.find(last + 1); return ok && ev.NewPunches == 1 })

	if err := lease.Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := a.ResumeReceiver(); err != nil {
		t.Fatalf("resume after the server left: %v", err)
	}
	if !a.Server.State().Running || a.Remote() != nil {
		t.Errorf("pc-a after resuming: running %v, remote %+v", a.Server.State().Running, a.Remote())
	}
	if h, err := srv.ActiveReceiver(context.Background(), data.ReceiverTTL); err != nil || h == nil || h.Kind != data.ReceiverDesktop {
		t.Errorf("active receiver = %+v, %v; want pc-a again", h, err)
	}
}

// TestReceiverOffSwitch: turning this PC's receiver off stops it and frees the lease at once, and is saved;
// turning it on again receives again.
func TestReceiverOffSwitch(t *testing.T) {
	db := datatest.NewSQLite(t)
	a, _ := sharedDesktop(t, db, "pc-a")
	if err := a.SetReceiverOff(true); err != nil {
		t.Fatal(err)
	}
	if a.Server.State().Running {
		t.Error("still listening with the receiver off")
	}
	if h, err := a.Store.ActiveReceiver(context.Background(), data.ReceiverTTL); err != nil || h != nil {
		t.Errorf("active receiver = %+v, %v; want none", h, err)
	}
	if saved, err := data.LoadConfig(a.ConfigPath); err != nil || !saved.ReceiverOff {
		t.Errorf("saved receiver_off = %v, %v", saved != nil && saved.ReceiverOff, err)
	}
	if err := a.ResumeReceiver(); err == nil {
		t.Error("resumed with the receiver off")
	}
	if err := a.SetReceiverOff(false); err != nil {
		t.Fatal(err)
	}
	if !a.Server.State().Running {
		t.Error("not listening after turning the receiver on")
	}
	if h, err := a.Store.ActiveReceiver(context.Background(), data.ReceiverTTL); err != nil || h == nil || h.Host == "" {
		t.Errorf("active receiver = %+v, %v; want this PC", h, err)
	}
}

func TestSpreadPunches(t *testing.T) {
	punch := func(result string) receiver.Event {
		return receiver.Event{Kinds: []string{device.KindPunchLog}, Result: result}
	}
	user := receiver.Event{Kinds: []string{device.KindUserUpdated}, Result: data.ResultAccepted}
	tests := []struct {
		name string
		evs  []receiver.Event
		n    int64
		want []int
	}{
		{"one each", []receiver.Event{punch(data.ResultAccepted), user, punch(data.ResultAccepted)}, 2, []int{1, 0, 1}},
		{"a batch brings more", []receiver.Event{punch(data.ResultAccepted), user}, 5, []int{5, 0}},
		{"duplicates bring none", []receiver.Event{punch(data.ResultAccepted), punch(data.ResultAccepted)}, 0, []int{0, 0}},
		{"rejected ones bring none", []receiver.Event{punch(data.ResultRejected), punch(data.ResultAccepted)}, 1, []int{0, 1}},
		{"no callback for them", []receiver.Event{user}, 3, []int{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spreadPunches(tt.evs, tt.n)
			var got []int
			for _, e := range tt.evs {
				got = append(got, e.NewPunches)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("new punches %v, want %v", got, tt.want)
			}
		})
	}
}
