package simulator

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/jpeg"
	"sync"
)

var (
	photoOnce sync.Once
	photoB64  string
)

// photo is a small real JPEG portrait, base64 (it starts /9j/), made once and reused for attendance photos
// and face templates.
func photo() string {
	photoOnce.Do(func() {
		const w, h = 96, 120
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				c := color.RGBA{uint8(90 + y/2), uint8(110 + y/3), 150, 255}
				dx, dy := float64(x-w/2)/26, float64(y-48)/34
				switch {
				case dx*dx+dy*dy <= 1:
					c = color.RGBA{224, 180, 150, 255} // face
				case y > 88 && (x-w/2)*(x-w/2) < (y-70)*(y-70):
					c = color.RGBA{40, 60, 110, 255} // shoulders
				}
				img.Set(x, y, c)
			}
		}
		var buf bytes.Buffer
		// Encoding an in-memory RGBA image to a buffer cannot fail.
		_ = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 60})
		photoB64 = base64.StdEncoding.EncodeToString(buf.Bytes())
	})
	return photoB64
}
