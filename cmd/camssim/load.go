package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/camsdesk/camsdesk/data"
)

func init() { rootCmd.AddCommand(newLoadCmd()) }

// Load kinds.
const (
	loadPunch = "punch"
	loadPhoto = "photo"
	loadUser  = "user"
)

// loadConfig is what one load run does.
type loadConfig struct {
	URL         string
	Token       string
	Kind        string
	Concurrency int
	Duration    time.Duration
	PhotoBytes  int
	DataDir     string // when set, stored rows are counted before and after
}

// loadResult is what a load run measured.
type loadResult struct {
	Kind        string        `json:"kind"`
	Concurrency int           `json:"concurrency"`
	Elapsed     time.Duration `json:"elapsed_ns"`
	Sent        int           `json:"sent"`
	Done        int           `json:"done"`     // answered 200 {"status":"done"}
	NotDone     int           `json:"not_done"` // answered, but something else
	Errors      int           `json:"errors"`   // no answer
	PerSecond   float64       `json:"per_second"`
	P50         time.Duration `json:"p50_ns"`
	P99         time.Duration `json:"p99_ns"`
	Max         time.Duration `json:"max_ns"`
	Stored      int64         `json:"stored"` // -1 when not counted
	FirstError  string        `json:"first_error,omitempty"`
}

func newLoadCmd() *cobra.Command {
	cfg := loadConfig{}
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "load --url URL --token T --kind punch|photo|user [--concurrency N] [--duration D]",
		Short: "Post realistic callbacks to a receiver as fast as it answers, and measure it",
		Long: `load posts callbacks to a callback URL from N connections for a fixed time, each connection sending the
next callback as soon as the previous one is answered. It prints the throughput, the p50 and p99 latency,
and how many answers were not exactly HTTP 200 {"status":"done"}.

Every callback is distinct (its own user and time), so each acknowledged one must be stored: with
--data-dir (the receiver's data folder) load counts the stored rows before and after and prints both.
Kinds: punch (PunchLog), photo (attendance photo, a JPEG of --photo-size bytes), user (UserUpdated with a
fingerprint and a card). Send load only to a receiver on this machine.`,
		Example: `  camsd serve --listen 127.0.0.1:5000 --data-dir /tmp/bench &
  camssim load --url 'http://127.0.0.1:5000/callback?stgid=SIM-0001' --token $TOKEN --kind punch --concurrency 32 --duration 10s --data-dir /tmp/bench`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := runLoad(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			}
			printLoad(out, res)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.URL, "url", "", "callback URL, e.g. http://127.0.0.1:5000/callback?stgid=... (required)")
	f.StringVar(&cfg.Token, "token", "", "the device's callback AuthToken (required)")
	f.StringVar(&cfg.Kind, "kind", loadPunch, "punch, photo or user")
	f.IntVar(&cfg.Concurrency, "concurrency", 32, "connections sending at once")
	f.DurationVar(&cfg.Duration, "duration", 10*time.Second, "how long to send (at most 10m)")
	f.IntVar(&cfg.PhotoBytes, "photo-size", 100<<10, "size of the JPEG in photo callbacks, bytes")
	f.StringVar(&cfg.DataDir, "data-dir", "", "the receiver's data folder: count the stored rows before and after")
	f.BoolVar(&asJSON, "json", false, "print the result as JSON")
	cmd.MarkFlagRequired("url")
	cmd.MarkFlagRequired("token")
	return cmd
}

func printLoad(w io.Writer, r loadResult) {
	fmt.Fprintf(w, "kind %s, %d connections, %.1fs\n", r.Kind, r.Concurrency, r.Elapsed.Seconds())
	fmt.Fprintf(w, "sent %d: done %d, not done %d, no answer %d\n", r.Sent, r.Done, r.NotDone, r.Errors)
	fmt.Fprintf(w, "throughput %.0f callbacks/s, latency p50 %s, p99 %s, max %s\n", r.PerSecond,
		r.P50.Round(10*time.Microsecond), r.P99.Round(10*time.Microsecond), r.Max.Round(10*time.Microsecond))
	if r.Stored >= 0 {
		verdict := "every acknowledged callback is stored"
		if r.Stored != int64(r.Done) {
			verdict = "MISMATCH"
		}
		fmt.Fprintf(w, "stored %d of %d acknowledged: %s\n", r.Stored, r.Done, verdict)
	}
	if r.FirstError != "" {
		fmt.Fprintf(w, "first problem: %s\n", r.FirstError)
	}
}

