package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/camsdesk/camsdesk/data"
)

// takeReceiverLease registers serve as the receiver of its database. A server always receives: a desktop
// app (or another serve) that held the lease stops at its next heartbeat, which serve waits for, so that the
// two never number callbacks at once. Release the lease after the receiver has closed.
func takeReceiverLease(ctx context.Context, store *data.Store, listen string, logger *slog.Logger) (*data.ReceiverLease, error) {
	lease, prev, err := store.TakeReceiver(ctx, data.ThisReceiver(data.ReceiverServer, listen), data.ReceiverTTL)
	if err != nil {
		return nil, err
	}
	if prev != nil {
		wait := data.ReceiverTTL/3 + time.Second
		logger.Warn("another program was receiving callbacks for this database: it stops now, serve starts in "+wait.String(),
			"kind", prev.Kind, "host", prev.Host, "pid", prev.PID, "listen", prev.Listen)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			lease.Release(context.Background())
			return nil, fmt.Errorf("stopped while waiting for %s to stop receiving: %w", prev.Host, ctx.Err())
		}
	}
	go func() {
		select {
		case <-lease.Lost():
			h := lease.Holder()
			if h == nil {
				h = &data.ReceiverInfo{Host: "unknown"}
			}
			logger.Error("another camsd serve took over receiving for this database; two receivers on one database "+
				"number callbacks alike: stop one of them", "host", h.Host, "pid", h.PID, "listen", h.Listen)
		case <-ctx.Done():
		}
	}()
	return lease, nil
}

// claimReplayLease registers replay as the receiver of its database, refusing when another program receives.
func claimReplayLease(ctx context.Context, store *data.Store) (*data.ReceiverLease, error) {
	lease, other, err := store.ClaimReceiver(ctx, data.ThisReceiver(data.ReceiverServer, ""), data.ReceiverTTL)
	if err != nil {
		return nil, err
	}
	if other != nil {
		return nil, fmt.Errorf("%s (%s, pid %d) is receiving callbacks for this database: stop it, then replay",
			other.Host, other.Kind, other.PID)
	}
	return lease, nil
}
