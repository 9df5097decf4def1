package ui

import (
	"context"
	"slices"
)

// pageCache holds a few pages of a long query's rows for a virtualised table, grid or list. Widgets ask for
// rows with row and length while they draw; a missing page is fetched on its own goroutine and, when it
// arrives, changed is called once so the widget refreshes once per page. Nothing queries while drawing.
//
// All fields are touched on the UI goroutine only; fetches hand their results back through Services.onUI.
type pageCache[T any] struct {
	svc  *Services
	size int // rows per page
	keep int // pages kept; the least recently used goes first
	// fetch reads rows [offset, offset+limit). count, when not nil, counts them all; without it the length
	// grows page by page, with one row more while the last page read was full. Set them before a reset.
	fetch func(ctx context.Context, offset, limit int) ([]T, error)
	// fetchAt, when set, is used instead of fetch: it is also told the rows next to the page and the count
	// that this generation holds, so that a read can start from a neighbour instead of skipping rows.
	fetchAt func(ctx context.Context, at pageAt[T]) ([]T, error)
	count   func(ctx context.Context) (int64, error)
	changed func()
	failed  func(error)

	gen     int             // bumped by reset: answers of an older generation are dropped
	ctx     context.Context // of this generation, cancelled by the next reset
	cancel  context.CancelFunc
	total   int // -1 until counted
	counted int // the generation total was counted in
	pages   map[int]cachedPage[T]
	used    []int // page numbers, most recently used last
	loading map[int]bool
	broken  map[int]bool // pages whose read failed: asked again only after the next reset
	wanted  []int        // pages asked for while too many were loading, most recent last
	fetched int          // pages fetched since the cache was made
	ready   bool         // the first page of this generation has arrived
}

type cachedPage[T any] struct {
	gen  int
	rows []T
}

// pageAt is a page to read and what the cache knows around it, all of the current generation.
type pageAt[T any] struct {
	offset, limit int
	total         int // the count, -1 when not known
	prev          *T  // the row just before the page, when held
	next          *T  // the row just after it, when held
}

// around tells what the current generation holds next to page p.
func (c *pageCache[T]) around(p int) pageAt[T] {
	at := pageAt[T]{offset: p * c.size, limit: c.size, total: -1}
	if c.counted == c.gen {
		at.total = c.total
	}
	if pg, ok := c.pages[p-1]; ok && pg.gen == c.gen && len(pg.rows) == c.size {
		row := pg.rows[len(pg.rows)-1] // a copy: the read runs on another goroutine
		at.prev = &row
	}
	if pg, ok := c.pages[p+1]; ok && pg.gen == c.gen && len(pg.rows) > 0 {
		row := pg.rows[0]
		at.next = &row
	}
	return at
}

// maxPageLoads bounds the page fetches in flight; more requests wait in wanted, newest first.
const maxPageLoads = 2

// newPageCache makes an empty cache; set fetch (and count) and call reset to read.
func newPageCache[T any](svc *Services, size, keep int) *pageCache[T] {
	ctx, cancel := context.WithCancel(context.Background())
	return &pageCache[T]{svc: svc, size: size, keep: keep, ctx: ctx, cancel: cancel, total: -1,
		pages: map[int]cachedPage[T]{}, loading: map[int]bool{}, broken: map[int]bool{}, changed: func() {}, failed: func(error) {}}
}

// reset starts a new generation: after a filter change (clear: the old rows are wrong) or when rows were
// added (keep showing the old rows until their pages are read again). It counts and reads the first page.
func (c *pageCache[T]) reset(clear bool) {
	c.cancel()
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.gen++
	c.loading = map[int]bool{}
	c.broken = map[int]bool{}
	c.wanted = nil
	c.ready = false
	if clear {
		c.pages = map[int]cachedPage[T]{}
		c.used = nil
		if c.count != nil {
			c.total = -1
		}
	}
	if c.count != nil {
		c.recount()
	}
	c.request(0)
	for _, p := range c.used { // pages on screen are read again
		c.request(p)
	}
	c.changed()
}

