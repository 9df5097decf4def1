package device

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Callback is one body POSTed by the gateway, in any of the shapes seen in the field.
type Callback struct {
	// RealTime is shape 1: one or more live events.
	RealTime *RealTime `json:"RealTime,omitempty"`
	// PunchLog is shape 2: a historical batch after a Resend.
	PunchLog *PunchLogBatch `json:"PunchLog,omitempty"`
	// Load is shape 3: a user resend, possibly with punches.
	Load *LoadResend `json:"Load,omitempty"`

	OperationID  Text `json:"OperationID,omitempty"`
	AuthToken    Text `json:"AuthToken,omitempty"`
	Time         Text `json:"Time,omitempty"`
	LabelName    Text `json:"LabelName,omitempty"`
	SerialNumber Text `json:"SerialNumber,omitempty"`
}

// RealTime carries live events and the envelope fields.
type RealTime struct {
	OperationID  Text `json:"OperationID"`
	AuthToken    Text `json:"AuthToken"`
	Time         Text `json:"Time"`
	LabelName    Text `json:"LabelName,omitempty"`
	SerialNumber Text `json:"SerialNumber,omitempty"`

	PunchLog     *PunchLog        `json:"PunchLog,omitempty"`
	Log          *AttendancePhoto `json:"Log,omitempty"`
	UserUpdated  *UserUpdated     `json:"UserUpdated,omitempty"`
	UserDeleted  *UserDeleted     `json:"UserDeleted,omitempty"`
	DateModified *DateModified    `json:"DateModified,omitempty"`
}

// PunchLog is one attendance punch. The live punch spells UserId, batches spell UserID: both are read.
type PunchLog struct {
	Type        Text   `json:"Type"`
	Temperature Number `json:"Temperature"`
	FaceMask    Flag   `json:"FaceMask"`
	InputType   Text   `json:"InputType"`
	UserID      Text   `json:"UserID"`
	LogTime     Text   `json:"LogTime"`
}

// PunchLogBatch is a page of punches, from LoadLog or a Resend.
type PunchLogBatch struct {
	ReturnRowCount Number     `json:"ReturnRowCount"`
	ActualRowCount Number     `json:"ActualRowCount"`
	OffSet         Number     `json:"OffSet"`
	Log            []PunchLog `json:"Log"`
}

// PunchLogs reads either a list of punches or a batch object with Log.
type PunchLogs []PunchLog

func (p *PunchLogs) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var batch PunchLogBatch
		if err := json.Unmarshal(b, &batch); err != nil {
			return err
		}
		*p = batch.Log
		return nil
	}
	var list []PunchLog
	if err := json.Unmarshal(b, &list); err != nil {
		return err
	}
	*p = list
	return nil
}

// AttendancePhoto is the photo a device takes at a punch.
type AttendancePhoto struct {
	UserID   Text `json:"UserID"`
	LogPhoto Text `json:"LogPhoto"`
	LogTime  Text `json:"LogTime"`
}

// UserUpdated is a user added or changed on the device, with the templates that changed.
type UserUpdated struct {
	UserID        Text       `json:"UserID"`
	FirstName     Text       `json:"FirstName"`
	LastName      Text       `json:"LastName"`
	UserType      Text       `json:"UserType"`
	OperationTime Text       `json:"OperationTime"`
	Template      []Template `json:"Template"`
}

// UserDeleted is a user removed by hand on the device.
type UserDeleted struct {
	UserID        Text `json:"UserID"`
	OperationTime Text `json:"OperationTime"`
}

// DateModified is the device's clock changed by hand.
type DateModified struct {
	ModifiedTo    Text `json:"ModifiedTo"`
	OperationTime Text `json:"OperationTime"`
}

// LoadResend is shape 3, a user resend.
type LoadResend struct {
	UserInfo []UserInfo `json:"UserInfo"`
	PunchLog PunchLogs  `json:"PunchLog"`
}

// UserInfo is a user in a resend.
type UserInfo struct {
	UserID    Text       `json:"UserID"`
	FirstName Text       `json:"FirstName"`
	LastName  Text       `json:"LastName"`
	UserType  Text       `json:"UserType"`
	Template  []Template `json:"Template,omitempty"`
}

// Template is one credential: a card number, a PIN, or biometric data.
type Template struct {
	Type   Text   `json:"Type"`
	UserID Text   `json:"UserID,omitempty"`
	Data   Text   `json:"Data"`
	Size   Number `json:"Size"`
	Index  Text   `json:"Index"`
}

