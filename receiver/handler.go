package receiver

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"sync/atomic"
	"time"
)

// doneReply is the only answer a callback ever gets.
var doneReply = []byte(`{"status":"done"}`)

// Handler returns the receiver's routes: POST /callback (with or without ?stgid=), GET /healthz and the
// extra routes of Options.Routes.
func (r *Receiver) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/callback", r.serveCallback)
	mux.HandleFunc("/callback/", r.serveCallback)
	mux.HandleFunc("GET /healthz", r.serveHealth)
	for pattern, h := range r.opts.Routes {
		mux.Handle(pattern, h)
	}
	return mux
}

// item is one callback on its way through the writer.
type item struct {
	rec       record
	out       *outcome
	journaled atomic.Bool   // durable in the journal
	stored    atomic.Bool   // committed to the store
	parts     atomic.Int32  // the journal's and the applier's parts still to finish
	done      chan struct{} // closed when both parts are finished
}

func newItem(rec record) *item {
	it := &item{rec: rec, done: make(chan struct{})}
	it.parts.Store(2)
	return it
}

// finish ends one part; the last one releases the waiting handler.
func (it *item) finish() {
	if it.parts.Add(-1) == 0 {
		close(it.done)
	}
}

func (r *Receiver) serveCallback(w http.ResponseWriter, req *http.Request) {
	received := time.Now()
	if req.Method != http.MethodPost {
		// Not a callback (a browser or a URL check): answered like one, nothing stored.
		reply(w)
		return
	}
	r.toApply.Add(1) // submit takes it back when the callback cannot be queued
	rec := record{Received: received, STGID: req.URL.Query().Get("stgid")}
	body, err := readBody(w, req)
	switch {
	case errors.As(err, new(*http.MaxBytesError)):
		rec.Flags |= flagTooLarge
		r.log.Warn("callback body over the limit refused", "limit_bytes", MaxBody, "remote", req.RemoteAddr)
	case err != nil:
		// The gateway hung up or sent a broken body: journal what arrived, it is answered all the same.
		r.log.Warn("callback body not read completely", "err", err, "bytes", len(body))
	}
	rec.Body = body
	it := newItem(rec)
	it.out = r.conv.safePrepare(rec)
	if !r.submit(it) {
		// Neither durable nor stored: no answer, so that the gateway sends it again.
		panic(http.ErrAbortHandler)
	}
	reply(w)
}

func reply(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", "17")
	w.WriteHeader(http.StatusOK)
	w.Write(doneReply)
}

// readBody reads at most MaxBody bytes.
func readBody(w http.ResponseWriter, req *http.Request) ([]byte, error) {
	body := http.MaxBytesReader(w, req.Body, MaxBody)
	defer body.Close()
	if n := req.ContentLength; n > MaxBody {
		return nil, &http.MaxBytesError{Limit: MaxBody}
	} else if n > 0 {
		buf := make([]byte, n)
		k, err := io.ReadFull(body, buf)
		if err != nil {
			return buf[:k], err
		}
		// More than announced is an error of the sender; read it like any body.
		var extra [1]byte
		if m, _ := body.Read(extra[:]); m == 0 {
			return buf, nil
		}
		rest, err := io.ReadAll(body)
		return append(append(buf, extra[0]), rest...), err
	}
	var b bytes.Buffer
	_, err := b.ReadFrom(body)
	return b.Bytes(), err
}

// submit queues the item and waits until it is journaled and stored; a body is queued even when its
// sender has hung up. It reports whether the callback may be acknowledged: it is durable in the journal
// or stored. It gives up waiting after a long timeout so that the gateway is never left hanging; a
// callback journaled by then is stored all the same, one not yet journaled is not acknowledged (if it is
// stored after all, the one the gateway sends again is a duplicate the store keeps once).
func (r *Receiver) submit(it *item) bool {
	r.mu.RLock()
	if r.closed || !r.started {
		r.mu.RUnlock()
		r.toApply.Add(-1)
		r.log.Error("callback received while the receiver is not running: not stored, the gateway will resend it")
		return false
	}
	timer := time.NewTimer(defaultReplyTimeout)
	defer timer.Stop()
	select {
	case r.in <- it:
		r.mu.RUnlock()
	case <-timer.C:
		r.toApply.Add(-1)
		r.mu.RUnlock()
		r.log.Error("callback queue full for too long: not stored, not acknowledged; the gateway will send it again")
		return false
	}
	select {
	case <-it.done:
		if !it.journaled.Load() && !it.stored.Load() {
			r.log.Error("callback lost: neither the journal nor the database could take it; not acknowledged, the gateway will send it again",
				"seq", it.rec.Seq)
			return false
		}
	case <-timer.C:
		if !it.journaled.Load() {
			r.log.Error("callback not journaled within the reply timeout: not acknowledged, the gateway will send it again")
			return false
		}
		r.log.Warn("callback journaled but not yet stored after the reply timeout; it will be stored")
	}
	return true
}

func (r *Receiver) serveHealth(w http.ResponseWriter, _ *http.Request) {
	st := r.Stats()
	w.Header().Set("Content-Type", "application/json")
	if st.Pending {
		w.Write([]byte(`{"status":"ok","database":"unavailable, callbacks are journaled"}`))
		return
	}
	w.Write([]byte(`{"status":"ok"}`))
}