func (c loadConfig) check() error {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--url %q: give the full callback URL, e.g. http://127.0.0.1:5000/callback", c.URL)
	}
	if !loopback(u.Hostname()) {
		return fmt.Errorf("--url %q: load is sent only to a receiver on this machine (localhost, 127.0.0.1 or ::1)", c.URL)
	}
	switch {
	case c.Token == "":
		return errors.New("--token: give the device's callback AuthToken")
	case c.Kind != loadPunch && c.Kind != loadPhoto && c.Kind != loadUser:
		return fmt.Errorf("--kind %q: use punch, photo or user", c.Kind)
	case c.Concurrency < 1 || c.Concurrency > 1024:
		return fmt.Errorf("--concurrency %d: use 1 to 1024", c.Concurrency)
	case c.Duration <= 0 || c.Duration > 10*time.Minute:
		return fmt.Errorf("--duration %s: use more than 0 and at most 10m", c.Duration)
	case c.Kind == loadPhoto && (c.PhotoBytes < 1<<10 || c.PhotoBytes > 8<<20):
		return fmt.Errorf("--photo-size %d: use 1 KB to 8 MB", c.PhotoBytes)
	}
	return nil
}

func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// runLoad sends callbacks for cfg.Duration and measures the answers.
func runLoad(ctx context.Context, cfg loadConfig) (loadResult, error) {
	if err := cfg.check(); err != nil {
		return loadResult{}, err
	}
	res := loadResult{Kind: cfg.Kind, Concurrency: cfg.Concurrency, Stored: -1}
	var photo string
	if cfg.Kind == loadPhoto {
		photo = base64.StdEncoding.EncodeToString(noiseJPEG(cfg.PhotoBytes))
	}
	before := int64(-1)
	if cfg.DataDir != "" {
		n, err := countStored(ctx, cfg.DataDir, cfg.Kind)
		if err != nil {
			return res, err
		}
		before = n
	}
	tr := &http.Transport{MaxIdleConns: cfg.Concurrency, MaxIdleConnsPerHost: cfg.Concurrency, DisableCompression: true,
		IdleConnTimeout: 30 * time.Second}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	run := fmt.Sprintf("%06d", rand.IntN(1000000)) // keeps users apart between runs
	base := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rand.IntN(1<<20)) * time.Minute)

	type worker struct {
		lat                    []time.Duration
		done, notDone, errs, n int
		firstErr               string
	}
	workers := make([]worker, cfg.Concurrency)
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wk := &workers[w]
			wk.lat = make([]time.Duration, 0, 4096)
			var buf bytes.Buffer
			for i := 0; time.Now().Before(deadline) && ctx.Err() == nil; i++ {
				buf.Reset()
				user := fmt.Sprintf("L%s-%d", run, w)
				at := base.Add(time.Duration(i) * time.Second)
				writeBody(&buf, cfg, user, at, i, photo)
				t0 := time.Now()
				reply, err := post(ctx, client, cfg.URL, buf.Bytes())
				wk.lat = append(wk.lat, time.Since(t0))
				wk.n++
				switch {
				case err != nil:
					wk.errs++
					if wk.firstErr == "" {
						wk.firstErr = err.Error()
					}
				case reply != `200 {"status":"done"}`:
					wk.notDone++
					if wk.firstErr == "" {
						wk.firstErr = "answer " + reply
					}
				default:
					wk.done++
				}
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	var all []time.Duration
	for _, wk := range workers {
		res.Sent += wk.n
		res.Done += wk.done
		res.NotDone += wk.notDone
		res.Errors += wk.errs
		if res.FirstError == "" {
			res.FirstError = wk.firstErr
		}
		all = append(all, wk.lat...)
	}
	slices.Sort(all)
	if len(all) > 0 {
		res.P50 = all[len(all)/2]
		res.P99 = all[min(len(all)-1, len(all)*99/100)]
		res.Max = all[len(all)-1]
	}
	res.PerSecond = float64(res.Done) / res.Elapsed.Seconds()
	if before >= 0 {
		after, err := countStored(context.WithoutCancel(ctx), cfg.DataDir, cfg.Kind)
		if err != nil {
			return res, err
		}
		res.Stored = after - before
	}
	return res, nil
}

