package ui

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/data"
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

// TestPageCacheTellsNeighbours checks what fetchAt is told: the row before the page or after it when this
// generation holds it, and the count once this generation has it.
func TestPageCacheTellsNeighbours(t *testing.T) {
	svc, q := testServices(t)
	src := &numbers{n: 250}
	var mu sync.Mutex
	var asked []pageAt[int]
	c := newPageCache[int](svc, 10, 6)
	c.fetchAt = func(ctx context.Context, at pageAt[int]) ([]int, error) {
		mu.Lock()
		asked = append(asked, at)
		mu.Unlock()
		return src.fetch(ctx, at.offset, at.limit)
	}
	c.count = src.count
	last := func() pageAt[int] {
		mu.Lock()
		defer mu.Unlock()
		return asked[len(asked)-1]
	}
	show := func(row int) pageAt[int] {
		t.Helper()
		waitFor(t, q, fmt.Sprintf("row %d", row), func() bool { v, ok := c.row(row); return ok && v == row })
		return last()
	}
	neighbours := func(at pageAt[int]) string {
		s := fmt.Sprintf("offset %d total %d", at.offset, at.total)
		if at.prev != nil {
			s += fmt.Sprintf(" prev %d", *at.prev)
		}
		if at.next != nil {
			s += fmt.Sprintf(" next %d", *at.next)
		}
		return s
	}
	c.reset(true)
	waitFor(t, q, "the count", func() bool { return c.ready && c.total == 250 })
	steps := []struct {
		row  int
		want string
	}{
		{10, "offset 10 total 250 prev 9"},     // scrolling down
		{245, "offset 240 total 250"},          // a jump to the end: nothing held next to it
		{235, "offset 230 total 250 next 240"}, // scrolling up from there
	}
	for _, st := range steps {
		if got := neighbours(show(st.row)); got != st.want {
			t.Errorf("row %d read with %s, want %s", st.row, got, st.want)
		}
	}
	c.reset(false) // rows were added: until read again, held pages are of the last generation
	if got := neighbours(c.around(2)); got != "offset 20 total -1" {
		t.Errorf("after a reset, row 20 would be read with %s, want no neighbours and no count", got)
	}
}

func TestPunchPageFilter(t *testing.T) {
	at := time.Date(2024, 9, 17, 8, 0, 0, 0, time.UTC)
	prev := data.PunchRow{Punch: data.Punch{ID: 7, UTC: at}}
	next := data.PunchRow{Punch: data.Punch{ID: 9, UTC: at.Add(time.Hour)}}
	base := data.PunchFilter{Type: "CheckIn"}
	tests := []struct {
		name string
		at   pageAt[data.PunchRow]
		want data.PunchFilter
	}{
		{"from the page above", pageAt[data.PunchRow]{offset: 100, limit: 100, total: 500, prev: &prev, next: &next},
			data.PunchFilter{Type: "CheckIn", Limit: 100, After: data.PunchKey{UTC: at, ID: 7}}},
		{"from the page below", pageAt[data.PunchRow]{offset: 100, limit: 100, total: 500, next: &next},
			data.PunchFilter{Type: "CheckIn", Limit: 100, Before: data.PunchKey{UTC: at.Add(time.Hour), ID: 9}}},
		{"by offset with the count", pageAt[data.PunchRow]{offset: 400, limit: 100, total: 500},
			data.PunchFilter{Type: "CheckIn", Limit: 100, Offset: 400, Total: 500}},
		{"by offset before the count", pageAt[data.PunchRow]{offset: 400, limit: 100, total: -1},
			data.PunchFilter{Type: "CheckIn", Limit: 100, Offset: 400}},
	}
	for _, tt := range tests {
		if got := punchPageFilter(base, tt.at); got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
}
