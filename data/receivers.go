package data

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"gorm.io/gorm"
)

// Several programs may share one database (PostgreSQL), but only one of them may run the callback receiver:
// each numbers its callbacks from the store's last journal seq, so two at once would reuse numbers. The
// receivers table is a lease: the holder's row carries a heartbeat; a row whose heartbeat is older than the
// time to live is stale, and its program is taken to be gone.

// ReceiverTTL is how long a receiver's row stands without a heartbeat; it beats every ReceiverTTL/3.
const ReceiverTTL = 15 * time.Second

// Kinds of receiver.
const (
	ReceiverServer  = "server"  // camsd serve: it takes the lease even from a desktop app
	ReceiverDesktop = "desktop" // the desktop app: it receives only when no one else does
)

// ReceiverInfo is one running callback receiver: a row of the receivers table.
type ReceiverInfo struct {
	ID          uint      `gorm:"primaryKey"`
	Kind        string    `gorm:"not null;default:''"` // ReceiverServer or ReceiverDesktop
	Host        string    `gorm:"not null;default:''"`
	PID         int       `gorm:"column:pid;not null;default:0"`
	Listen      string    `gorm:"not null;default:''"`
	StartedAt   time.Time `gorm:"not null"`
	HeartbeatAt time.Time `gorm:"not null"`
}

func (ReceiverInfo) TableName() string { return "receivers" }

// migrateReceivers creates the receivers table (schema version 2).
func migrateReceivers(tx *gorm.DB) error {
	type receiver struct {
		ID          uint      `gorm:"primaryKey"`
		Kind        string    `gorm:"not null;default:''"`
		Host        string    `gorm:"not null;default:''"`
		PID         int       `gorm:"column:pid;not null;default:0"`
		Listen      string    `gorm:"not null;default:''"`
		StartedAt   time.Time `gorm:"not null"`
		HeartbeatAt time.Time `gorm:"not null"`
	}
	return tx.Table("receivers").AutoMigrate(&receiver{})
}

// ThisReceiver describes a receiver of kind run by this process, listening on listen.
func ThisReceiver(kind, listen string) ReceiverInfo {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown host"
	}
	return ReceiverInfo{Kind: kind, Host: host, PID: os.Getpid(), Listen: listen}
}

// receiverLock is the PostgreSQL advisory lock key ("CAMR") that lets one program claim at a time.
const receiverLock = 0x43414d52

// ClaimReceiver takes the receiver lease for info unless another receiver holds it: then it returns that
// receiver and no lease. Stale rows (no heartbeat for ttl, or left by a process of this host that has ended)
// are removed. The lease beats until Release.
func (s *Store) ClaimReceiver(ctx context.Context, info ReceiverInfo, ttl time.Duration) (*ReceiverLease, *ReceiverInfo, error) {
	return s.claimReceiver(ctx, info, ttl, false)
}

// TakeReceiver takes the receiver lease for info even from a receiver that holds it, which loses it (and
// learns so at its next heartbeat); that receiver is returned, nil when there was none.
func (s *Store) TakeReceiver(ctx context.Context, info ReceiverInfo, ttl time.Duration) (*ReceiverLease, *ReceiverInfo, error) {
	return s.claimReceiver(ctx, info, ttl, true)
}

func (s *Store) claimReceiver(ctx context.Context, info ReceiverInfo, ttl time.Duration, force bool) (*ReceiverLease, *ReceiverInfo, error) {
	if ttl <= 0 {
		return nil, nil, errors.New("data: claim receiver: the time to live must be positive")
	}
	host, _ := os.Hostname()
	var other *ReceiverInfo
	err := s.write(ctx, func(tx *gorm.DB) error {
		other = nil
		now, err := lockReceivers(tx)
		if err != nil {
			return err
		}
		var rows []ReceiverInfo
		if err := tx.Order("heartbeat_at DESC, id DESC").Find(&rows).Error; err != nil {
			return err
		}
		var drop []uint
		for _, r := range rows {
			if !liveReceiver(r, host, now, ttl) {
				drop = append(drop, r.ID)
				continue
			}
			if other == nil {
				other = &r
			}
			if force {
				drop = append(drop, r.ID)
			}
		}
		if other != nil && !force {
			return nil
		}
		if len(drop) > 0 {
			if err := tx.Where("id IN ?", drop).Delete(&ReceiverInfo{}).Error; err != nil {
				return err
			}
		}
		info.ID = 0
		info.StartedAt, info.HeartbeatAt = now, now
		return tx.Create(&info).Error
	})
	if err != nil {
		return nil, nil, fmt.Errorf("data: claim receiver: %w", err)
	}
	if other != nil && !force {
		return nil, other, nil
	}
	return newLease(s, info, ttl), other, nil
}

