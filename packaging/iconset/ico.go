package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/png"
	"io"
)

// writeICO writes a Windows icon with one entry per image: 256 px entries as PNG, smaller ones
// as 32-bit BMP with an AND mask, which every Windows version and NSIS read.
func writeICO(w io.Writer, imgs []image.Image) error {
	if len(imgs) == 0 || len(imgs) > 0xffff {
		return fmt.Errorf("ico: %d images: want 1 to 65535", len(imgs))
	}
	payloads := make([][]byte, len(imgs))
	for i, img := range imgs {
		b := img.Bounds()
		if b.Dx() != b.Dy() || b.Dx() < 1 || b.Dx() > 256 {
			return fmt.Errorf("ico: image %d is %dx%d: want square, 1 to 256 px", i, b.Dx(), b.Dy())
		}
		var buf bytes.Buffer
		if b.Dx() == 256 {
			if err := png.Encode(&buf, img); err != nil {
				return fmt.Errorf("ico: %w", err)
			}
		} else {
			writeDIB(&buf, img)
		}
		payloads[i] = buf.Bytes()
	}

	var out bytes.Buffer
	le := binary.LittleEndian
	out.Write(le.AppendUint16(nil, 0)) // reserved
	out.Write(le.AppendUint16(nil, 1)) // type: icon
	out.Write(le.AppendUint16(nil, uint16(len(imgs))))
	offset := 6 + 16*len(imgs)
	for i, img := range imgs {
		n := img.Bounds().Dx()
		dim := byte(n) // 256 is written as 0
		out.Write([]byte{dim, dim, 0, 0})
		out.Write(le.AppendUint16(nil, 1))  // colour planes
		out.Write(le.AppendUint16(nil, 32)) // bits per pixel
		out.Write(le.AppendUint32(nil, uint32(len(payloads[i]))))
		out.Write(le.AppendUint32(nil, uint32(offset)))
		offset += len(payloads[i])
	}
	for _, p := range payloads {
		out.Write(p)
	}
	if _, err := w.Write(out.Bytes()); err != nil {
		return fmt.Errorf("ico: %w", err)
	}
	return nil
}

// writeDIB writes a BITMAPINFOHEADER, bottom-up BGRA rows and the 1-bit AND mask (set where transparent).
func writeDIB(buf *bytes.Buffer, img image.Image) {
	b := img.Bounds()
	n := b.Dx()
	maskStride := (n + 31) / 32 * 4
	le := binary.LittleEndian
	buf.Write(le.AppendUint32(nil, 40))          // header size
	buf.Write(le.AppendUint32(nil, uint32(n)))   // width
	buf.Write(le.AppendUint32(nil, uint32(2*n))) // height: colour + mask
	buf.Write(le.AppendUint16(nil, 1))           // planes
	buf.Write(le.AppendUint16(nil, 32))          // bits per pixel
	buf.Write(le.AppendUint32(nil, 0))           // BI_RGB
	buf.Write(le.AppendUint32(nil, uint32(n*n*4+maskStride*n)))
	buf.Write(make([]byte, 16)) // resolution and palette counts
	mask := make([]byte, maskStride*n)
	for row := 0; row < n; row++ {
		y := b.Max.Y - 1 - row
		for x := 0; x < n; x++ {
			r, g, bl, a := img.At(b.Min.X+x, y).RGBA()
			var px [4]byte
			if a > 0 { // un-premultiply into 8-bit BGRA
				px = [4]byte{byte(bl * 0xff / a), byte(g * 0xff / a), byte(r * 0xff / a), byte(a >> 8)}
			} else {
				mask[row*maskStride+x/8] |= 0x80 >> (x % 8)
			}
			buf.Write(px[:])
		}
	}
	buf.Write(mask)
}
