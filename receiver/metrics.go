package receiver

import (
	"context"
	"math"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/device"
)

// Label values of cams_callbacks_total. A callback carrying several kinds counts once under each; one
// without any (not a Cams callback) counts under "none".
var (
	metricKinds   = []string{device.KindPunchLog, device.KindPhoto, device.KindUserUpdated, device.KindUserDeleted, device.KindDateModified, device.KindBatch, device.KindUserResend, "none", "other"}
	metricResults = []string{data.ResultAccepted, data.ResultRejected, data.ResultError, "other"}
)

// callbackBuckets span a commit on a fast disk (1 ms) to the reply timeout (25 s).
var callbackBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 25}

// Metrics counts the receiver's work in a Prometheus registry of its own. Pass it in Options.Metrics,
// serve Handler at GET /metrics, wrap the receiver's handler with Instrument, and give RecordExchange to
// device clients. A nil *Metrics records nothing.
type Metrics struct {
	reg       *prometheus.Registry
	callbacks [][]prometheus.Counter // [kind][result], resolved once
	duration  prometheus.Histogram
	group     prometheus.Histogram
	punches   prometheus.Counter
	rest      *prometheus.CounterVec

	rcv       atomic.Pointer[Receiver]
	committed atomic.Uint64 // the last journal seq known to be stored
	based     atomic.Bool   // committed includes the store's own last seq
}

// NewMetrics makes the registry with the cams_* metrics and the Go and process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	cb := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cams_callbacks_total",
		Help: "Callbacks stored, by kind (a callback with several kinds counts under each) and result.",
	}, []string{"kind", "result"})
	m.callbacks = make([][]prometheus.Counter, len(metricKinds))
	for i, k := range metricKinds {
		m.callbacks[i] = make([]prometheus.Counter, len(metricResults))
		for j, res := range metricResults {
			m.callbacks[i][j] = cb.WithLabelValues(k, res)
		}
	}
	m.duration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "cams_callback_duration_seconds",
		Help:    "Time from receiving a POST /callback to answering it (after the journal and the database took it).",
		Buckets: callbackBuckets,
	})
	m.group = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "cams_commit_callbacks",
		Help:    "Callbacks stored by one database commit (larger under load: each commit has a fixed cost).",
		Buckets: prometheus.ExponentialBuckets(1, 2, 10),
	})
	m.punches = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "cams_punches_stored_total",
		Help: "New punches stored from callbacks (repeats of stored punches not counted).",
	})
	m.rest = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cams_rest_calls_total",
		Help: "RESTful exchanges with gateways (each try), by operation and status (the outcome: success, device_error, timeout, ...).",
	}, []string{"operation", "status"})
	backlog := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "cams_journal_backlog",
		Help: "Callbacks in the journal not yet committed to the database (NaN until the database has answered once).",
	}, m.backlog)
	queue := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "cams_callback_queue",
		Help: "Callbacks received and waiting for the journal.",
	}, m.queue)
	dbUp := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "cams_database_up",
		Help: "1 while the database takes callbacks, 0 while they are only journaled.",
	}, m.databaseUp)
	m.reg.MustRegister(cb, m.duration, m.group, m.punches, m.rest, backlog, queue, dbUp,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry is the registry the metrics are in, for adding more.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus text format (GET /metrics).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, MaxRequestsInFlight: 4, Timeout: 10 * time.Second})
}

// Instrument wraps the receiver's handler so that each POST /callback is timed from receipt to answer.
func (m *Metrics) Instrument(h http.Handler) http.Handler {
	if m == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		p := req.URL.Path
		if req.Method != http.MethodPost || (p != "/callback" && !strings.HasPrefix(p, "/callback/")) {
			h.ServeHTTP(w, req)
			return
		}
		start := time.Now()
		h.ServeHTTP(w, req)
		m.duration.Observe(time.Since(start).Seconds())
	})
}

// RecordExchange counts one exchange of a device.Client (use it as, or from, its OnExchange).
func (m *Metrics) RecordExchange(ex device.Exchange) {
	if m == nil {
		return
	}
	op := "raw"
	if o, ok := device.Lookup(ex.Operation); ok {
		op = o.Name
	}
	status := string(ex.Outcome)
	if status == "" {
		status = "unknown"
	}
	m.rest.WithLabelValues(op, status).Inc()
}

// attach lets the gauges read r's journal and state.
func (m *Metrics) attach(r *Receiver) {
	if m != nil {
		m.rcv.Store(r)
	}
}

// stored counts one committed callback; the writer calls it in seq order.
func (m *Metrics) stored(seq uint64, kinds []string, result string, newPunches int) {
	if m == nil {
		return
	}
	j := index(metricResults, result)
	if len(kinds) == 0 {
		m.callbacks[len(metricKinds)-2][j].Inc()
	}
	for _, k := range kinds {
		m.callbacks[index(metricKinds, k)][j].Inc()
	}
	if newPunches > 0 {
		m.punches.Add(float64(newPunches))
	}
	raise(&m.committed, seq)
}

// commit records one commit of n callbacks.
func (m *Metrics) commit(n int) {
	if m != nil {
		m.group.Observe(float64(n))
	}
}

// index is the position of v in list, else the last one ("other").
func index(list []string, v string) int {
	for i, s := range list {
		if s == v {
			return i
		}
	}
	return len(list) - 1
}

func raise(a *atomic.Uint64, v uint64) {
	for {
		old := a.Load()
		if v <= old || a.CompareAndSwap(old, v) {
			return
		}
	}
}

// backlog is the journal's head less the last committed seq. Commits go in seq order, so the last one
// committed is the frontier; before the first commit of this run it comes from the store.
func (m *Metrics) backlog() float64 {
	r := m.rcv.Load()
	if r == nil {
		return 0
	}
	if !m.based.Load() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		last, err := r.store.LastJournalSeq(ctx)
		cancel()
		if err != nil && m.committed.Load() == 0 {
			return math.NaN()
		}
		if err == nil {
			raise(&m.committed, last)
			m.based.Store(true)
		}
	}
	head, done := r.written.get(), m.committed.Load()
	if head <= done {
		return 0
	}
	return float64(head - done)
}

func (m *Metrics) queue() float64 {
	if r := m.rcv.Load(); r != nil {
		return float64(len(r.in))
	}
	return 0
}

func (m *Metrics) databaseUp() float64 {
	if r := m.rcv.Load(); r != nil && r.Stats().Pending {
		return 0
	}
	return 1
}