// ActiveReceiver returns the receiver that holds the lease, nil when none does.
func (s *Store) ActiveReceiver(ctx context.Context, ttl time.Duration) (*ReceiverInfo, error) {
	now, err := dbNow(s.reader.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("data: active receiver: %w", err)
	}
	var rows []ReceiverInfo
	if err := s.reader.WithContext(ctx).Order("heartbeat_at DESC, id DESC").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("data: active receiver: %w", err)
	}
	host, _ := os.Hostname()
	i := slices.IndexFunc(rows, func(r ReceiverInfo) bool { return liveReceiver(r, host, now, ttl) })
	if i < 0 {
		return nil, nil
	}
	return &rows[i], nil
}

// liveReceiver reports whether r still holds the lease: its heartbeat is recent and, when it runs on this
// host, its process is still there.
func liveReceiver(r ReceiverInfo, host string, now time.Time, ttl time.Duration) bool {
	if now.Sub(r.HeartbeatAt) >= ttl {
		return false
	}
	if r.Host == host && r.PID != os.Getpid() && !processAlive(r.PID) {
		return false
	}
	return true
}

// lockReceivers serialises lease changes (SQLite has one writer already) and returns the database's clock,
// which every program sharing it agrees on (SQLite's readers share this host's clock).
func lockReceivers(tx *gorm.DB) (time.Time, error) {
	if tx.Dialector.Name() == "postgres" {
		if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", receiverLock).Error; err != nil {
			return time.Time{}, fmt.Errorf("lock: %w", err)
		}
	}
	return dbNow(tx)
}

// dbNow is PostgreSQL's clock, or this host's for SQLite, in UTC.
func dbNow(db *gorm.DB) (time.Time, error) {
	if db.Dialector.Name() != "postgres" {
		return time.Now().UTC(), nil
	}
	var now time.Time
	if err := db.Raw("SELECT clock_timestamp()").Scan(&now).Error; err != nil {
		return time.Time{}, fmt.Errorf("clock: %w", err)
	}
	return now.UTC(), nil
}

// ReceiverLease is the receiver lease held by this program. It beats every ttl/3 until Release, or until
// another receiver took it (Lost is closed then).
type ReceiverLease struct {
	store *Store
	info  ReceiverInfo
	ttl   time.Duration

	stop     chan struct{}
	done     chan struct{}
	lost     chan struct{}
	stopOnce sync.Once

	mu     sync.Mutex
	holder *ReceiverInfo // who took the lease, once lost
	err    error         // the last heartbeat's error, nil when it beat
}

func newLease(s *Store, info ReceiverInfo, ttl time.Duration) *ReceiverLease {
	l := &ReceiverLease{store: s, info: info, ttl: ttl,
		stop: make(chan struct{}), done: make(chan struct{}), lost: make(chan struct{})}
	go l.beat()
	return l
}

// Info is the lease's row as claimed.
func (l *ReceiverLease) Info() ReceiverInfo { return l.info }

// Lost is closed when another receiver took the lease; Holder says which.
func (l *ReceiverLease) Lost() <-chan struct{} { return l.lost }

// Holder is the receiver that took the lease once it is lost (nil when it is not, or when that receiver
// has gone again).
func (l *ReceiverLease) Holder() *ReceiverInfo {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.holder
}

// Err is the last heartbeat's error (the database was unreachable), nil after a good one.
func (l *ReceiverLease) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

func (l *ReceiverLease) beat() {
	defer close(l.done)
	t := time.NewTicker(l.ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), l.ttl/3)
		held, err := l.heartbeat(ctx)
		cancel()
		l.mu.Lock()
		l.err = err
		l.mu.Unlock()
		if err == nil && !held {
			holder, _ := l.store.ActiveReceiver(context.Background(), l.ttl)
			l.mu.Lock()
			l.holder = holder
			l.mu.Unlock()
			close(l.lost)
			return
		}
	}
}

// heartbeat renews the lease's row and reports whether it still stands.
func (l *ReceiverLease) heartbeat(ctx context.Context) (bool, error) {
	var held bool
	err := l.store.write(ctx, func(tx *gorm.DB) error {
		now, err := lockReceivers(tx)
		if err != nil {
			return err
		}
		res := tx.Model(&ReceiverInfo{}).Where("id = ?", l.info.ID).Update("heartbeat_at", now)
		held = res.RowsAffected > 0
		return res.Error
	})
	if err != nil {
		return false, fmt.Errorf("data: receiver heartbeat: %w", err)
	}
	return held, nil
}

// Release stops the heartbeat and removes the lease's row, so that another receiver may start at once.
// Release the lease after the receiver has stored its last callback, and before closing the store.
func (l *ReceiverLease) Release(ctx context.Context) error {
	if l == nil {
		return nil
	}
	l.stopOnce.Do(func() { close(l.stop) })
	<-l.done
	err := l.store.write(ctx, func(tx *gorm.DB) error {
		return tx.Where("id = ?", l.info.ID).Delete(&ReceiverInfo{}).Error
	})
	if err != nil {
		return fmt.Errorf("data: release receiver: %w", err)
	}
	return nil
}
