package device

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"
)

// Result is one call as sent and answered (the last try when status 37 was retried).
type Result struct {
	Operation   string
	OperationID string
	// Request is the plain JSON sent, with the AuthToken masked.
	Request []byte
	// RawResponse is the answer as plain JSON (decrypted), or as received when it could not be read.
	RawResponse []byte
	// Response is the parsed answer; nil when there was none that could be read.
	Response   *Response
	HTTPStatus int
	// Status explains Response's status code; meaningful only when Response is not nil.
	Status   Status
	Outcome  Outcome
	Started  time.Time
	Duration time.Duration
	// Attempts counts the tries, more than one when the device was busy (status 37).
	Attempts int
}

// StatusCode is the answer's status code, or -1 when there is no answer.
func (r *Result) StatusCode() int {
	if r == nil || r.Response == nil {
		return -1
	}
	return r.Status.Code
}

// Exchange is one HTTP exchange with a gateway, for the exchanges log. It holds no secret.
type Exchange struct {
	DeviceSTGID string
	Operation   string
	OperationID string
	Request     []byte // plain JSON, AuthToken masked
	Response    []byte // plain JSON, or the answer as received
	StatusCode  int    // the answer's status code, -1 when there is none
	HTTPStatus  int    // 0 when no HTTP answer came
	Outcome     Outcome
	Err         error // a *CallError, nil on success
	Started     time.Time
	Duration    time.Duration
}

func (c *Client) record(ctx context.Context, res *Result, err error) {
	ex := Exchange{
		DeviceSTGID: c.Profile.STGID, Operation: res.Operation, OperationID: res.OperationID,
		Request: res.Request, Response: res.RawResponse, StatusCode: res.StatusCode(), HTTPStatus: res.HTTPStatus,
		Outcome: res.Outcome, Err: err, Started: res.Started, Duration: res.Duration,
	}
	log := c.Logger
	if log == nil {
		log = slog.Default()
	}
	attrs := []slog.Attr{
		slog.String("device", ex.DeviceSTGID), slog.String("op", ex.Operation), slog.String("operation_id", ex.OperationID),
		slog.String("outcome", string(ex.Outcome)), slog.Int("status", ex.StatusCode), slog.Int("http", ex.HTTPStatus),
		slog.Int64("ms", ex.Duration.Milliseconds()),
	}
	level := slog.LevelInfo
	if err != nil {
		level = slog.LevelWarn
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	log.LogAttrs(ctx, level, "cams exchange", attrs...)
	if c.OnExchange != nil {
		c.OnExchange(ex)
	}
}

// notJSONError marks an answer that is not JSON at all, as opposed to JSON of the wrong shape.
type notJSONError struct{ err error }

func (e *notJSONError) Error() string { return e.err.Error() }
func (e *notJSONError) Unwrap() error { return e.err }

func decodeResponse(b []byte, r *Response) error {
	if !json.Valid(b) {
		var probe any
		return &notJSONError{json.Unmarshal(b, &probe)}
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil {
		return errors.New("the answer is not a JSON object")
	}
	return json.Unmarshal(b, r)
}
