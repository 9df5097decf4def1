package data

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/data/datatest"
)

// deadPID is a process id no process has (above Linux's largest pid_max).
const deadPID = 0x7ffffff0

func TestLiveReceiver(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	host, _ := os.Hostname()
	tests := []struct {
		name string
		r    ReceiverInfo
		want bool
	}{
		{"fresh heartbeat on another PC", ReceiverInfo{Host: "pc-2", PID: deadPID, HeartbeatAt: now.Add(-14 * time.Second)}, true},
		{"stale heartbeat", ReceiverInfo{Host: "pc-2", PID: 1, HeartbeatAt: now.Add(-15 * time.Second)}, false},
		{"ended process on this host", ReceiverInfo{Host: host, PID: deadPID, HeartbeatAt: now}, false},
		{"this process", ReceiverInfo{Host: host, PID: os.Getpid(), HeartbeatAt: now}, true},
		{"unknown pid on this host", ReceiverInfo{Host: host, PID: 0, HeartbeatAt: now}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := liveReceiver(tt.r, host, now, 15*time.Second); got != tt.want {
				t.Errorf("live = %v, want %v", got, tt.want)
			}
		})
	}
}

// twoStores opens db twice, as two PCs would.
func twoStores(t *testing.T, db datatest.DB) (*Store, *Store) {
	return openDB(t, db), openDB(t, db)
}

func release(t *testing.T, l *ReceiverLease) {
	t.Helper()
	if err := l.Release(context.Background()); err != nil {
		t.Error(err)
	}
}

// TestClaimReceiver: one receiver at a time; a second is told who holds the lease; a release frees it at once.
func TestClaimReceiver(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		ctx := context.Background()
		pc1, pc2 := twoStores(t, db)
		a := ReceiverInfo{Kind: ReceiverDesktop, Host: "pc-1", PID: 101, Listen: ":5000"}
		b := ReceiverInfo{Kind: ReceiverDesktop, Host: "pc-2", PID: 202, Listen: ":5001"}

		lease, other, err := pc1.ClaimReceiver(ctx, a, ReceiverTTL)
		if err != nil || lease == nil || other != nil {
			t.Fatalf("first claim: lease %v, other %+v, %v", lease != nil, other, err)
		}
		if got := lease.Info(); got.ID == 0 || got.Host != "pc-1" || got.StartedAt.IsZero() {
			t.Errorf("lease info = %+v", got)
		}
		second, other, err := pc2.ClaimReceiver(ctx, b, ReceiverTTL)
		if err != nil || second != nil || other == nil {
			t.Fatalf("second claim: lease %v, other %+v, %v; want refused", second != nil, other, err)
		}
		if other.Host != "pc-1" || other.PID != 101 || other.Listen != ":5000" || other.Kind != ReceiverDesktop {
			t.Errorf("holder = %+v, want pc-1's", other)
		}
		if act, err := pc2.ActiveReceiver(ctx, ReceiverTTL); err != nil || act == nil || act.Host != "pc-1" {
			t.Errorf("active = %+v, %v; want pc-1", act, err)
		}

		release(t, lease)
		if act, err := pc2.ActiveReceiver(ctx, ReceiverTTL); err != nil || act != nil {
			t.Errorf("active after release = %+v, %v; want none", act, err)
		}
		second, other, err = pc2.ClaimReceiver(ctx, b, ReceiverTTL)
		if err != nil || second == nil || other != nil {
			t.Fatalf("claim after release: lease %v, other %+v, %v", second != nil, other, err)
		}
		release(t, second)
		var n int64
		if err := datatest.Raw(t, db).Table("receivers").Count(&n).Error; err != nil || n != 0 {
			t.Errorf("%d rows left after release, %v", n, err)
		}
	})
}

