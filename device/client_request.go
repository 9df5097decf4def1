package device

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
)

// Stamp returns req as it is sent: OperationID, AuthToken and Time (now in zone) set, and filter times given
// as a bare wall clock written as Cams times in zone (see buildCatalog). req itself is not changed.
func Stamp(req Request, operationID, authToken string, now time.Time, zone *time.Location) Request {
	req.OperationID, req.AuthToken, req.Time = operationID, authToken, FormatTime(now, zone)
	if req.Load != nil && req.Load.PunchLog != nil {
		load := *req.Load
		load.PunchLog = zonedQuery(load.PunchLog, zone)
		req.Load = &load
	}
	if req.Resend != nil && req.Resend.PunchLog != nil {
		resend := *req.Resend
		resend.PunchLog = zonedQuery(resend.PunchLog, zone)
		req.Resend = &resend
	}
	return req
}

func zonedQuery(q *PunchLogQuery, zone *time.Location) *PunchLogQuery {
	out := *q
	out.Filter.StartTime = zonedTime(q.Filter.StartTime, zone)
	out.Filter.EndTime = zonedTime(q.Filter.EndTime, zone)
	return &out
}

func zonedTime(s string, zone *time.Location) string {
	t, err := ParseTime(s, zone)
	if err != nil || t.Zoned {
		return s
	}
	return FormatTime(t.UTC, zone)
}

// marshalJSON writes v compactly without escaping <, > and & (names such as "R&D" go as typed).
func marshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// errNotObject means a raw body is not one JSON object.
var errNotObject = errors.New("the body must be one JSON object, e.g. {\"Load\":{\"DeviceInformation\":\"All\"}}")

// rawMember is one top-level member of a raw body, in the order it was written.
type rawMember struct {
	key   string
	value json.RawMessage
}

// readRawObject splits a JSON object into its members, keeping their order.
func readRawObject(body []byte) ([]rawMember, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errNotObject
	}
	var members []rawMember
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", errNotObject, err)
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("%w: %w", errNotObject, err)
		}
		members = append(members, rawMember{key, v})
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, errNotObject
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errNotObject
	}
	return members, nil
}

// stampRaw sets OperationID, AuthToken and Time in a raw body, in place when present and appended when not;
// every other member is kept as written (compacted).
func stampRaw(members []rawMember, operationID, authToken, timeText string) ([]byte, error) {
	set := map[string]string{"OperationID": operationID, "AuthToken": authToken, "Time": timeText}
	done := map[string]bool{}
	var b bytes.Buffer
	b.WriteByte('{')
	write := func(key string, value []byte) error {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		k, _ := marshalJSON(key)
		b.Write(k)
		b.WriteByte(':')
		return json.Compact(&b, value)
	}
	for _, m := range members {
		if v, ok := set[m.key]; ok {
			if done[m.key] {
				continue
			}
			done[m.key] = true
			s, _ := marshalJSON(v)
			if err := write(m.key, s); err != nil {
				return nil, err
			}
			continue
		}
		if err := write(m.key, m.value); err != nil {
			return nil, err
		}
	}
	for _, key := range []string{"OperationID", "AuthToken", "Time"} {
		if !done[key] {
			s, _ := marshalJSON(set[key])
			if err := write(key, s); err != nil {
				return nil, err
			}
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// rawVerb names a raw body by its operation when it has a catalogue shape, else by its verb.
func rawVerb(members []rawMember, body []byte) (name string, addOrDelete bool) {
	for _, m := range members {
		if m.key == "Add" || m.key == "Delete" {
			addOrDelete = true
		}
	}
	if req, err := DecodeRequest(body); err == nil {
		if op, ok := Identify(req); ok {
			return op.Name, addOrDelete
		}
	}
	for _, m := range members {
		switch m.key {
		case "Load", "Add", "Delete", "Resend", "Enroll", "Update":
			return m.key, addOrDelete
		}
	}
	return "Raw", addOrDelete
}

// RequestURL is the profile's RESTful endpoint with ?stgid= set to the configured service tag id; a stgid
// pasted into the endpoint is replaced, other query parameters are kept.
func RequestURL(p Profile) (string, error) {
	if err := ValidateEndpoint(p.Endpoint); err != nil {
		return "", &FieldError{Field: "restful_endpoint", Msg: err.Error()}
	}
	u, _ := url.Parse(strings.TrimSpace(p.Endpoint))
	q := u.Query()
	for k := range q {
		if strings.EqualFold(k, "stgid") {
			q.Del(k)
		}
	}
	q.Set("stgid", strings.TrimSpace(p.STGID))
	u.RawQuery = q.Encode()
	u.Fragment = ""
	return u.String(), nil
}
