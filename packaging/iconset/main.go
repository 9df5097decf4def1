// Command iconset renders the app icon at the sizes the packages need: PNGs in a hicolor tree
// (ROOT/NxN/apps/NAME.png) and a Windows .ico for the installer.
//
//	go run ./packaging/iconset -in assets/icon.png -hicolor DIR -ico camsdesk.ico
package main

import (
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Sizes of the hicolor PNGs (freedesktop's usual set) and of the .ico entries.
const (
	defaultSizes = "16,22,24,32,48,64,128,256,512"
	icoSizes     = "16,24,32,48,64,256"
)

func main() {
	var o options
	flag.StringVar(&o.in, "in", "", "source PNG, square (required)")
	flag.StringVar(&o.hicolor, "hicolor", "", "write ROOT/NxN/apps/NAME.png for each of -sizes")
	flag.StringVar(&o.name, "name", "com.camsdesk.app", "icon name in the hicolor tree")
	flag.StringVar(&o.sizes, "sizes", defaultSizes, "comma-separated pixel sizes for -hicolor")
	flag.StringVar(&o.ico, "ico", "", "write a Windows icon ("+icoSizes+" px) to this file")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "iconset:", err)
		os.Exit(1)
	}
}

type options struct {
	in, hicolor, name, sizes, ico string
}

func run(o options) error {
	if o.in == "" {
		return errors.New("-in is required")
	}
	if o.hicolor == "" && o.ico == "" {
		return errors.New("nothing to do: give -hicolor and/or -ico")
	}
	src, err := readPNG(o.in)
	if err != nil {
		return err
	}
	if o.hicolor != "" {
		sizes, err := parseSizes(o.sizes)
		if err != nil {
			return err
		}
		for _, n := range sizes {
			dir := filepath.Join(o.hicolor, fmt.Sprintf("%dx%d", n, n), "apps")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return fmt.Errorf("hicolor: %w", err)
			}
			if err := writePNG(filepath.Join(dir, o.name+".png"), scale(src, n)); err != nil {
				return err
			}
		}
	}
	if o.ico != "" {
		sizes, err := parseSizes(icoSizes)
		if err != nil {
			return err
		}
		imgs := make([]image.Image, len(sizes))
		for i, n := range sizes {
			imgs[i] = scale(src, n)
		}
		f, err := os.Create(o.ico)
		if err != nil {
			return fmt.Errorf("ico: %w", err)
		}
		if err := writeICO(f, imgs); err != nil {
			f.Close()
			return fmt.Errorf("ico %s: %w", o.ico, err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("ico: %w", err)
		}
	}
	return nil
}

func readPNG(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("icon: %w", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("icon %s: %w", path, err)
	}
	b := img.Bounds()
	if b.Dx() != b.Dy() || b.Dx() == 0 {
		return nil, fmt.Errorf("icon %s is %dx%d: it must be square", path, b.Dx(), b.Dy())
	}
	return img, nil
}

func writePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("png: %w", err)
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("png %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("png: %w", err)
	}
	return nil
}

// parseSizes reads "16,32,48" into pixel sizes between 1 and 1024.
func parseSizes(s string) ([]int, error) {
	var sizes []int
	for _, field := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || n < 1 || n > 1024 {
			return nil, fmt.Errorf("size %q: want a whole number of pixels from 1 to 1024", field)
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}
