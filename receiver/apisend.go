package receiver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/camsdesk/camsdesk/device"
)

// maxAPISendBody bounds a /api/send body (templates and photos ride in params).
const maxAPISendBody = 16 << 20

// APISendRequest is the body of POST /api/send.
type APISendRequest struct {
	// Operation is a number (17) or a name in any case ("LoadLog").
	Operation json.RawMessage `json:"operation"`
	// Device is a configured device's name; empty means the default device.
	Device string `json:"device,omitempty"`
	// Params are the operation's parameters; absent means the catalogue's samples.
	Params map[string]any `json:"params,omitempty"`
}

// APISendAnswer is what /api/send answers.
type APISendAnswer struct {
	OK bool `json:"ok"`
	// StatusCode is the device's status code, null when no answer came.
	StatusCode  *int            `json:"status_code"`
	Meaning     string          `json:"meaning,omitempty"`
	Hint        string          `json:"hint,omitempty"`
	Outcome     string          `json:"outcome,omitempty"`
	Error       string          `json:"error,omitempty"`
	Field       string          `json:"field,omitempty"` // the parameter a 400 is about
	Operation   string          `json:"operation,omitempty"`
	OperationID string          `json:"operation_id,omitempty"`
	Request     json.RawMessage `json:"request,omitempty"` // as sent, AuthToken masked
	// Response is the device's answer: JSON as received (decrypted), or a string when it is not JSON.
	Response any `json:"response,omitempty"`
}

// APISend serves POST /api/send: it sends one catalogue operation to a device and answers what came back.
// It answers only callers on this machine (loopback, no proxy headers, no foreign Origin) that send JSON, so a
// web page open in a browser cannot drive the devices. clients returns the client of a device by name ("" for
// the default device). Every call that reached the sending stage answers 200 with ok telling success; bad
// input answers 400 naming the field, other callers 403, other methods 405.
func APISend(clients func(device string) (*device.Client, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			apiWriteError(w, http.StatusMethodNotAllowed, "", "use POST with a JSON body")
			return
		}
		if reason := apiNotLocal(r); reason != "" {
			apiWriteError(w, http.StatusForbidden, "", reason)
			return
		}
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
			apiWriteError(w, http.StatusUnsupportedMediaType, "", "send the body as Content-Type: application/json")
			return
		}
		in, op, params, field, err := readAPISend(w, r)
		if err != nil {
			apiWriteError(w, http.StatusBadRequest, field, err.Error())
			return
		}
		c, err := clients(in.Device)
		if err != nil {
			apiWriteError(w, http.StatusBadRequest, "device", "device: "+err.Error())
			return
		}
		res, err := c.Send(r.Context(), op, params)
		var ce *device.CallError
		if err != nil && errors.As(err, &ce) && ce.Kind == device.OutcomeInvalid {
			var fe *device.FieldError
			if errors.As(err, &fe) {
				field = fe.Field
			}
			apiWriteError(w, http.StatusBadRequest, field, err.Error())
			return
		}
		apiWriteJSON(w, http.StatusOK, apiAnswer(op, res, err))
	})
}

// apiNotLocal says why a request is refused, or "" when it comes from this machine.
func apiNotLocal(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return "/api/send answers only programs on this computer"
	}
	if r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("Forwarded") != "" {
		return "/api/send does not answer through a proxy"
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		u, err := url.Parse(origin)
		if err != nil || !apiLocalHost(u.Hostname()) {
			return "/api/send does not answer web pages from other sites"
		}
	}
	return ""
}

func apiLocalHost(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// readAPISend decodes the body and resolves the operation and its parameters. field names what is wrong.
func readAPISend(w http.ResponseWriter, r *http.Request) (in APISendRequest, op device.Operation, params device.Params, field string, err error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAPISendBody))
	if err != nil {
		return in, op, nil, "", fmt.Errorf("the body is larger than %d MB", maxAPISendBody>>20)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return in, op, nil, "", fmt.Errorf("the body is not {\"operation\": ..., \"device\": ..., \"params\": {...}}: %w", err)
	}
	if dec.More() {
		return in, op, nil, "", errors.New("the body has more than one JSON value")
	}
	ref, err := apiOperationRef(in.Operation)
	if err != nil {
		return in, op, nil, "operation", err
	}
	op, ok := device.Lookup(ref)
	if !ok {
		return in, op, nil, "operation", fmt.Errorf("operation: no operation %q; numbers run from 12 to 38", ref)
	}
	if in.Params == nil {
		return in, op, op.Samples(), "", nil
	}
	params = device.Params{}
	for k, v := range in.Params {
		s, err := apiParamText(v)
		if err != nil {
			return in, op, nil, k, fmt.Errorf("%s: %w", k, err)
		}
		params[k] = s
	}
	return in, op, params, "", nil
}

func apiOperationRef(raw json.RawMessage) (string, error) {
	var v any
	if len(bytes.TrimSpace(raw)) == 0 || json.Unmarshal(raw, &v) != nil || v == nil {
		return "", errors.New(`operation: required, a number (17) or a name ("LoadLog")`)
	}
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x), nil
	case float64:
		if x == float64(int(x)) {
			return strconv.Itoa(int(x)), nil
		}
	}
	return "", errors.New(`operation: a number (17) or a name ("LoadLog")`)
}

// apiParamText accepts text, numbers and true/false as a parameter value; null is empty.
func apiParamText(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	return "", errors.New("give text or a number, not a list or an object")
}

func apiAnswer(op device.Operation, res *device.Result, err error) APISendAnswer {
	a := APISendAnswer{OK: err == nil, Operation: op.Name}
	if res != nil {
		a.Outcome, a.OperationID, a.Request = string(res.Outcome), res.OperationID, json.RawMessage(res.Request)
		if res.Response != nil {
			code := res.Status.Code
			a.StatusCode, a.Meaning, a.Hint = &code, res.Status.Meaning, res.Status.Hint
		}
		if len(res.RawResponse) > 0 {
			if json.Valid(res.RawResponse) {
				a.Response = json.RawMessage(res.RawResponse)
			} else {
				a.Response = string(res.RawResponse)
			}
		}
	}
	var ce *device.CallError
	if errors.As(err, &ce) {
		a.Outcome, a.Error = string(ce.Kind), ce.Error()
		if ce.Hint != "" {
			a.Hint = ce.Hint
		}
		if ce.Status != nil && ce.Status.Unsupported {
			a.Meaning = "not supported for this device"
		}
	} else if err != nil {
		a.Error = err.Error()
	}
	return a
}

func apiWriteError(w http.ResponseWriter, code int, field, msg string) {
	apiWriteJSON(w, code, APISendAnswer{OK: false, Error: msg, Field: field})
}

func apiWriteJSON(w http.ResponseWriter, code int, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		code = http.StatusInternalServerError
		b.Reset()
		b.WriteString(`{"ok":false,"error":"the answer could not be written"}` + "\n")
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	w.Write(b.Bytes())
}
