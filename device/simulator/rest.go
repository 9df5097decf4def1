package simulator

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"time"

	"github.com/camsdesk/camsdesk/device"
)

// Exchange is one RESTful call as the gateway saw it.
type Exchange struct {
	At time.Time
	// Operation is the operation's name ("LoadLog", "AddUser", "DeleteUser", ...), or only its verb ("Load")
	// when the call was refused before the operation was known.
	Operation   string
	OperationID string
	StatusCode  int
	Message     string
	Encrypted   bool
	// Body is the request as plain JSON with its AuthToken masked; nil when unreadable or over 128 KB.
	Body json.RawMessage
}

const maxRecordedBody = 128 << 10

// reply is the gateway's answer envelope; errors come in it with HTTP 200.
type reply struct {
	Status            string      `json:"Status"`
	OperationID       string      `json:"OperationID"`
	StatusCode        int         `json:"StatusCode"`
	Message           string      `json:"Message,omitempty"`
	DeviceInformation *deviceInfo `json:"DeviceInformation,omitempty"`
	PunchLog          *logPage    `json:"PunchLog,omitempty"`
}

// envelope is a request body split into its verb sections and authentication fields.
type envelope struct {
	Load        json.RawMessage `json:"Load"`
	Add         json.RawMessage `json:"Add"`
	Delete      json.RawMessage `json:"Delete"`
	Resend      json.RawMessage `json:"Resend"`
	Enroll      json.RawMessage `json:"Enroll"`
	Update      json.RawMessage `json:"Update"`
	OperationID json.RawMessage `json:"OperationID"`
	AuthToken   json.RawMessage `json:"AuthToken"`
	Time        json.RawMessage `json:"Time"`
}

