package data

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/camsdesk/camsdesk/device"
	"gorm.io/gorm"
)

// CallbackFilter selects journal rows; zero fields do not filter.
type CallbackFilter struct {
	DeviceID      uint
	Kind          string // one of the comma-listed Kinds, e.g. "PunchLog"
	Result        string
	Limit, Offset int
}

// Callbacks returns one page of the callback journal, newest first.
func (s *Store) Callbacks(ctx context.Context, f CallbackFilter) ([]Callback, error) {
	q := s.reader.WithContext(ctx).Model(&Callback{})
	if f.DeviceID != 0 {
		q = q.Where("device_id = ?", f.DeviceID)
	}
	if f.Kind != "" {
		q = q.Where("',' || kinds || ',' LIKE ? ESCAPE '\\'", "%,"+likeEscaper.Replace(f.Kind)+",%")
	}
	if f.Result != "" {
		q = q.Where("result = ?", f.Result)
	}
	var cbs []Callback
	if err := page(q.Order("received_at DESC, id DESC"), f.Limit, f.Offset).Find(&cbs).Error; err != nil {
		return nil, fmt.Errorf("data: callbacks: %w", err)
	}
	return cbs, nil
}

// CallbackBySeq returns the journal row of a sequence number or an error wrapping ErrNotFound.
func (s *Store) CallbackBySeq(ctx context.Context, seq uint64) (Callback, error) {
	var cb Callback
	err := s.reader.WithContext(ctx).Where("seq = ?", seq).Take(&cb).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Callback{}, fmt.Errorf("data: callback %d: %w", seq, ErrNotFound)
	}
	if err != nil {
		return Callback{}, fmt.Errorf("data: callback %d: %w", seq, err)
	}
	return cb, nil
}

// LastJournalSeq returns the highest stored journal sequence number, 0 when none.
func (s *Store) LastJournalSeq(ctx context.Context) (uint64, error) {
	var seq uint64
	err := s.reader.WithContext(ctx).Model(&Callback{}).Select("COALESCE(MAX(seq), 0)").Scan(&seq).Error
	if err != nil {
		return 0, fmt.Errorf("data: last journal seq: %w", err)
	}
	return seq, nil
}

// CallbacksSince counts the callbacks received at or after since (e.g. local midnight).
func (s *Store) CallbacksSince(ctx context.Context, since time.Time) (int64, error) {
	var n int64
	err := s.reader.WithContext(ctx).Model(&Callback{}).Where("received_at >= ?", since.UTC()).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("data: callbacks since: %w", err)
	}
	return n, nil
}

// EventFilter selects events; zero fields do not filter.
type EventFilter struct {
	DeviceID         uint
	Kind             string
	FromDate, ToDate string // device-local dates, inclusive
	Limit, Offset    int
}

// Events returns one page of events, newest first.
func (s *Store) Events(ctx context.Context, f EventFilter) ([]Event, error) {
	q := s.reader.WithContext(ctx).Model(&Event{})
	if f.DeviceID != 0 {
		q = q.Where("device_id = ?", f.DeviceID)
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	if f.FromDate != "" {
		q = q.Where("local_date >= ?", f.FromDate)
	}
	if f.ToDate != "" {
		q = q.Where("local_date <= ?", f.ToDate)
	}
	var es []Event
	if err := page(q.Order("utc DESC, id DESC"), f.Limit, f.Offset).Find(&es).Error; err != nil {
		return nil, fmt.Errorf("data: events: %w", err)
	}
	return es, nil
}

// ExchangeOf is the row that records ex, a REST call to the device with id deviceID.
func ExchangeOf(deviceID uint, ex device.Exchange) Exchange {
	x := Exchange{DeviceID: deviceID, Operation: ex.Operation, OperationID: ex.OperationID, Request: string(ex.Request),
		Response: string(ex.Response), StatusCode: ex.StatusCode, Outcome: string(ex.Outcome),
		StartedAt: ex.Started, DurationMS: ex.Duration.Milliseconds()}
	if ex.Err != nil {
		x.Error = ex.Err.Error()
	}
	return x
}

// AddExchange records one REST call.
func (s *Store) AddExchange(ctx context.Context, x Exchange) error {
	x.ID = 0
	x.StartedAt = nowOr(x.StartedAt)
	if err := s.writer.WithContext(ctx).Create(&x).Error; err != nil {
		return fmt.Errorf("data: add exchange: %w", err)
	}
	return nil
}

// ExchangeFilter selects REST calls; zero fields do not filter.
type ExchangeFilter struct {
	DeviceID      uint
	Limit, Offset int
}

// Exchanges returns one page of REST calls, newest first.
func (s *Store) Exchanges(ctx context.Context, f ExchangeFilter) ([]Exchange, error) {
	q := s.reader.WithContext(ctx).Model(&Exchange{})
	if f.DeviceID != 0 {
		q = q.Where("device_id = ?", f.DeviceID)
	}
	var xs []Exchange
	if err := page(q.Order("started_at DESC, id DESC"), f.Limit, f.Offset).Find(&xs).Error; err != nil {
		return nil, fmt.Errorf("data: exchanges: %w", err)
	}
	return xs, nil
}
