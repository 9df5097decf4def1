package device

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Client sends RESTful commands to one device. Calls to one device (by stgid) run one at a time across the
// process. The zero Timeouts and BusyRetry mean the defaults; a nil HTTP client means a shared one.
type Client struct {
	Profile  Profile
	HTTP     *http.Client
	Timeouts Timeouts
	// BusyRetry are the waits before each new try after status 37 (busy); nil means DefaultBusyRetry, an empty
	// non-nil slice no retry. Add and Delete commands are never retried.
	BusyRetry []time.Duration
	// OnExchange is called after every HTTP exchange (each try), e.g. to store it.
	OnExchange func(Exchange)
	// Logger gets one line per exchange; nil means slog.Default().
	Logger *slog.Logger
}

// DefaultBusyRetry: four tries in all.
var DefaultBusyRetry = []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}

// maxAnswer bounds the answer read from the gateway; maxUnreadKept bounds what is kept of one that cannot be read.
const (
	maxAnswer     = 64 << 20
	maxUnreadKept = 64 << 10
)

// Option configures a Client made by NewClient.
type Option func(*Client)

// WithHTTPClient sends through h.
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.HTTP = h } }

// WithTimeouts sets the connect and total timeouts.
func WithTimeouts(t Timeouts) Option { return func(c *Client) { c.Timeouts = t } }

// WithBusyRetry sets the waits between tries after status 37.
func WithBusyRetry(waits ...time.Duration) Option {
	return func(c *Client) { c.BusyRetry = append([]time.Duration{}, waits...) }
}

// WithRecorder calls f after every exchange.
func WithRecorder(f func(Exchange)) Option { return func(c *Client) { c.OnExchange = f } }

// WithLogger logs exchanges to l.
func WithLogger(l *slog.Logger) Option { return func(c *Client) { c.Logger = l } }

// NewClient checks the profile's sending settings and returns a client for it.
func NewClient(p Profile, opts ...Option) (*Client, error) {
	c := &Client{Profile: p}
	for _, o := range opts {
		o(c)
	}
	if _, _, err := c.settings(); err != nil {
		return nil, fmt.Errorf("device %q: %w", p.Name, err)
	}
	return c, nil
}

// settings checks what sending needs and returns the request URL and the device's zone.
func (c *Client) settings() (string, *time.Location, error) {
	p := c.Profile
	var errs []error
	u, err := RequestURL(p)
	if err != nil {
		errs = append(errs, err)
	}
	if strings.TrimSpace(p.STGID) == "" {
		errs = append(errs, &FieldError{Field: "stgid", Msg: "copy the service tag id of the device from API Monitor"})
	}
	if msg := tokenProblem(p.AuthToken, true); msg != "" {
		errs = append(errs, &FieldError{Field: "auth_token", Msg: msg})
	}
	if msg := tokenProblem(p.SecurityKey, false); msg != "" {
		errs = append(errs, &FieldError{Field: "security_key", Msg: msg})
	}
	if msg := tokenProblem(p.OldSecurityKey, false); msg != "" {
		errs = append(errs, &FieldError{Field: "old_security_key", Msg: msg})
	}
	zone, err := p.Location()
	if err != nil {
		errs = append(errs, &FieldError{Field: "time_zone", Msg: err.Error()})
	}
	return u, zone, errors.Join(errs...)
}

// Send builds op from params and sends it.
func (c *Client) Send(ctx context.Context, op Operation, params Params) (*Result, error) {
	if op.Build == nil {
		return nil, &CallError{Kind: OutcomeInvalid, Op: op.Name, Cause: "unknown operation", Hint: "See camsd ops for the list."}
	}
	req, err := op.Build(params)
	if err != nil {
		return nil, invalid(op.Name, err, "Correct the parameters and send again.")
	}
	return c.SendRequest(ctx, op, req)
}

// SendRequest sends a built request (OperationID, AuthToken and Time are stamped here).
func (c *Client) SendRequest(ctx context.Context, op Operation, req Request) (*Result, error) {
	retry := op.Group != GroupAddUser && op.Group != GroupDelete
	return c.exchange(ctx, op.Name, retry, func(id string, now time.Time, zone *time.Location) ([]byte, []byte, error) {
		token := c.Profile.AuthToken
		plain, err := marshalJSON(Stamp(req, id, token, now, zone))
		if err != nil {
			return nil, nil, err
		}
		masked, err := marshalJSON(Stamp(req, id, Mask(token), now, zone))
		return plain, masked, err
	})
}

