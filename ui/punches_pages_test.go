package ui

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

// numbers is a paged source of the integers 0..n-1 that counts its reads.
type numbers struct {
	n     int
	reads atomic.Int32
	fail  atomic.Bool
}

func (s *numbers) fetch(_ context.Context, offset, limit int) ([]int, error) {
	s.reads.Add(1)
	if s.fail.Load() {
		return nil, errors.New("disk on fire")
	}
	var out []int
	for i := offset; i < min(offset+limit, s.n); i++ {
		out = append(out, i)
	}
	return out, nil
}

func (s *numbers) count(context.Context) (int64, error) { return int64(s.n), nil }

func TestPageCache(t *testing.T) {
	tests := []struct {
		name    string
		n       int
		counted bool
		rows    []int // rows the widget draws, in order
		length  int   // then
		reads   int32
	}{
		{"counted, first page", 250, true, []int{0, 5, 9}, 250, 1},
		{"counted, jump to the end", 250, true, []int{0, 249}, 250, 2},
		{"uncounted grows page by page", 25, false, []int{0, 9, 10, 19, 20}, 25, 3},
		{"uncounted, a full last page shows one row more", 20, false, []int{0, 10}, 21, 2},
		{"empty", 0, true, []int{0}, 0, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svc, q := testServices(t)
			src := &numbers{n: tc.n}
			c := newPageCache[int](svc, 10, 3)
			c.fetch = src.fetch
			if tc.counted {
				c.count = src.count
			}
			changes := 0
			c.changed = func() { changes++ }
			c.reset(true)
			for _, i := range tc.rows {
				waitFor(t, q, "row", func() bool { _, ok := c.row(i); return ok || i >= tc.n })
				if v, ok := c.row(i); ok && v != i {
					t.Fatalf("row %d = %d", i, v)
				}
			}
			waitFor(t, q, "the count", func() bool { return c.ready && (!tc.counted || c.total >= 0) })
			if got := c.length(); got != tc.length {
				t.Errorf("length %d, want %d", got, tc.length)
			}
			if got := src.reads.Load(); got != tc.reads {
				t.Errorf("%d reads, want %d", got, tc.reads)
			}
			if changes == 0 {
				t.Error("the widget was never told")
			}
		})
	}
}

func TestPageCacheKeepsAFewPages(t *testing.T) {
	svc, q := testServices(t)
	src := &numbers{n: 1000}
	c := newPageCache[int](svc, 10, 3)
	c.fetch, c.count = src.fetch, src.count
	c.reset(true)
	for _, i := range []int{0, 100, 200, 300, 400} {
		waitFor(t, q, "row", func() bool { _, ok := c.row(i); return ok })
	}
	if len(c.pages) != 3 {
		t.Errorf("%d pages held, want 3", len(c.pages))
	}
	if _, ok := c.pages[0]; ok {
		t.Error("the least recently used page is still held")
	}
}

func TestPageCacheDropsAnswersOfAnOlderGeneration(t *testing.T) {
	svc, q := testServices(t)
	src := &numbers{n: 100}
	c := newPageCache[int](svc, 10, 3)
	c.fetch, c.count = src.fetch, src.count
	c.reset(true)
	old := &numbers{n: 5} // a new filter: fewer rows
	c.fetch, c.count = old.fetch, old.count
	c.reset(true)
	waitFor(t, q, "the new generation", func() bool { return c.ready && c.total >= 0 })
	q.drain()
	if c.total != 5 || c.length() != 5 {
		t.Errorf("total %d, length %d: an older answer won", c.total, c.length())
	}
	if _, ok := c.row(7); ok {
		t.Error("a row of the older generation is held")
	}
}

func TestPageCacheDoesNotRetryAFailedPageUntilReset(t *testing.T) {
	svc, q := testServices(t)
	src := &numbers{n: 100}
	src.fail.Store(true)
	c := newPageCache[int](svc, 10, 3)
	c.fetch, c.count = src.fetch, src.count
	var failures int
	c.failed = func(error) { failures++ }
	c.reset(true)
	waitFor(t, q, "the failure", func() bool { return failures > 0 })
	for range 5 {
		c.row(3)
		q.drain()
	}
	if got := src.reads.Load(); got != 1 {
		t.Errorf("%d reads of a failing page", got)
	}
	src.fail.Store(false)
	c.reset(false)
	waitFor(t, q, "the page after a reset", func() bool { _, ok := c.row(3); return ok })
}