type countResult struct {
	gen int
	n   int64
	err error
}

func (c *pageCache[T]) recount() {
	gen, ctx, count := c.gen, c.ctx, c.count
	background(c.svc, func() countResult {
		n, err := count(ctx)
		return countResult{gen, n, err}
	}, func(r countResult) {
		if r.gen != c.gen {
			return
		}
		if r.err != nil {
			c.failed(r.err)
			return
		}
		c.total, c.counted = int(r.n), r.gen
		c.changed()
	})
}

// length is the number of rows the widget shows.
func (c *pageCache[T]) length() int {
	if c.total >= 0 {
		return c.total
	}
	n, more := c.known()
	if more {
		n++
	}
	return n
}

// known is, before a count, the rows up to the end of the last page read, and whether that page was full
// (there may be more). The widget shows one row more while there may be more; drawing it reads the next page.
func (c *pageCache[T]) known() (int, bool) {
	last := -1
	for p := range c.pages {
		last = max(last, p)
	}
	if last < 0 {
		return 0, false
	}
	rows := len(c.pages[last].rows)
	return last*c.size + rows, rows == c.size
}

// row returns row i if its page is held, and asks for the page when it is missing or of an older
// generation. Call it from the widget's update functions.
func (c *pageCache[T]) row(i int) (T, bool) {
	var zero T
	if i < 0 {
		return zero, false
	}
	p := i / c.size
	pg, ok := c.pages[p]
	if !ok || pg.gen != c.gen {
		c.request(p)
	}
	if !ok {
		return zero, false
	}
	c.touch(p)
	k := i % c.size
	if k >= len(pg.rows) {
		return zero, false
	}
	return pg.rows[k], true
}

func (c *pageCache[T]) touch(p int) {
	if n := len(c.used); n > 0 && c.used[n-1] == p {
		return
	}
	if i := slices.Index(c.used, p); i >= 0 {
		c.used = slices.Delete(c.used, i, i+1)
	}
	c.used = append(c.used, p)
}

func (c *pageCache[T]) request(p int) {
	if c.loading[p] || c.broken[p] {
		return
	}
	if len(c.loading) >= maxPageLoads {
		if i := slices.Index(c.wanted, p); i >= 0 {
			c.wanted = slices.Delete(c.wanted, i, i+1)
		}
		c.wanted = append(c.wanted, p)
		if over := len(c.wanted) - c.keep; over > 0 { // scrolled past: forget the oldest wishes
			c.wanted = c.wanted[over:]
		}
		return
	}
	c.loading[p] = true
	gen, ctx, fetch, fetchAt, at := c.gen, c.ctx, c.fetch, c.fetchAt, c.around(p)
	type result struct {
		rows []T
		err  error
	}
	background(c.svc, func() result {
		var r result
		if fetchAt != nil {
			r.rows, r.err = fetchAt(ctx, at)
		} else {
			r.rows, r.err = fetch(ctx, at.offset, at.limit)
		}
		return r
	}, func(r result) {
		if gen != c.gen {
			return
		}
		delete(c.loading, p)
		c.fetched++
		if r.err != nil {
			c.broken[p] = true
			c.failed(r.err)
		} else {
			c.store(p, r.rows)
		}
		if n := len(c.wanted); n > 0 {
			next := c.wanted[n-1]
			c.wanted = c.wanted[:n-1]
			c.request(next)
		}
		c.changed()
	})
}

func (c *pageCache[T]) store(p int, rows []T) {
	c.pages[p] = cachedPage[T]{gen: c.gen, rows: rows}
	if p == 0 {
		c.ready = true
	}
	if c.count == nil && len(rows) < c.size { // the end: pages past it are gone
		for q := range c.pages {
			if q > p {
				delete(c.pages, q)
			}
		}
	}
	c.touch(p)
	for len(c.used) > c.keep {
		delete(c.pages, c.used[0])
		c.used = c.used[1:]
	}
}