// Template types in their canonical spelling.
const (
	Card        = "Card"
	Password    = "Password"
	Fingerprint = "Fingerprint"
	Face        = "Face"
	Palm        = "Palm"
	UserPhoto   = "UserPhoto"
)

// TemplateTypes lists the template types in the order the spec gives them.
var TemplateTypes = []string{Card, Password, Fingerprint, Face, Palm, UserPhoto}

// CanonicalTemplateType spells t as the spec does, whatever its case ("FingerPrint" → "Fingerprint").
// Unknown types are returned trimmed, as they came.
func CanonicalTemplateType(t string) string {
	t = strings.TrimSpace(t)
	for _, c := range TemplateTypes {
		if strings.EqualFold(t, c) {
			return c
		}
	}
	return t
}

// Indexed reports whether templates of this type are keyed by Type+Index rather than Type alone.
func Indexed(templateType string) bool {
	switch CanonicalTemplateType(templateType) {
	case Card, Password, UserPhoto:
		return false
	}
	return true
}

// Key is the template's merge key: its canonical type and, for indexed types, its index ("0" when missing).
func (t Template) Key() (typ, index string) {
	typ = CanonicalTemplateType(string(t.Type))
	if !Indexed(typ) {
		return typ, ""
	}
	index = strings.TrimSpace(string(t.Index))
	if index == "" {
		index = "0"
	}
	return typ, index
}

// Callback kinds, as the receiver logs them.
const (
	KindPunchLog     = "PunchLog"
	KindPhoto        = "Log"
	KindUserUpdated  = "UserUpdated"
	KindUserDeleted  = "UserDeleted"
	KindDateModified = "DateModified"
	KindBatch        = "PunchLogBatch"
	KindUserResend   = "UserInfo"
)

// CallbackKinds lists every kind a callback body can carry.
var CallbackKinds = []string{KindPunchLog, KindPhoto, KindUserUpdated, KindUserDeleted, KindDateModified, KindBatch, KindUserResend}

// ErrUnknownShape means the body is JSON but none of the known callback shapes.
var ErrUnknownShape = errors.New("device: not a known callback shape (no RealTime, PunchLog or Load)")

// DecodeCallback reads a plain JSON callback body.
func DecodeCallback(body []byte) (*Callback, error) {
	var c Callback
	if err := json.Unmarshal(body, &c); err != nil {
		return nil, fmt.Errorf("device: callback is not valid JSON: %w", err)
	}
	if len(c.Kinds()) == 0 {
		return nil, ErrUnknownShape
	}
	return &c, nil
}

// Kinds lists what the callback carries, in a stable order.
func (c *Callback) Kinds() []string {
	var k []string
	if rt := c.RealTime; rt != nil {
		if rt.PunchLog != nil {
			k = append(k, KindPunchLog)
		}
		if rt.Log != nil {
			k = append(k, KindPhoto)
		}
		if rt.UserUpdated != nil {
			k = append(k, KindUserUpdated)
		}
		if rt.UserDeleted != nil {
			k = append(k, KindUserDeleted)
		}
		if rt.DateModified != nil {
			k = append(k, KindDateModified)
		}
	}
	if c.PunchLog != nil {
		k = append(k, KindBatch)
	}
	if c.Load != nil {
		if len(c.Load.UserInfo) > 0 {
			k = append(k, KindUserResend)
		}
		if len(c.Load.PunchLog) > 0 && c.PunchLog == nil {
			k = append(k, KindBatch)
		}
	}
	return k
}

// Token is the AuthToken the callback carries: RealTime's, else the top-level one.
func (c *Callback) Token() string {
	if c.RealTime != nil && c.RealTime.AuthToken != "" {
		return string(c.RealTime.AuthToken)
	}
	return string(c.AuthToken)
}

// Envelope returns the operation id, serial number and label the callback carries, wherever they sit.
func (c *Callback) Envelope() (operationID, serial, label string) {
	operationID, serial, label = string(c.OperationID), string(c.SerialNumber), string(c.LabelName)
	if rt := c.RealTime; rt != nil {
		operationID = firstNonEmpty(string(rt.OperationID), operationID)
		serial = firstNonEmpty(string(rt.SerialNumber), serial)
		label = firstNonEmpty(string(rt.LabelName), label)
	}
	return operationID, serial, label
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