var (
	operationIDPattern = regexp.MustCompile(`^[A-Za-z0-9]{1,64}$`)
	requestTimePattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} GMT [+-]\d{4}$`)
)

// Handler serves the RESTful API at EndpointPath (POST, with ?stgid=).
func (g *Gateway) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+EndpointPath, g.serveREST)
	return mux
}

func (g *Gateway) serveREST(w http.ResponseWriter, r *http.Request) {
	g.calls.Add(1)
	ex := Exchange{At: time.Now()}
	out, sealed := g.answer(r, &ex)
	out.OperationID = ex.OperationID
	ex.StatusCode, ex.Message = out.StatusCode, out.Message
	switch out.StatusCode {
	case 0:
		out.Status = "done"
	case device.StatusBusy:
		g.busyAnswers.Add(1)
		fallthrough
	default:
		out.Status = "error"
		g.refused.Add(1)
	}
	body, _ := json.Marshal(out) // plain strings and numbers: cannot fail
	ctype := "application/json"
	if sealed {
		if text, err := device.Encrypt(body, g.cfg.SecurityKey); err == nil {
			body, ctype = []byte(text), "text/plain; charset=utf-8"
		}
	}
	g.record(ex)
	if g.cfg.OnRequest != nil {
		g.cfg.OnRequest(ex)
	}
	w.Header().Set("Content-Type", ctype)
	_, _ = w.Write(body)
}

// answer checks a call in the gateway's order (stgid, encryption, shape, OperationID and Time, token, online,
// busy) and carries it out. sealed says whether the answer must be encrypted.
func (g *Gateway) answer(r *http.Request, ex *Exchange) (out reply, sealed bool) {
	if r.URL.Query().Get("stgid") != g.cfg.STGID {
		return refuse(2, "unknown service tag id (stgid)"), false
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBytes+1))
	switch {
	case err != nil:
		return refuse(1, "the request body could not be read"), false
	case len(body) > maxRequestBytes:
		return refuse(1, "the request body is larger than 16 MB"), false
	}
	plain := bytes.TrimSpace(body)
	if len(plain) == 0 {
		return refuse(1, "the request body is empty"), false
	}
	if key := g.cfg.SecurityKey; key != "" {
		if len(key) != device.TokenLength {
			return refuse(13, "the gateway's security key for this device is not 32 characters"), false
		}
		if plain[0] == '{' {
			return refuse(19, "this device has a security key: the body must be encrypted"), false
		}
		if plain, err = device.Decrypt(plain, key); err != nil {
			return refuse(4, "the body does not decrypt with this device's security key"), false
		}
		sealed = true
	}
	ex.Encrypted = sealed
	var env envelope
	if err := json.Unmarshal(plain, &env); err != nil {
		return refuse(1, "the body is not a JSON object"), sealed
	}
	if len(plain) <= maxRecordedBody {
		ex.Body = maskToken(plain)
	}
	ex.OperationID, _ = jsonString(env.OperationID)
	verb, section, problem := env.verb()
	ex.Operation = verb
	if problem != "" {
		return refuse(1, problem), sealed
	}
	if !operationIDPattern.MatchString(ex.OperationID) {
		return refuse(1, "OperationID must be 1 to 64 letters and digits"), sealed
	}
	if !validRequestTime(env.Time) {
		return refuse(1, `Time must be like "2024-09-17 08:00:00 GMT +0530"`), sealed
	}
	token, _ := jsonString(env.AuthToken)
	if subtle.ConstantTimeCompare([]byte(token), []byte(g.cfg.AuthToken)) != 1 {
		return refuse(7, "invalid auth token"), sealed
	}
	if g.offline.Load() {
		return refuse(5, "the device is offline"), sealed
	}
	if !g.busy.CompareAndSwap(false, true) {
		return refuse(device.StatusBusy, "busy with another call for this device group; try again shortly"), sealed
	}
	defer g.busy.Store(false)
	if d := g.cfg.ProcessingTime; d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		}
	}
	name, res := g.dispatch(verb, section)
	ex.Operation = name
	for _, j := range res.jobs {
		g.enqueue(j)
	}
	return reply{StatusCode: res.code, Message: res.msg, DeviceInformation: res.info, PunchLog: res.page}, sealed
}

func refuse(code int, msg string) reply { return reply{StatusCode: code, Message: msg} }

// verb finds the body's one verb section.
func (e envelope) verb() (name string, section json.RawMessage, problem string) {
	found := 0
	for _, v := range []struct {
		name string
		raw  json.RawMessage
	}{{"Load", e.Load}, {"Add", e.Add}, {"Delete", e.Delete}, {"Resend", e.Resend}, {"Enroll", e.Enroll}, {"Update", e.Update}} {
		if len(v.raw) == 0 || bytes.Equal(v.raw, []byte("null")) {
			continue
		}
		found++
		name, section = v.name, v.raw
	}
	switch found {
	case 0:
		return "", nil, "no operation: the body needs one of Load, Add, Delete, Resend, Enroll or Update"
	case 1:
		return name, section, ""
	}
	return "", nil, "more than one operation in one body: send one of Load, Add, Delete, Resend, Enroll or Update"
}

func jsonString(raw json.RawMessage) (string, bool) {
	var s string
	if len(raw) == 0 || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

func validRequestTime(raw json.RawMessage) bool {
	s, ok := jsonString(raw)
	if !ok || !requestTimePattern.MatchString(s) {
		return false
	}
	_, err := device.ParseTime(s, time.UTC)
	return err == nil
}

// maskToken returns the body with its AuthToken masked, keys sorted.
func maskToken(plain []byte) json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(plain, &m) != nil || m == nil {
		return nil
	}
	if tok, ok := jsonString(m["AuthToken"]); ok {
		m["AuthToken"], _ = json.Marshal(device.Mask(tok))
	}
	out, err := json.Marshal(m)
	if err != nil {
		return nil
	}
	return out
}

func (g *Gateway) record(ex Exchange) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.exchanges) >= exchangesKept {
		g.exchanges = append(g.exchanges[:0], g.exchanges[1:]...)
	}
	g.exchanges = append(g.exchanges, ex)
}

// Requests returns up to the last n calls (at most 256 are kept), oldest first.
func (g *Gateway) Requests(n int) []Exchange {
	g.mu.Lock()
	defer g.mu.Unlock()
	if n <= 0 || n > len(g.exchanges) {
		n = len(g.exchanges)
	}
	return append([]Exchange(nil), g.exchanges[len(g.exchanges)-n:]...)
}
