package simulator

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/camsdesk/camsdesk/device"
)

// realTimeBody is callback shape 1, spelt as the gateway writes it.
type realTimeBody struct {
	RealTime realTime `json:"RealTime"`
}

type realTime struct {
	OperationID  string        `json:"OperationID"`
	LabelName    string        `json:"LabelName,omitempty"`
	SerialNumber string        `json:"SerialNumber,omitempty"`
	PunchLog     *livePunch    `json:"PunchLog,omitempty"`
	Log          *punchPhoto   `json:"Log,omitempty"`
	UserUpdated  *userUpdated  `json:"UserUpdated,omitempty"`
	UserDeleted  *userDeleted  `json:"UserDeleted,omitempty"`
	DateModified *dateModified `json:"DateModified,omitempty"`
	AuthToken    string        `json:"AuthToken"`
	Time         string        `json:"Time"`
}

// livePunch is the real-time punch: it spells UserId and writes Temperature as text.
type livePunch struct {
	Type        string `json:"Type"`
	Temperature string `json:"Temperature"`
	FaceMask    bool   `json:"FaceMask"`
	InputType   string `json:"InputType"`
	UserId      string `json:"UserId"`
	LogTime     string `json:"LogTime"`
}

type punchPhoto struct {
	UserID   string `json:"UserID"`
	LogPhoto string `json:"LogPhoto"`
	LogTime  string `json:"LogTime"`
}

type userUpdated struct {
	UserID        string                `json:"UserID"`
	FirstName     string                `json:"FirstName"`
	LastName      string                `json:"LastName"`
	UserType      string                `json:"UserType"`
	OperationTime string                `json:"OperationTime"`
	Template      []device.TemplateData `json:"Template"`
}

type userDeleted struct {
	UserID        string `json:"UserID"`
	OperationTime string `json:"OperationTime"`
}

type dateModified struct {
	ModifiedTo    string `json:"ModifiedTo"`
	OperationTime string `json:"OperationTime"`
}

// batchBody is callback shape 2, a Resend's batch of punches.
type batchBody struct {
	PunchLog     batch  `json:"PunchLog"`
	OperationID  string `json:"OperationID"`
	AuthToken    string `json:"AuthToken"`
	Time         string `json:"Time"`
	LabelName    string `json:"LabelName,omitempty"`
	SerialNumber string `json:"SerialNumber,omitempty"`
}

type batch struct {
	ReturnRowCount string   `json:"ReturnRowCount"`
	Log            []logRow `json:"Log"`
}

// userResendBody is callback shape 3, a user resend.
type userResendBody struct {
	Load         userResend `json:"Load"`
	OperationID  string     `json:"OperationID"`
	AuthToken    string     `json:"AuthToken"`
	Time         string     `json:"Time"`
	LabelName    string     `json:"LabelName,omitempty"`
	SerialNumber string     `json:"SerialNumber,omitempty"`
}

type userResend struct {
	UserInfo []userInfo `json:"UserInfo"`
}

type userInfo struct {
	UserID    string                `json:"UserID"`
	FirstName string                `json:"FirstName"`
	LastName  string                `json:"LastName"`
	UserType  string                `json:"UserType"`
	Template  []device.TemplateData `json:"Template,omitempty"`
}

// realTime starts a RealTime envelope: the gateway's own OperationID, the callback token, gateway time in GMT.
func (g *Gateway) realTime(now time.Time) realTime {
	return realTime{
		OperationID:  newOperationID(),
		LabelName:    g.cfg.Label,
		SerialNumber: g.cfg.SerialNumber,
		AuthToken:    g.cfg.CallbackToken,
		Time:         device.FormatTime(now, time.UTC),
	}
}

// newOperationID is 13 random lowercase letters and digits, like the vendor's samples. It is random across
// runs so that a receiver deduplicating on it never mistakes a new callback for an old one.
func newOperationID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 13)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// deliver POSTs one callback with retries, then reports it to OnDelivered.
func (g *Gateway) deliver(ctx context.Context, kind string, body any) error {
	err := g.send(ctx, kind, body)
	if g.cfg.OnDelivered != nil {
		g.cfg.OnDelivered(kind, err)
	}
	return err
}

func (g *Gateway) send(ctx context.Context, kind string, body any) error {
	if g.callbackURL == "" {
		return ErrNoCallbackURL
	}
	payload, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("simulator: %s callback: %w", kind, err)
	}
	ctype := "application/json"
	if key := g.cfg.SecurityKey; key != "" {
		text, err := device.Encrypt(payload, key)
		if err != nil {
			return fmt.Errorf("simulator: %s callback: %w", kind, err)
		}
		payload, ctype = []byte(text), "text/plain; charset=utf-8"
	}
	wait := g.cfg.RetryBackoff
	for attempt := 1; ; attempt++ {
		err = g.post(ctx, payload, ctype)
		if err == nil {
			g.delivered.Add(1)
			return nil
		}
		if attempt >= g.cfg.MaxAttempts || ctx.Err() != nil {
			g.failed.Add(1)
			return fmt.Errorf("simulator: %s callback given up after %d attempts: %w", kind, attempt, err)
		}
		g.retries.Add(1)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			g.failed.Add(1)
			return fmt.Errorf("simulator: %s callback abandoned: %w", kind, ctx.Err())
		case <-t.C:
		}
		wait = min(wait*2, maxRetryWait)
	}
}

// post sends one attempt; it succeeds only on HTTP 200 with {"status":"done"}.
func (g *Gateway) post(ctx context.Context, payload []byte, ctype string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.callbackURL, bytes.NewReader(payload))
	if err != nil {
		return fmt.Errorf("callback request: %w", err)
	}
	req.Header.Set("Content-Type", ctype)
	resp, err := g.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL may carry the receiver's own secrets
		}
		return fmt.Errorf("POST to %s: %w", req.URL.Host, err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, maxCallbackReply))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("receiver answered HTTP %d", resp.StatusCode)
	}
	if plain, err := device.Open(answer, g.cfg.SecurityKey); err == nil {
		var ack struct {
			Status string `json:"status"`
		}
		if json.Unmarshal(plain, &ack) == nil && strings.EqualFold(ack.Status, "done") {
			return nil
		}
	}
	if len(answer) > 80 {
		answer = append(answer[:80:80], "..."...)
	}
	return fmt.Errorf(`receiver answered %q, not {"status":"done"}`, answer)
}