// TestClaimReceiverReplacesStaleRows: a receiver that stopped beating, or whose process on this host ended,
// no longer holds the lease, and its row goes.
func TestClaimReceiverReplacesStaleRows(t *testing.T) {
	host, _ := os.Hostname()
	old := time.Now().UTC().Add(-time.Minute)
	tests := []struct {
		name string
		row  ReceiverInfo
	}{
		{"no heartbeat for a minute", ReceiverInfo{Kind: ReceiverDesktop, Host: "pc-9", PID: 9, StartedAt: old, HeartbeatAt: old}},
		{"ended process on this host", ReceiverInfo{Kind: ReceiverServer, Host: host, PID: deadPID,
			StartedAt: time.Now().UTC(), HeartbeatAt: time.Now().UTC().Add(time.Hour)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			datatest.Run(t, func(t *testing.T, db datatest.DB) {
				s := openDB(t, db)
				raw := datatest.Raw(t, db)
				if err := raw.Create(&tt.row).Error; err != nil {
					t.Fatal(err)
				}
				lease, other, err := s.ClaimReceiver(context.Background(), ReceiverInfo{Kind: ReceiverDesktop, Host: "pc-1"}, ReceiverTTL)
				if err != nil || lease == nil || other != nil {
					t.Fatalf("claim: lease %v, other %+v, %v; want the stale row replaced", lease != nil, other, err)
				}
				defer release(t, lease)
				var hosts []string
				if err := raw.Table("receivers").Pluck("host", &hosts).Error; err != nil || len(hosts) != 1 || hosts[0] != "pc-1" {
					t.Errorf("rows = %q, %v; want pc-1's alone", hosts, err)
				}
			})
		})
	}
}

// TestTakeReceiver: a server takes the lease from a desktop, which learns it at its next heartbeat.
func TestTakeReceiver(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		ctx := context.Background()
		pc1, srv := twoStores(t, db)
		const ttl = 600 * time.Millisecond
		desk, _, err := pc1.ClaimReceiver(ctx, ReceiverInfo{Kind: ReceiverDesktop, Host: "pc-1"}, ttl)
		if err != nil || desk == nil {
			t.Fatalf("desktop claim: %v", err)
		}
		defer release(t, desk)
		lease, prev, err := srv.TakeReceiver(ctx, ReceiverInfo{Kind: ReceiverServer, Host: "server"}, ttl)
		if err != nil || lease == nil || prev == nil || prev.Host != "pc-1" {
			t.Fatalf("take: lease %v, previous %+v, %v; want pc-1 replaced", lease != nil, prev, err)
		}
		defer release(t, lease)
		select {
		case <-desk.Lost():
		case <-time.After(10 * time.Second):
			t.Fatal("the desktop never learnt it lost the lease")
		}
		if h := desk.Holder(); h == nil || h.Host != "server" {
			t.Errorf("holder after the loss = %+v, want the server", h)
		}
		if _, other, err := pc1.ClaimReceiver(ctx, ReceiverInfo{Kind: ReceiverDesktop, Host: "pc-1"}, ttl); err != nil || other == nil || other.Host != "server" {
			t.Errorf("desktop claim again: other %+v, %v; want the server", other, err)
		}
	})
}

// TestHeartbeatKeepsLease: a lease outlives its time to live while its program runs.
func TestHeartbeatKeepsLease(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		ctx := context.Background()
		pc1, pc2 := twoStores(t, db)
		const ttl = 1500 * time.Millisecond
		lease, _, err := pc1.ClaimReceiver(ctx, ReceiverInfo{Kind: ReceiverDesktop, Host: "pc-1"}, ttl)
		if err != nil || lease == nil {
			t.Fatalf("claim: %v", err)
		}
		defer release(t, lease)
		time.Sleep(2 * ttl)
		if _, other, err := pc2.ClaimReceiver(ctx, ReceiverInfo{Kind: ReceiverDesktop, Host: "pc-2"}, ttl); err != nil || other == nil {
			t.Errorf("claim after %v: other %+v, %v; want pc-1 still holding", 2*ttl, other, err)
		}
		select {
		case <-lease.Lost():
			t.Error("lease lost while beating")
		default:
		}
		if err := lease.Err(); err != nil {
			t.Errorf("heartbeat error: %v", err)
		}
	})
}

func TestClaimReceiverBadTTL(t *testing.T) {
	s := openTestStore(t)
	if _, _, err := s.ClaimReceiver(context.Background(), ReceiverInfo{}, 0); err == nil {
		t.Error("claim with no time to live succeeded")
	}
	var l *ReceiverLease
	if err := l.Release(context.Background()); err != nil {
		t.Errorf("release of no lease: %v", err)
	}
}
