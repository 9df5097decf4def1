package main

import (
	"image"
	"image/color"
	"math"
)

// scale resamples a square image to n×n pixels by area averaging: each target pixel is the
// coverage-weighted mean of the source pixels under it, in premultiplied alpha so transparent
// pixels do not darken the edges.
func scale(src image.Image, n int) *image.NRGBA {
	b := src.Bounds()
	sw, sh := b.Dx(), b.Dy()
	// Premultiplied 16-bit channels of the source, row-major.
	px := make([][4]float64, sw*sh)
	for y := 0; y < sh; y++ {
		for x := 0; x < sw; x++ {
			r, g, bl, a := src.At(b.Min.X+x, b.Min.Y+y).RGBA()
			px[y*sw+x] = [4]float64{float64(r), float64(g), float64(bl), float64(a)}
		}
	}
	dst := image.NewNRGBA(image.Rect(0, 0, n, n))
	fx, fy := float64(sw)/float64(n), float64(sh)/float64(n)
	for dy := 0; dy < n; dy++ {
		y0, y1 := float64(dy)*fy, float64(dy+1)*fy
		for dx := 0; dx < n; dx++ {
			x0, x1 := float64(dx)*fx, float64(dx+1)*fx
			var sum [4]float64
			var area float64
			for sy := int(y0); sy < sh && float64(sy) < y1; sy++ {
				wy := math.Min(y1, float64(sy+1)) - math.Max(y0, float64(sy))
				for sx := int(x0); sx < sw && float64(sx) < x1; sx++ {
					w := wy * (math.Min(x1, float64(sx+1)) - math.Max(x0, float64(sx)))
					p := px[sy*sw+sx]
					for c := range sum {
						sum[c] += w * p[c]
					}
					area += w
				}
			}
			dst.SetNRGBA(dx, dy, unpremultiply(sum, area))
		}
	}
	return dst
}

// unpremultiply turns summed premultiplied 16-bit channels over area into an 8-bit NRGBA colour.
func unpremultiply(sum [4]float64, area float64) color.NRGBA {
	if area == 0 || sum[3] == 0 {
		return color.NRGBA{}
	}
	a := sum[3] / area
	ch := func(v float64) uint8 { return uint8(math.Round(math.Min(255, v/sum[3]*255))) }
	return color.NRGBA{R: ch(sum[0]), G: ch(sum[1]), B: ch(sum[2]), A: uint8(math.Round(a / 0xffff * 255))}
}