// SendRaw sends a JSON object as written, with only OperationID, AuthToken and Time added or overwritten.
func (c *Client) SendRaw(ctx context.Context, body []byte) (*Result, error) {
	members, err := readRawObject(body)
	if err != nil {
		return nil, invalid("Raw", err, "Fix the JSON and send again.")
	}
	name, addOrDelete := rawVerb(members, body)
	return c.exchange(ctx, name, !addOrDelete, func(id string, now time.Time, zone *time.Location) ([]byte, []byte, error) {
		t := FormatTime(now, zone)
		plain, err := stampRaw(members, id, c.Profile.AuthToken, t)
		if err != nil {
			return nil, nil, err
		}
		masked, err := stampRaw(members, id, Mask(c.Profile.AuthToken), t)
		return plain, masked, err
	})
}

func invalid(op string, err error, hint string) *CallError {
	return &CallError{Kind: OutcomeInvalid, Op: op, Cause: oneLine(strings.ReplaceAll(err.Error(), "\n", "; "), 300), Hint: hint, Err: err}
}

// bodyFunc makes the plain and the token-masked body of one try.
type bodyFunc func(operationID string, now time.Time, zone *time.Location) (plain, masked []byte, err error)

// exchange runs the tries of one call under the device's lock.
func (c *Client) exchange(ctx context.Context, op string, retryBusy bool, body bodyFunc) (*Result, error) {
	endpoint, zone, err := c.settings()
	if err != nil {
		return nil, invalid(op, err, "Correct the device settings.")
	}
	unlock, err := lockDevice(ctx, c.Profile.STGID)
	if err != nil {
		return nil, &CallError{Kind: OutcomeCancelled, Op: op, Cause: "the call was cancelled while waiting for the previous call to this device", Err: err}
	}
	defer unlock()

	waits := c.BusyRetry
	if waits == nil {
		waits = DefaultBusyRetry
	}
	for try := 1; ; try++ {
		id := NewOperationID()
		plain, masked, err := body(id, time.Now(), zone)
		if err != nil {
			return nil, invalid(op, err, "Fix the request and send again.")
		}
		res, err := c.attempt(ctx, endpoint, op, id, plain, masked)
		res.Attempts = try
		if !retryBusy || res.Response == nil || res.Status.Code != StatusBusy || try > len(waits) {
			return res, err
		}
		t := time.NewTimer(waits[try-1])
		select {
		case <-ctx.Done():
			t.Stop()
			return res, &CallError{Kind: OutcomeCancelled, Op: op, Cause: "the call was cancelled while waiting to retry a busy device", Err: ctx.Err()}
		case <-t.C:
		}
	}
}

