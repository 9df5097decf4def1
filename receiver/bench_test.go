package receiver

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/data/datatest"
)

// BenchmarkPunchCallbacks posts distinct PunchLog callbacks over loopback HTTP from parallel connections;
// each is answered after its commit.
func BenchmarkPunchCallbacks(b *testing.B) {
	dir := b.TempDir()
	g := openRig(b, datatest.NewSQLite(b), dir)
	var worker atomic.Int64
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	client := &http.Client{Transport: tr}
	base := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		w := worker.Add(1)
		i := 0
		for pb.Next() {
			at := base.Add(time.Duration(i) * time.Second).Format("2006-01-02 15:04:05")
			body := fmt.Sprintf(`{"RealTime":{"OperationID":"b%d","SerialNumber":"SN","PunchLog":{"Type":"CheckIn","Temperature":"36.6","FaceMask":false,"InputType":"Face","UserId":"w%d","LogTime":"%s GMT +0530"},"AuthToken":"%s","Time":""}}`, i, w, at, testToken)
			resp, err := client.Post(g.srv.URL+"/callback?stgid="+mainSTGID, "application/json", bytes.NewReader([]byte(body)))
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			i++
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "callbacks/s")
}

// BenchmarkPhotoCallbacks posts attendance photo callbacks carrying a 100 KB JPEG.
func BenchmarkPhotoCallbacks(b *testing.B) {
	g := openRig(b, datatest.NewSQLite(b), b.TempDir())
	img := noiseJPEGBase64(b, 100<<10)
	var worker atomic.Int64
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	base := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		w := worker.Add(1)
		for i := 0; pb.Next(); i++ {
			at := base.Add(time.Duration(i) * time.Second).Format("2006-01-02 15:04:05")
			body := fmt.Sprintf(`{"RealTime":{"OperationID":"p%d","Log":{"UserID":"w%d","LogPhoto":"%s","LogTime":"%s GMT +0530"},"AuthToken":"%s","Time":""}}`, i, w, img, at, testToken)
			resp, err := client.Post(g.srv.URL+"/callback?stgid="+mainSTGID, "application/json", strings.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "callbacks/s")
}

func noiseJPEGBase64(b *testing.B, size int) string {
	side := 64
	for {
		im := image.NewRGBA(image.Rect(0, 0, side, side))
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range im.Pix {
			im.Pix[i] = uint8(rng.IntN(256))
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, im, &jpeg.Options{Quality: 75}); err != nil {
			b.Fatal(err)
		}
		if buf.Len() >= size {
			return base64.StdEncoding.EncodeToString(buf.Bytes())
		}
		side = side * 11 / 10
	}
}
