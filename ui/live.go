package ui

import (
	"context"
	"os"
	"strings"
	"time"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/device"
	"github.com/camsdesk/camsdesk/receiver"
)

// A desktop that does not run the receiver (another PC or camsd serve receives for the shared database)
// follows what the receiver stores: every liveInterval it reads the new journal rows and punches and hands
// them to the screens as the receiver's own events, through pumpEvents like them.

// liveInterval is how often the database is looked at; new punches show within about twice that.
const liveInterval = time.Second

// livePage is the most journal rows read in one look; a burst is read page after page.
const livePage = 512

// liveFeed turns what the store gained into receiver events.
type liveFeed struct {
	store *data.Store
	seq   uint64
	punch uint
	names map[uint]string // device names by id
}

// newLiveFeed starts following the store from what it holds now.
func newLiveFeed(ctx context.Context, store *data.Store) (*liveFeed, error) {
	f := &liveFeed{store: store, names: map[uint]string{}}
	var err error
	if f.seq, f.punch, err = store.ChangesStart(ctx); err != nil {
		return nil, err
	}
	return f, nil
}

// next reads what was stored since the last look, as events, oldest first.
func (f *liveFeed) next(ctx context.Context) ([]receiver.Event, error) {
	var events []receiver.Event
	var newPunches int64
	for {
		c, err := f.store.ChangesSince(ctx, f.seq, f.punch, livePage)
		if err != nil {
			return events, err
		}
		f.seq, f.punch = c.LastSeq, c.LastPunch
		newPunches += c.NewPunches
		for _, cb := range c.Callbacks {
			events = append(events, receiver.Event{Seq: cb.Seq, At: cb.ReceivedAt, DeviceName: f.deviceName(ctx, cb.DeviceID),
				Kinds: splitKinds(cb.Kinds), UserID: cb.UserID, Result: cb.Result, Reason: cb.Reason})
		}
		if len(c.Callbacks) < livePage {
			break
		}
	}
	spreadPunches(events, newPunches)
	return events, nil
}

// spreadPunches gives the new punches to the accepted punch callbacks, one each and the rest to the last: a
// journal row does not say how many punches it brought, and the screens only ask whether any came. Punches
// stored without a callback (LoadLog on another PC) are left to the next reload.
func spreadPunches(events []receiver.Event, n int64) {
	last := -1
	for i := range events {
		if n == 0 {
			break
		}
		if events[i].Result == data.ResultAccepted && hasPunchKind(events[i].Kinds) {
			events[i].NewPunches = 1
			n--
			last = i
		}
	}
	if last >= 0 {
		events[last].NewPunches += int(n)
	}
}

func hasPunchKind(kinds []string) bool {
	for _, k := range kinds {
		if k == device.KindPunchLog || k == device.KindBatch {
			return true
		}
	}
	return false
}

func splitKinds(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// deviceName is the stored name of a device, read again when a new device appears.
func (f *liveFeed) deviceName(ctx context.Context, id uint) string {
	if id == 0 {
		return ""
	}
	if name, ok := f.names[id]; ok {
		return name
	}
	if ds, err := f.store.Devices(ctx); err == nil {
		for _, d := range ds {
			f.names[d.ID] = d.Name
		}
	}
	return f.names[id]
}

// startLive follows the store until the services close or stopLive, unless it already does.
func (s *Services) startLive() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.liveStop != nil || s.Store == nil || s.ctx == nil {
		return
	}
	ctx, cancel := context.WithCancel(s.ctx)
	s.liveStop = cancel
	events := make(chan receiver.Event, eventBuffer)
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		s.pumpEvents(events)
	}()
	go func() {
		defer s.wg.Done()
		defer close(events)
		s.followStore(ctx, events)
	}()
}

// stopLive stops following the store (this PC receives again).
func (s *Services) stopLive() {
	s.mu.Lock()
	stop := s.liveStop
	s.liveStop = nil
	s.mu.Unlock()
	if stop != nil {
		stop()
	}
}

// followStore looks at the store every liveInterval and sends what is new to events, dropping events the
// screens have no room for as the receiver does. It also keeps track of which program receives.
func (s *Services) followStore(ctx context.Context, events chan<- receiver.Event) {
	var feed *liveFeed
	t := time.NewTicker(liveInterval)
	defer t.Stop()
	for {
		look, cancel := context.WithTimeout(ctx, 10*liveInterval)
		if feed == nil {
			var err error
			if feed, err = newLiveFeed(look, s.Store); err != nil {
				s.Logger.Debug("live updates: the database cannot be read", "err", err)
			}
		} else if evs, err := feed.next(look); err != nil {
			s.Logger.Debug("live updates: the database cannot be read", "err", err)
		} else {
			for _, ev := range evs {
				select {
				case events <- ev:
				default:
				}
			}
		}
		if holder, err := s.Store.ActiveReceiver(look, data.ReceiverTTL); err == nil {
			s.setRemote(holder)
		}
		cancel()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// setRemote records the program that receives for the database instead of this one (nil: none).
func (s *Services) setRemote(r *data.ReceiverInfo) {
	s.mu.Lock()
	s.remote = r
	s.mu.Unlock()
}

// Remote is the program that receives callbacks for the shared database instead of this PC, nil when this
// PC receives or no one does.
func (s *Services) Remote() *data.ReceiverInfo {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.remote
}

// remoteName says where the other receiver runs: "pc-2 (another PC)", or "this PC (camsd serve)".
func remoteName(r *data.ReceiverInfo) string {
	host, _ := os.Hostname()
	switch {
	case r.Host != host:
		return r.Host + " (another PC)"
	case r.Kind == data.ReceiverServer:
		return "this PC (camsd serve)"
	}
	return "this PC (another program)"
}
