package simulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/device"
)

func BenchmarkGeneratePunches500k(b *testing.B) {
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, testZone)
	g := New(Config{Zone: testZone})
	if _, err := g.SeedUsers(DefaultUsers); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		g.mu.Lock()
		g.logs.clear()
		g.mu.Unlock()
		if err := g.GeneratePunches(MaxLogs, from, from.AddDate(1, 0, 0)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(g.logs.rows))*16/1e6, "MB-rows")
}

// BenchmarkLoadLogPage serves one 50-row page of a 31-day range out of 500,000 stored punches.
func BenchmarkLoadLogPage(b *testing.B) {
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, testZone)
	g := New(Config{Zone: testZone, ProcessingTime: -1})
	if err := g.GeneratePunches(MaxLogs, from, from.AddDate(1, 0, 0)); err != nil {
		b.Fatal(err)
	}
	h := g.Handler()
	cfg := g.Config()
	bodies := make([][]byte, 100)
	for i := range bodies {
		body, _ := json.Marshal(map[string]any{
			"Load": map[string]any{"PunchLog": map[string]any{"Filter": map[string]any{
				"StartTime": "2024-03-01 00:00:00", "EndTime": "2024-03-31 23:59:59", "OffSet": strconv.Itoa(i * 50),
			}}},
			"OperationID": "bench" + strconv.Itoa(i), "AuthToken": cfg.AuthToken, "Time": device.FormatTime(from, testZone),
		})
		bodies[i] = body
	}
	target := EndpointPath + "?stgid=" + cfg.STGID
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, target, bytes.NewReader(bodies[i%len(bodies)])))
		if !bytes.Contains(rec.Body.Bytes(), []byte(`"ReturnRowCount":"50"`)) {
			b.Fatalf("answer %s", rec.Body.Bytes()[:200])
		}
		i++
	}
}