// post sends one callback and returns "status body".
func post(ctx context.Context, client *http.Client, url string, body []byte) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d %s", resp.StatusCode, b), nil
}

// writeBody writes one distinct callback of cfg.Kind for user at the device time at (shown in +05:30).
func writeBody(b *bytes.Buffer, cfg loadConfig, user string, at time.Time, i int, photo string) {
	local := at.In(time.FixedZone("", 19800)).Format("2006-01-02 15:04:05") + " GMT +0530"
	sent := at.Format("2006-01-02 15:04:05") + " GMT +0000"
	types := [...]string{"CheckIn", "BreakOut", "BreakIn", "CheckOut"}
	fmt.Fprintf(b, `{"RealTime":{"OperationID":"ld%s%d","LabelName":"Load Gate","SerialNumber":"SIM-LOAD-0001",`, user, i)
	switch cfg.Kind {
	case loadPunch:
		fmt.Fprintf(b, `"PunchLog":{"Type":%q,"Temperature":"36.%d","FaceMask":%t,"InputType":"Face","UserId":%q,"LogTime":%q},`,
			types[i%4], i%10, i%2 == 0, user, local)
	case loadPhoto:
		fmt.Fprintf(b, `"Log":{"UserID":%q,"LogPhoto":"%s","LogTime":%q},`, user, photo, local)
	case loadUser:
		fp := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{byte(i), 0x5a, 0xa5, 0x3c}, 300))
		fmt.Fprintf(b, `"UserUpdated":{"UserID":"%s-%d","FirstName":"Load","LastName":"User %d","UserType":"User","OperationTime":%q,`+
			`"Template":[{"Type":"Fingerprint","UserID":"%s-%d","Data":%q,"Size":"%d","Index":"%d"},{"Type":"Card","UserID":"%s-%d","Data":"41%08d"}]},`,
			user, i, i, local, user, i, fp, len(fp)*3/4, i%10, user, i, i)
	}
	fmt.Fprintf(b, `"AuthToken":%q,"Time":%q}}`, cfg.Token, sent)
}

// noiseJPEG is a JPEG of about size bytes (noise compresses poorly, so the size follows the pixel count).
func noiseJPEG(size int) []byte {
	side := 64
	for {
		img := image.NewRGBA(image.Rect(0, 0, side, side))
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range img.Pix {
			img.Pix[i] = uint8(rng.IntN(256))
		}
		img.Set(0, 0, color.RGBA{255, 255, 255, 255})
		var b bytes.Buffer
		jpeg.Encode(&b, img, &jpeg.Options{Quality: 75})
		if b.Len() >= size || side >= 4096 {
			return b.Bytes()
		}
		side = int(float64(side) * 1.1)
	}
}

// countStored counts what a kind of callback stores: punches, attendance photos or users.
func countStored(ctx context.Context, dir, kind string) (int64, error) {
	store, err := data.OpenDir(dir)
	if err != nil {
		return 0, fmt.Errorf("--data-dir: %w", err)
	}
	defer store.Close()
	switch kind {
	case loadPhoto:
		return store.CountPhotos(ctx, data.PhotoFilter{Kind: data.PhotoAttendance})
	case loadUser:
		var n int64
		f := data.UserFilter{IncludeDeleted: true, Limit: data.MaxLimit}
		for {
			rows, err := store.Users(ctx, f)
			if err != nil {
				return 0, err
			}
			n += int64(len(rows))
			if len(rows) < f.Limit {
				return n, nil
			}
			f.Offset += len(rows)
		}
	}
	return store.CountPunches(ctx, data.PunchFilter{})
}
