package simulator

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/camsdesk/camsdesk/device"
)

// MaxPunchRate is the fastest StartPunches sends, in punches per second.
const MaxPunchRate = 1000

// SendPunch has a user punch now: the device stores the punch and sends a RealTime PunchLog callback, and
// for about one punch in three an attendance photo callback after it. An empty userID takes the next enabled
// user in turn, so that consecutive punches come from different users.
func (g *Gateway) SendPunch(ctx context.Context, userID string) error {
	if err := g.canSend(); err != nil {
		return err
	}
	now := time.Now().Truncate(time.Second)
	g.mu.Lock()
	u, err := g.puncher(userID)
	if err != nil {
		g.mu.Unlock()
		return err
	}
	kind := kindCheckIn
	if u.lastIn {
		kind = kindCheckOut
	}
	u.lastIn = !u.lastIn
	inputs := userInputs(u)
	p := punch{
		at:    uint32(now.Unix()),
		user:  g.logs.intern(u.UserID),
		temp:  uint16(360 + g.rng.IntN(15)),
		kind:  kind,
		input: inputs[g.rng.IntN(len(inputs))],
	}
	if g.rng.IntN(7) == 0 {
		p.flags |= flagMask
	}
	withPhoto := g.rng.IntN(3) == 0
	if withPhoto {
		p.flags |= flagPhoto
	}
	g.logs.insert(p)
	g.mu.Unlock()

	logTime := device.FormatTime(now, g.zone)
	rt := g.realTime(time.Now())
	rt.PunchLog = &livePunch{
		Type:        punchTypes[p.kind],
		Temperature: tenths(p.temp),
		FaceMask:    p.flags&flagMask != 0,
		InputType:   inputTypes[p.input],
		UserId:      u.UserID,
		LogTime:     logTime,
	}
	err = g.deliver(ctx, device.KindPunchLog, realTimeBody{rt})
	if withPhoto {
		rt := g.realTime(time.Now())
		rt.Log = &punchPhoto{UserID: u.UserID, LogPhoto: photo(), LogTime: logTime}
		err = errors.Join(err, g.deliver(ctx, device.KindPhoto, realTimeBody{rt}))
	}
	return err
}

// puncher picks who punches; the caller holds g.mu.
func (g *Gateway) puncher(userID string) (*user, error) {
	if userID != "" {
		u, ok := g.users[userID]
		switch {
		case !ok:
			return nil, fmt.Errorf("%w: %s", ErrUserNotFound, userID)
		case u.Disabled:
			return nil, fmt.Errorf("simulator: user %s is disabled and cannot punch", userID)
		}
		return u, nil
	}
	order := g.userOrder()
	for range order {
		u := g.users[order[g.cursor%len(order)]]
		g.cursor++
		if !u.Disabled {
			return u, nil
		}
	}
	return nil, ErrNoUsers
}

// StartPunches sends live punches at rate per second until ctx ends, StopPunches or Close. It replaces
// punches already running. Punches are sent one after another: a slow receiver lowers the rate.
func (g *Gateway) StartPunches(ctx context.Context, rate float64) error {
	if math.IsNaN(rate) || rate <= 0 || rate > MaxPunchRate {
		return fmt.Errorf("simulator: punch rate must be above 0 and at most %d per second", MaxPunchRate)
	}
	g.StopPunches()
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	g.runMu.Lock()
	if g.closed {
		g.runMu.Unlock()
		cancel()
		return ErrClosed
	}
	g.punchStop, g.punchDone = cancel, done
	g.runMu.Unlock()
	go func() {
		defer close(done)
		t := time.NewTicker(time.Duration(float64(time.Second) / rate))
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if !g.offline.Load() {
					_ = g.SendPunch(ctx, "") // delivery failures reach OnDelivered
				}
			}
		}
	}()
	return nil
}

// StopPunches stops live punches and waits for the one in flight.
func (g *Gateway) StopPunches() {
	g.runMu.Lock()
	stop, done := g.punchStop, g.punchDone
	g.punchStop, g.punchDone = nil, nil
	g.runMu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
}

// SendUserUpdated sends a UserUpdated callback with the user's whole template set, as after an edit on the
// device.
func (g *Gateway) SendUserUpdated(ctx context.Context, userID string) error {
	if err := g.canSend(); err != nil {
		return err
	}
	u, ok := g.User(userID)
	if !ok {
		return fmt.Errorf("%w: %s", ErrUserNotFound, userID)
	}
	now := time.Now()
	rt := g.realTime(now)
	rt.UserUpdated = &userUpdated{
		UserID: u.UserID, FirstName: u.FirstName, LastName: u.LastName, UserType: u.UserType,
		OperationTime: device.FormatTime(now, g.zone), Template: append([]device.TemplateData{}, u.Templates...),
	}
	return g.deliver(ctx, device.KindUserUpdated, realTimeBody{rt})
}

// SendUserDeleted deletes a user by hand on the device and sends the UserDeleted callback.
func (g *Gateway) SendUserDeleted(ctx context.Context, userID string) error {
	if err := g.canSend(); err != nil {
		return err
	}
	g.mu.Lock()
	_, ok := g.users[userID]
	if ok {
		g.removeUser(userID)
	}
	g.mu.Unlock()
	if !ok {
		return fmt.Errorf("%w: %s", ErrUserNotFound, userID)
	}
	return g.deliver(ctx, device.KindUserDeleted, g.userDeletedBody(userID))
}

// SendDateModified sends the DateModified callback of someone setting the device's clock to to.
func (g *Gateway) SendDateModified(ctx context.Context, to time.Time) error {
	if err := g.canSend(); err != nil {
		return err
	}
	now := time.Now()
	rt := g.realTime(now)
	rt.DateModified = &dateModified{ModifiedTo: device.FormatTime(to, g.zone), OperationTime: device.FormatTime(now, g.zone)}
	return g.deliver(ctx, device.KindDateModified, realTimeBody{rt})
}

func (g *Gateway) canSend() error {
	if g.offline.Load() {
		return ErrOffline
	}
	if g.callbackURL == "" {
		return ErrNoCallbackURL
	}
	return nil
}
