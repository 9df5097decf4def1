package receiver

import (
	"testing"
	"time"
)

// TestGroupWait: a commit waits for callbacks already on their way to the applier, and only for them.
func TestGroupWait(t *testing.T) {
	tests := []struct {
		name    string
		onWay   int // callbacks received besides the first, not yet with the applier
		wait    time.Duration
		later   int // callbacks reaching the applier 10 ms after the first
		want    int // callbacks in the commit
		minTime time.Duration
	}{
		{"nothing on the way: a lone callback goes at once", 0, time.Hour, 31, 1, 0},
		{"waits until 32 are there", 31, time.Hour, 31, 32, 10 * time.Millisecond},
		{"no longer than the wait", 5, 30 * time.Millisecond, 0, 1, 30 * time.Millisecond},
		{"waiting off", 31, -1, 31, 1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := make(chan *batch, 4)
			r := &Receiver{applyq: q, opts: Options{MaxBatch: DefaultMaxBatch, GroupWait: tc.wait}}
			r.toApply.Store(int64(1 + tc.onWay))
			a := &applier{r: r}
			if tc.later > 0 {
				timer := time.AfterFunc(10*time.Millisecond, func() { q <- &batch{items: make([]*item, tc.later)} })
				defer timer.Stop()
			}
			type result struct {
				bs      []*batch
				open    bool
				elapsed time.Duration
			}
			done := make(chan result)
			start := time.Now()
			go func() {
				bs, open := a.more(&batch{items: make([]*item, 1)})
				done <- result{bs, open, time.Since(start)}
			}()
			select {
			case res := <-done:
				n := 0
				for _, b := range res.bs {
					n += len(b.items)
				}
				if n != tc.want || !res.open {
					t.Errorf("more took %d callbacks (open %v), want %d", n, res.open, tc.want)
				}
				if res.elapsed < tc.minTime {
					t.Errorf("more returned after %v, want at least %v", res.elapsed, tc.minTime)
				}
				if got := r.toApply.Load(); got != int64(1+tc.onWay-n) {
					t.Errorf("on the way after the commit: %d, want %d", got, 1+tc.onWay-n)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("more kept waiting")
			}
		})
	}
}
