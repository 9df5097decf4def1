package simulator

import (
	"context"
	"strconv"
	"time"

	"github.com/camsdesk/camsdesk/device"
)

// job is what the device does some time after accepting a queued command: it sends callbacks.
type job struct {
	due  time.Time
	kind string
	run  func(ctx context.Context)
}

// enqueue queues a job for the background sender. Without a callback URL there is nothing to send.
func (g *Gateway) enqueue(j job) {
	if g.callbackURL == "" {
		return
	}
	j.due = time.Now().Add(g.cfg.CommandDelay)
	g.mu.Lock()
	full := len(g.pending) >= maxPendingJobs
	if !full {
		g.pending = append(g.pending, j)
	}
	g.mu.Unlock()
	if full {
		if g.cfg.OnDelivered != nil {
			g.cfg.OnDelivered(j.kind, ErrQueueFull)
		}
		return
	}
	g.poke()
}

// runJobs runs queued jobs in order when they fall due, waiting while the device is offline.
func (g *Gateway) runJobs(ctx context.Context) {
	const offlinePoll = 250 * time.Millisecond
	for {
		g.mu.Lock()
		var next job
		has := len(g.pending) > 0
		if has {
			next = g.pending[0]
		}
		g.mu.Unlock()
		wait := time.Duration(-1) // until poked
		switch {
		case !has:
		case g.offline.Load():
			wait = offlinePoll
		default:
			wait = time.Until(next.due)
		}
		if !has || wait > 0 {
			if !g.sleep(ctx, wait) {
				return
			}
			continue
		}
		if ctx.Err() != nil {
			return
		}
		g.mu.Lock()
		g.pending[0] = job{}
		g.pending = g.pending[1:]
		g.mu.Unlock()
		next.run(ctx)
		if ctx.Err() != nil {
			return
		}
	}
}

// sleep waits for d (forever when negative), a poke, or the end of ctx; it reports whether ctx is still live.
func (g *Gateway) sleep(ctx context.Context, d time.Duration) bool {
	var timer <-chan time.Time
	if d >= 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-ctx.Done():
		return false
	case <-g.wake:
	case <-timer:
	}
	return true
}

// userUpdatedJob sends a user's templates, one callback per part.
func (g *Gateway) userUpdatedJob(u User, parts [][]device.TemplateData) job {
	return job{kind: device.KindUserUpdated, run: func(ctx context.Context) {
		for _, part := range parts {
			now := time.Now()
			rt := g.realTime(now)
			rt.UserUpdated = &userUpdated{
				UserID: u.UserID, FirstName: u.FirstName, LastName: u.LastName, UserType: u.UserType,
				OperationTime: device.FormatTime(now, g.zone),
				Template:      append([]device.TemplateData{}, part...),
			}
			_ = g.deliver(ctx, device.KindUserUpdated, realTimeBody{rt})
		}
	}}
}

func (g *Gateway) userDeletedJob(id string) job {
	return job{kind: device.KindUserDeleted, run: func(ctx context.Context) {
		_ = g.deliver(ctx, device.KindUserDeleted, g.userDeletedBody(id))
	}}
}

func (g *Gateway) userDeletedBody(id string) realTimeBody {
	now := time.Now()
	rt := g.realTime(now)
	rt.UserDeleted = &userDeleted{UserID: id, OperationTime: device.FormatTime(now, g.zone)}
	return realTimeBody{rt}
}

// resendJob sends the punches in [from, to] (Unix seconds) as they are when the device acts, in batches.
func (g *Gateway) resendJob(from, to int64) job {
	return job{kind: device.KindBatch, run: func(ctx context.Context) {
		g.mu.Lock()
		lo, hi := g.logs.between(from, to)
		rows := append([]punch(nil), g.logs.rows[lo:hi]...)
		ids := g.logs.ids
		g.mu.Unlock()
		for len(rows) > 0 && ctx.Err() == nil {
			n := min(len(rows), g.cfg.ResendChunk)
			body := batchBody{
				PunchLog:    batch{ReturnRowCount: strconv.Itoa(n), Log: rowsOut(rows[:n], ids, g.zone)},
				OperationID: newOperationID(), AuthToken: g.cfg.CallbackToken, Time: device.FormatTime(time.Now(), time.UTC),
				LabelName: g.cfg.Label, SerialNumber: g.cfg.SerialNumber,
			}
			_ = g.deliver(ctx, device.KindBatch, body)
			rows = rows[n:]
		}
	}}
}

// userResendJob sends every user with their templates, userResendChunk users per callback.
func (g *Gateway) userResendJob() job {
	return job{kind: device.KindUserResend, run: func(ctx context.Context) {
		users := g.Users()
		for len(users) > 0 && ctx.Err() == nil {
			n := min(len(users), userResendChunk)
			infos := make([]userInfo, n)
			for i, u := range users[:n] {
				infos[i] = userInfo{UserID: u.UserID, FirstName: u.FirstName, LastName: u.LastName, UserType: u.UserType, Template: u.Templates}
			}
			body := userResendBody{
				Load:        userResend{UserInfo: infos},
				OperationID: newOperationID(), AuthToken: g.cfg.CallbackToken, Time: device.FormatTime(time.Now(), time.UTC),
				LabelName: g.cfg.Label, SerialNumber: g.cfg.SerialNumber,
			}
			_ = g.deliver(ctx, device.KindUserResend, body)
			users = users[n:]
		}
	}}
}
