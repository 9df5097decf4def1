package ui

import (
	"container/list"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Thumbnails: the longest side in pixels, how many are kept, decodes at once and requests waiting.
const (
	thumbSide     = 160
	thumbsKept    = 300
	thumbDecoders = 2
	thumbQueue    = 64
)

// maxPhotoBytes bounds a photo file read for the gallery; device photos are tens of KB.
const maxPhotoBytes = 8 << 20

// thumbCache makes thumbnails off the UI goroutine and keeps the most recently used ones. Its fields are
// touched on the UI goroutine only; decoders hand results back through Services.onUI.
type thumbCache struct {
	svc  *Services
	dir  string // the data dir photo paths are relative to
	keep int

	lru     *list.List               // of *thumb, most recent first
	byPath  map[string]*list.Element // path → element of lru
	waiting map[string][]func()      // decodes running or queued, with who waits for them
	queue   []string                 // paths waiting for a decoder, most recent last
	running int
	decoded int // thumbnails made since the cache was created
}

type thumb struct {
	path string
	img  image.Image // nil when the photo could not be read
	err  error
}

func newThumbCache(svc *Services, dir string, keep int) *thumbCache {
	return &thumbCache{svc: svc, dir: dir, keep: keep, lru: list.New(), byPath: map[string]*list.Element{},
		waiting: map[string][]func(){}}
}

// get returns the thumbnail of path when it is made; its err says why a photo has none.
func (c *thumbCache) get(path string) (*thumb, bool) {
	e, ok := c.byPath[path]
	if !ok {
		return nil, false
	}
	c.lru.MoveToFront(e)
	return e.Value.(*thumb), true
}

// request makes the thumbnail of path and then calls done; requests for the same path share one decode.
func (c *thumbCache) request(path string, done func()) {
	if _, ok := c.byPath[path]; ok {
		done()
		return
	}
	if waiters, ok := c.waiting[path]; ok {
		c.waiting[path] = append(waiters, done)
		if i := slices.Index(c.queue, path); i >= 0 { // asked again: it is on screen, decode it sooner
			c.queue = append(slices.Delete(c.queue, i, i+1), path)
		}
		return
	}
	c.waiting[path] = []func(){done}
	c.queue = append(c.queue, path)
	if over := len(c.queue) - thumbQueue; over > 0 { // scrolled past: forget the oldest
		for _, p := range c.queue[:over] {
			delete(c.waiting, p)
		}
		c.queue = c.queue[over:]
	}
	c.next()
}

func (c *thumbCache) next() {
	for c.running < thumbDecoders && len(c.queue) > 0 {
		path := c.queue[len(c.queue)-1]
		c.queue = c.queue[:len(c.queue)-1]
		c.running++
		full := filepath.Join(c.dir, filepath.FromSlash(path))
		background(c.svc, func() *thumb {
			img, err := makeThumb(full, thumbSide)
			return &thumb{path: path, img: img, err: err}
		}, func(t *thumb) {
			c.running--
			c.decoded++
			c.add(t)
			waiters := c.waiting[t.path]
			delete(c.waiting, t.path)
			for _, fn := range waiters {
				fn()
			}
			c.next()
		})
	}
}

func (c *thumbCache) add(t *thumb) {
	c.byPath[t.path] = c.lru.PushFront(t)
	for c.lru.Len() > c.keep {
		old := c.lru.Back()
		c.lru.Remove(old)
		delete(c.byPath, old.Value.(*thumb).path)
	}
}

// readPhoto reads a JPEG file of the data dir, bounded in size.
func readPhoto(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, errors.New("the photo file is missing")
		}
		return nil, fmt.Errorf("the photo could not be read: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > maxPhotoBytes {
		return nil, fmt.Errorf("the photo file is larger than %s", byteSize(maxPhotoBytes))
	}
	img, err := jpeg.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("the photo is not a readable JPEG: %s", strings.TrimPrefix(err.Error(), "invalid JPEG format: "))
	}
	return img, nil
}

// makeThumb decodes a photo and shrinks it so that its longer side is side pixels.
func makeThumb(path string, side int) (image.Image, error) {
	img, err := readPhoto(path)
	if err != nil {
		return nil, err
	}
	return shrink(img, side), nil
}

// shrink scales img down (never up) to fit side×side, averaging the source pixels under each new one.
func shrink(img image.Image, side int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= side && h <= side || w == 0 || h == 0 {
		return img
	}
	tw, th := side, h*side/w
	if h > w {
		tw, th = w*side/h, side
	}
	tw, th = max(tw, 1), max(th, 1)
	out := image.NewRGBA(image.Rect(0, 0, tw, th))
	for y := range th {
		y0, y1 := b.Min.Y+y*h/th, b.Min.Y+(y+1)*h/th
		for x := range tw {
			x0, x1 := b.Min.X+x*w/tw, b.Min.X+(x+1)*w/tw
			var r, g, bl, a, n uint64
			for sy := y0; sy < max(y1, y0+1); sy++ {
				for sx := x0; sx < max(x1, x0+1); sx++ {
					cr, cg, cb, ca := img.At(sx, sy).RGBA()
					r, g, bl, a, n = r+uint64(cr), g+uint64(cg), bl+uint64(cb), a+uint64(ca), n+1
				}
			}
			out.SetRGBA(x, y, color.RGBA{uint8(r / n >> 8), uint8(g / n >> 8), uint8(bl / n >> 8), uint8(a / n >> 8)})
		}
	}
	return out
}
