package data

import (
	"sync"
	"time"

	"gorm.io/gorm"
)

// SQLite copies the WAL back into the database file in checkpoints. Left to itself it does so on the
// committing connection, in the middle of a write every thousand pages, which holds up the writer and
// with it every callback waiting for its commit. The writer's automatic checkpoints are off instead, and
// a connection of its own checkpoints after writes, beside the writer (PASSIVE: it never blocks it).

const (
	// checkpointEvery is the shortest time between two checkpoints.
	checkpointEvery = 50 * time.Millisecond
	// walRestartFrames is the WAL length (about 80 MB) past which a checkpoint also waits for the readers
	// and starts the WAL again, should PASSIVE checkpoints not let it restart on its own.
	walRestartFrames = 20000
)

// checkpointer runs the checkpoints of a SQLite store.
type checkpointer struct {
	db      *gorm.DB
	kick    chan struct{}
	stop    chan struct{}
	done    chan struct{}
	closing sync.Once
}

func startCheckpointer(path string) (*checkpointer, error) {
	db, err := openSQLiteHandle(path, 1)
	if err != nil {
		return nil, err
	}
	c := &checkpointer{db: db, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c, nil
}

// wrote tells the checkpointer that the WAL has grown; it never waits.
func (c *checkpointer) wrote() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *checkpointer) run() {
	defer close(c.done)
	for {
		select {
		case <-c.stop:
			return
		case <-c.kick:
		}
		c.checkpoint()
		select {
		case <-c.stop:
			return
		case <-time.After(checkpointEvery):
		}
	}
}

// checkpoint copies what it can of the WAL into the database. Failures are left to the next one: the
// WAL keeps every commit until then.
func (c *checkpointer) checkpoint() {
	var busy, frames, copied int
	if err := c.db.Raw("PRAGMA wal_checkpoint(PASSIVE)").Row().Scan(&busy, &frames, &copied); err != nil {
		return
	}
	if frames > walRestartFrames {
		c.db.Exec("PRAGMA wal_checkpoint(RESTART)")
	}
}

// close stops the checkpoints and closes their connection; it may be called again.
func (c *checkpointer) close() {
	c.closing.Do(func() {
		close(c.stop)
		<-c.done
		closeGorm(c.db)
	})
}
