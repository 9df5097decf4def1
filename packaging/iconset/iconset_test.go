package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// quadrants is an n×n image: red, green / blue, transparent.
func quadrants(n int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			var c color.NRGBA
			switch {
			case x < n/2 && y < n/2:
				c = color.NRGBA{R: 255, A: 255}
			case y < n/2:
				c = color.NRGBA{G: 255, A: 255}
			case x < n/2:
				c = color.NRGBA{B: 255, A: 255}
			default:
				c = color.NRGBA{R: 255, G: 255, B: 255} // transparent white
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

func TestScale(t *testing.T) {
	half := image.NewNRGBA(image.Rect(0, 0, 2, 2))
	half.SetNRGBA(0, 0, color.NRGBA{R: 255, A: 255})
	half.SetNRGBA(1, 0, color.NRGBA{G: 255}) // transparent green must not tint
	half.SetNRGBA(0, 1, color.NRGBA{R: 255, A: 255})
	half.SetNRGBA(1, 1, color.NRGBA{G: 255})

	tests := []struct {
		name string
		src  image.Image
		n    int
		want map[image.Point]color.NRGBA
	}{
		{"down to quadrants", quadrants(64), 2, map[image.Point]color.NRGBA{
			{0, 0}: {R: 255, A: 255}, {1, 0}: {G: 255, A: 255}, {0, 1}: {B: 255, A: 255}, {1, 1}: {},
		}},
		{"same size", quadrants(4), 4, map[image.Point]color.NRGBA{
			{0, 0}: {R: 255, A: 255}, {3, 0}: {G: 255, A: 255}, {0, 3}: {B: 255, A: 255}, {3, 3}: {},
		}},
		{"up", quadrants(2), 4, map[image.Point]color.NRGBA{
			{1, 1}: {R: 255, A: 255}, {2, 1}: {G: 255, A: 255}, {1, 2}: {B: 255, A: 255}, {2, 2}: {},
		}},
		{"premultiplied edge", half, 1, map[image.Point]color.NRGBA{
			{0, 0}: {R: 255, A: 128},
		}},
		{"odd size mixes", quadrants(2), 3, map[image.Point]color.NRGBA{
			{0, 0}: {R: 255, A: 255}, {1, 0}: {R: 128, G: 128, A: 255},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := scale(tt.src, tt.n)
			if b := got.Bounds(); b.Dx() != tt.n || b.Dy() != tt.n {
				t.Fatalf("size %v, want %dx%d", b, tt.n, tt.n)
			}
			for p, want := range tt.want {
				if c := got.NRGBAAt(p.X, p.Y); !near(c, want) {
					t.Errorf("pixel %v = %v, want %v", p, c, want)
				}
			}
		})
	}
}

// near allows one step of rounding per channel.
func near(a, b color.NRGBA) bool {
	d := func(x, y uint8) bool { return int(x)-int(y) <= 1 && int(y)-int(x) <= 1 }
	return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B) && d(a.A, b.A)
}

func TestWriteICO(t *testing.T) {
	src := quadrants(64)
	sizes := []int{16, 32, 256}
	imgs := make([]image.Image, len(sizes))
	for i, n := range sizes {
		imgs[i] = scale(src, n)
	}
	var buf bytes.Buffer
	if err := writeICO(&buf, imgs); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	le := binary.LittleEndian
	if le.Uint16(data[2:]) != 1 || int(le.Uint16(data[4:])) != len(sizes) {
		t.Fatalf("header %x: want type 1, %d entries", data[:6], len(sizes))
	}
	for i, n := range sizes {
		e := data[6+16*i:]
		if w := int(e[0]); w != n%256 {
			t.Errorf("entry %d width byte %d, want %d", i, w, n%256)
		}
		size, off := le.Uint32(e[8:]), le.Uint32(e[12:])
		if int(off+size) > len(data) {
			t.Fatalf("entry %d runs past the file (%d+%d > %d)", i, off, size, len(data))
		}
		payload := data[off : off+size]
		if n == 256 {
			img, err := png.Decode(bytes.NewReader(payload))
			if err != nil || img.Bounds().Dx() != 256 {
				t.Errorf("entry %d: want a 256 px PNG, got %v", i, err)
			}
			continue
		}
		if hs, w, h := le.Uint32(payload), int(le.Uint32(payload[4:])), int(le.Uint32(payload[8:])); hs != 40 || w != n || h != 2*n {
			t.Errorf("entry %d DIB header size %d %dx%d, want 40 %dx%d", i, hs, w, h, n, 2*n)
		}
		maskStride := (n + 31) / 32 * 4
		if want := 40 + n*n*4 + maskStride*n; len(payload) != want {
			t.Errorf("entry %d is %d bytes, want %d", i, len(payload), want)
		}
		// Bottom-up: the first pixel row is the image's last (blue, transparent); pixel 0 is blue.
		if px := payload[40:44]; px[0] != 255 || px[2] != 0 || px[3] != 255 {
			t.Errorf("entry %d bottom-left BGRA %v, want opaque blue", i, px)
		}
		// Its mask bit for the bottom-right (transparent) pixel is set.
		mask := payload[40+n*n*4:]
		if x := n - 1; mask[x/8]&(0x80>>(x%8)) == 0 {
			t.Errorf("entry %d: transparent pixel not masked", i)
		}
	}
}

func TestWriteICORejects(t *testing.T) {
	tests := []struct {
		name string
		imgs []image.Image
	}{
		{"none", nil},
		{"not square", []image.Image{image.NewNRGBA(image.Rect(0, 0, 16, 8))}},
		{"too big", []image.Image{image.NewNRGBA(image.Rect(0, 0, 512, 512))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := writeICO(&bytes.Buffer{}, tt.imgs); err == nil {
				t.Fatal("want an error")
			}
		})
	}
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	icon := filepath.Join(dir, "icon.png")
	if err := writePNG(icon, quadrants(128)); err != nil {
		t.Fatal(err)
	}
	wide := filepath.Join(dir, "wide.png")
	if err := writePNG(wide, image.NewNRGBA(image.Rect(0, 0, 20, 10))); err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(dir, "hicolor")
	ico := filepath.Join(dir, "app.ico")
	if err := run(options{in: icon, hicolor: out, name: "com.example.app", sizes: "16, 48,256", ico: ico}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{16, 48, 256} {
		p := filepath.Join(out, sizeDir(n), "apps", "com.example.app.png")
		img, err := readPNG(p)
		if err != nil {
			t.Fatal(err)
		}
		if img.Bounds().Dx() != n {
			t.Errorf("%s is %d px, want %d", p, img.Bounds().Dx(), n)
		}
	}
	if st, err := os.Stat(ico); err != nil || st.Size() == 0 {
		t.Errorf("ico not written: %v", err)
	}

	bad := []struct {
		name string
		o    options
		want string
	}{
		{"no input", options{hicolor: out}, "-in is required"},
		{"no output", options{in: icon}, "nothing to do"},
		{"missing file", options{in: filepath.Join(dir, "none.png"), ico: ico}, "no such file"},
		{"not square", options{in: wide, ico: ico}, "must be square"},
		{"bad size", options{in: icon, hicolor: out, sizes: "16,x"}, `size "x"`},
		{"zero size", options{in: icon, hicolor: out, sizes: "0"}, `size "0"`},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			err := run(tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func sizeDir(n int) string { return fmt.Sprintf("%dx%d", n, n) }