// attempt is one HTTP exchange. The result is never nil.
func (c *Client) attempt(ctx context.Context, endpoint, op, id string, plain, masked []byte) (res *Result, callErr error) {
	started := time.Now()
	res = &Result{Operation: op, OperationID: id, Request: masked, Started: started}
	defer func() {
		res.Duration = time.Since(started)
		if res.Response == nil && len(res.RawResponse) > maxUnreadKept {
			res.RawResponse = res.RawResponse[:maxUnreadKept] // an error page: its start tells what it is
		}
		if callErr == nil {
			res.Outcome = OutcomeSuccess
		} else {
			var ce *CallError
			if errors.As(callErr, &ce) {
				res.Outcome = ce.Kind
			}
		}
		c.record(ctx, res, callErr)
	}()

	p := c.Profile
	wire := plain
	if p.SecurityKey != "" {
		sealed, err := Encrypt(plain, p.SecurityKey)
		if err != nil {
			return res, invalid(op, err, "Copy the 32-character security key again from API Monitor.")
		}
		wire = []byte(sealed)
	}
	timeouts := c.Timeouts.orDefault()
	actx, cancel := context.WithTimeout(ctx, timeouts.Total)
	defer cancel()
	httpReq, err := http.NewRequestWithContext(actx, http.MethodPost, endpoint, bytes.NewReader(wire))
	if err != nil {
		return res, invalid(op, err, "Correct the endpoint URL in the device settings.")
	}
	httpReq.Header.Set("Content-Type", "application/json")
	httpReq.Header.Set("Accept", "application/json")
	host := httpReq.URL.Host

	resp, err := c.httpClient(timeouts).Do(httpReq)
	if err != nil {
		return res, transportError(op, ctx, actx, err, timeouts, host)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return res, transportError(op, ctx, actx, err, timeouts, host)
	}
	res.HTTPStatus = resp.StatusCode
	res.RawResponse = raw
	if len(raw) > maxAnswer {
		return res, &CallError{Kind: OutcomeBadAnswer, Op: op, Cause: fmt.Sprintf("the gateway's answer is larger than %d MB", maxAnswer>>20), Hint: hintEndpoint}
	}

	answer, openErr := Open(raw, p.SecurityKey, p.OldSecurityKey)
	var parsed Response
	parseErr := openErr
	if openErr == nil {
		res.RawResponse = answer
		parseErr = decodeResponse(answer, &parsed)
	}
	if resp.StatusCode != http.StatusOK {
		if parseErr == nil {
			res.Response = &parsed
			res.Status = LookupStatus(parsed.Code())
		}
		return res, &CallError{Kind: OutcomeHTTPError, Op: op,
			Cause: fmt.Sprintf("the gateway answered HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode)),
			Hint:  "The gateway is failing or the endpoint URL is wrong. " + hintEndpoint}
	}
	if openErr != nil {
		return res, c.unreadable(op, raw, openErr)
	}
	if parseErr != nil {
		var syntax *notJSONError
		if errors.As(parseErr, &syntax) {
			return res, &CallError{Kind: OutcomeNotJSON, Op: op, Cause: "the gateway's answer is not JSON: " + c.snippet(answer), Hint: hintEndpoint, Err: parseErr}
		}
		return res, &CallError{Kind: OutcomeBadAnswer, Op: op, Cause: "the gateway's answer is not a Cams answer: " + oneLine(parseErr.Error(), 120), Hint: hintEndpoint, Err: parseErr}
	}
	res.Response = &parsed
	res.Status = LookupStatus(parsed.Code())
	if res.Status.Code != 0 {
		return res, deviceError(op, res.Status, string(parsed.Message))
	}
	return res, nil
}

// unreadable explains an answer that is neither JSON nor decryptable.
func (c *Client) unreadable(op string, raw []byte, err error) *CallError {
	p := c.Profile
	e := &CallError{Kind: OutcomeNotJSON, Op: op, Err: err}
	switch {
	case p.SecurityKey != "" || p.OldSecurityKey != "":
		e.Cause = "the gateway's answer is not JSON and the security key does not decrypt it"
		e.Hint = "Copy the security key (and the old key while it is being changed) again from API Monitor."
	case looksEncrypted(raw):
		e.Cause = "the gateway's answer is encrypted and the device has no security key"
		e.Hint = "Enter the device's 32-character security key from API Monitor in the device settings."
	default:
		e.Cause = "the gateway's answer is not JSON: " + c.snippet(raw)
		e.Hint = hintEndpoint
	}
	return e
}

func looksEncrypted(raw []byte) bool {
	b, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(raw)))
	return err == nil && len(b) > 0 && len(b)%16 == 0
}

// snippet is the start of an answer for an error line, with the auth token masked should it be echoed.
func (c *Client) snippet(b []byte) string {
	s := oneLine(string(b), 80)
	if t := c.Profile.AuthToken; t != "" {
		s = strings.ReplaceAll(s, t, Mask(t))
	}
	if s == "" {
		return "(empty)"
	}
	return s
}

// httpClient returns the configured client or a shared one for the connect timeout.
func (c *Client) httpClient(t Timeouts) *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	if h, ok := sharedClients.Load(t.Connect); ok {
		return h.(*http.Client)
	}
	dialer := &net.Dialer{Timeout: t.Connect, KeepAlive: 30 * time.Second}
	h := &http.Client{Transport: &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         dialer.DialContext,
		TLSHandshakeTimeout: t.Connect,
		ForceAttemptHTTP2:   true,
		MaxIdleConnsPerHost: 2,
		IdleConnTimeout:     90 * time.Second,
	}}
	actual, _ := sharedClients.LoadOrStore(t.Connect, h)
	return actual.(*http.Client)
}

var sharedClients sync.Map // connect timeout → *http.Client

// deviceLocks holds one single-slot semaphore per stgid.
var deviceLocks sync.Map

// lockDevice waits for this process's turn to call the device, or for ctx to end.
func lockDevice(ctx context.Context, stgid string) (func(), error) {
	v, _ := deviceLocks.LoadOrStore(strings.TrimSpace(stgid), make(chan struct{}, 1))
	slot := v.(chan struct{})
	select {
	case slot <- struct{}{}:
		return func() { <-slot }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
