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
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/device"
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
	DB          string // the receiver's database when it is not the data dir's (a postgres:// URL)
	Devices     int    // callbacks are spread over this many devices (1: the URL's own)
	STGIDPrefix string // with Devices > 1, device k has stgid <prefix>-<k, 4 digits>
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

const maxConcurrency = 1024

func newLoadCmd() *cobra.Command {
	cfg := loadConfig{}
	var (
		asJSON      bool
		writeConfig string
	)
	cmd := &cobra.Command{
		Use:   "load --url URL --token T --kind punch|photo|user [--concurrency N] [--duration D]",
		Short: "Post realistic callbacks to a receiver as fast as it answers, and measure it",
		Long: `load posts callbacks to a callback URL from N connections for a fixed time, each connection sending the
next callback as soon as the previous one is answered. It prints the throughput, the p50 and p99 latency,
and how many answers were not exactly HTTP 200 {"status":"done"}.

Every callback is distinct (its own user and time), so each acknowledged one must be stored: with
--data-dir (the receiver's data folder) load counts the stored rows before and after and prints both
(with --db, in that database instead). Kinds: punch (PunchLog), photo (attendance photo, a JPEG of
--photo-size bytes), user (UserUpdated with a fingerprint and a card). Send load only to a receiver on
this machine.

With --devices N the callbacks go round the devices LOAD-0001 ... LOAD-N (the stgid in the URL is replaced,
each device has its own serial number) over one connection per device, as real devices send, unless
--concurrency says otherwise; --write-config FILE writes a camsd config with those devices and the
token, for 'camsd serve --config FILE', and sends nothing.`,
		Example: `  camsd serve --listen 127.0.0.1:5000 --data-dir /tmp/bench &
  camssim load --url 'http://127.0.0.1:5000/callback?stgid=SIM-0001' --token $TOKEN --kind punch --concurrency 32 --duration 10s --data-dir /tmp/bench

  camssim load --url http://127.0.0.1:5000/callback --token $TOKEN --devices 100 --write-config /tmp/load100.json
  camsd serve --config /tmp/load100.json --data-dir /tmp/bench100 --db "$DSN" &
  camssim load --url http://127.0.0.1:5000/callback --token $TOKEN --devices 100 --duration 10s --db "$DSN"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if writeConfig != "" {
				if err := writeLoadConfig(writeConfig, cfg); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "wrote %s with %d devices\n", writeConfig, cfg.Devices)
				return nil
			}
			if !cmd.Flags().Changed("concurrency") && cfg.Devices > 1 {
				cfg.Concurrency = min(cfg.Devices, maxConcurrency)
			}
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
	f.IntVar(&cfg.Concurrency, "concurrency", 32, "connections sending at once (with --devices: one per device, at most 1024)")
	f.DurationVar(&cfg.Duration, "duration", 10*time.Second, "how long to send (at most 10m)")
	f.IntVar(&cfg.PhotoBytes, "photo-size", 100<<10, "size of the JPEG in photo callbacks, bytes")
	f.StringVar(&cfg.DataDir, "data-dir", "", "the receiver's data folder: count the stored rows before and after")
	f.StringVar(&cfg.DB, "db", "", "the receiver's database (postgres://...): count the stored rows there before and after")
	f.IntVar(&cfg.Devices, "devices", 1, "spread the callbacks over this many devices (stgids <prefix>-0001 ...)")
	f.StringVar(&cfg.STGIDPrefix, "stgid-prefix", "LOAD", "with --devices: the devices' stgids are <prefix>-0001 ...")
	f.StringVar(&writeConfig, "write-config", "", "write a camsd config file with the --devices devices and --token, and send nothing")
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
	case c.Concurrency < 1 || c.Concurrency > maxConcurrency:
		return fmt.Errorf("--concurrency %d: use 1 to %d", c.Concurrency, maxConcurrency)
	case c.Duration <= 0 || c.Duration > 10*time.Minute:
		return fmt.Errorf("--duration %s: use more than 0 and at most 10m", c.Duration)
	case c.Kind == loadPhoto && (c.PhotoBytes < 1<<10 || c.PhotoBytes > 8<<20):
		return fmt.Errorf("--photo-size %d: use 1 KB to 8 MB", c.PhotoBytes)
	case c.Devices < 0 || c.Devices > 10000:
		return fmt.Errorf("--devices %d: use 1 to 10000", c.Devices)
	case c.Devices > 1 && (c.STGIDPrefix == "" || strings.ContainsAny(c.STGIDPrefix, " /?&#")):
		return fmt.Errorf("--stgid-prefix %q: use letters, digits and dashes", c.STGIDPrefix)
	case c.DB != "" && !data.IsPostgresDSN(c.DB):
		return fmt.Errorf("--db %s: give a postgres:// URL (a SQLite receiver is counted with --data-dir)", data.MaskDSN(c.DB))
	case c.DB != "" && c.DataDir != "":
		return errors.New("--db and --data-dir: give one")
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

// loadDevice is one device the load posts as: its callback URL and serial number.
type loadDevice struct {
	url    string
	serial string
}

// devices returns the devices of the load: the URL as given, or --devices of them.
func (c loadConfig) devices() []loadDevice {
	if c.Devices <= 1 {
		return []loadDevice{{url: c.URL, serial: "SIM-LOAD-0001"}}
	}
	u, _ := url.Parse(c.URL) // checked
	out := make([]loadDevice, c.Devices)
	for k := range out {
		q := u.Query()
		q.Set("stgid", c.stgid(k))
		d := *u
		d.RawQuery = q.Encode()
		out[k] = loadDevice{url: d.String(), serial: fmt.Sprintf("SIM-LOAD-%04d", k+1)}
	}
	return out
}

func (c loadConfig) stgid(k int) string { return fmt.Sprintf("%s-%04d", c.STGIDPrefix, k+1) }

// writeLoadConfig writes a camsd config with the load's devices, all with the load's token.
func writeLoadConfig(path string, c loadConfig) error {
	c.Kind, c.Concurrency, c.Duration = loadPunch, 1, time.Second
	if err := c.check(); err != nil {
		return err
	}
	if c.Devices < 1 {
		c.Devices = 1
	}
	u, _ := url.Parse(c.URL)
	cfg := data.DefaultConfig()
	cfg.Listen = u.Host
	if c.DataDir != "" {
		cfg.DataDir = c.DataDir
	}
	for k := range c.Devices {
		cfg.Put(device.Profile{Name: fmt.Sprintf("Load %04d", k+1), Endpoint: "http://" + u.Host + "/no-rest-api",
			STGID: c.stgid(k), AuthToken: c.Token, CallbackAuthToken: c.Token, TimeZone: "+05:30", Simulated: true})
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("--write-config: %w", err)
	}
	return cfg.Save(path)
}

// loadWorker is one connection's state: its reusable body and its measurements.
type loadWorker struct {
	lat                    []time.Duration
	done, notDone, errs, n int
	firstErr               string
	body                   []byte
	reply                  [64]byte
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
	if cfg.DataDir != "" || cfg.DB != "" {
		n, err := countStored(ctx, cfg)
		if err != nil {
			return res, err
		}
		before = n
	}
	devices := cfg.devices()
	bodies := newBodyMaker(cfg, photo)
	run := fmt.Sprintf("%06d", rand.IntN(1000000)) // keeps users apart between runs
	base := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rand.IntN(1<<20)) * time.Minute)

	workers := make([]loadWorker, cfg.Concurrency)
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wk := &workers[w]
			wk.lat = make([]time.Duration, 0, 4096)
			// One connection per worker, kept alive; a body goes out in one write.
			conn, err := newLoadConn(cfg.URL, 60*time.Second, min(len(photo)+4096, 1<<20))
			if err != nil {
				wk.errs, wk.firstErr = 1, err.Error()
				return
			}
			defer conn.close()
			user := "L" + run + "-" + strconv.Itoa(w)
			for i := 0; time.Now().Before(deadline) && ctx.Err() == nil; i++ {
				dev := devices[(w+i*cfg.Concurrency)%len(devices)]
				wk.body = bodies.append(wk.body[:0], user, dev.serial, base.Add(time.Duration(i)*time.Second), i)
				t0 := time.Now()
				status, reply, err := wk.post(ctx, conn, dev.url)
				wk.lat = append(wk.lat, time.Since(t0))
				wk.n++
				switch {
				case err != nil:
					wk.errs++
					if wk.firstErr == "" {
						wk.firstErr = err.Error()
					}
				case status != http.StatusOK || string(reply) != doneAnswer:
					wk.notDone++
					if wk.firstErr == "" {
						wk.firstErr = fmt.Sprintf("answer %d %s", status, reply)
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
		after, err := countStored(context.WithoutCancel(ctx), cfg)
		if err != nil {
			return res, err
		}
		res.Stored = after - before
	}
	return res, nil
}

// doneAnswer is the body of a receiver's only answer.
const doneAnswer = `{"status":"done"}`

// post sends the worker's body and returns the status and the start of the answer's body.
func (wk *loadWorker) post(ctx context.Context, conn *loadConn, url string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(wk.body))
	if err != nil {
		return 0, nil, err
	}
	req.Header["Content-Type"] = jsonContentType
	return conn.post(ctx, req, wk.reply[:])
}

var jsonContentType = []string{"application/json"}

// bodyMaker writes distinct callbacks of one kind: the parts that never change are made once.
type bodyMaker struct {
	kind         string
	token        []byte // JSON string
	photo        string
	fingerprints [256]string // base64, by the callback's number mod 256
	zone         *time.Location
}

func newBodyMaker(cfg loadConfig, photo string) *bodyMaker {
	tok, _ := json.Marshal(cfg.Token)
	m := &bodyMaker{kind: cfg.Kind, token: tok, photo: photo, zone: time.FixedZone("", 19800)}
	if cfg.Kind == loadUser {
		for i := range m.fingerprints {
			m.fingerprints[i] = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{byte(i), 0x5a, 0xa5, 0x3c}, 300))
		}
	}
	return m
}

var punchTypes = [...]string{"CheckIn", "BreakOut", "BreakIn", "CheckOut"}

// append appends callback i of user (an ASCII id) for the device time at (shown in +05:30).
func (m *bodyMaker) append(b []byte, user, serial string, at time.Time, i int) []byte {
	b = append(b, `{"RealTime":{"OperationID":"ld`...)
	b = append(append(b, user...), strconv.Itoa(i)...)
	b = append(append(append(b, `","LabelName":"Load Gate","SerialNumber":"`...), serial...), `",`...)
	local := func(b []byte) []byte {
		b = at.In(m.zone).AppendFormat(append(b, '"'), "2006-01-02 15:04:05")
		return append(b, ` GMT +0530"`...)
	}
	switch m.kind {
	case loadPunch:
		b = append(append(b, `"PunchLog":{"Type":"`...), punchTypes[i%4]...)
		b = append(strconv.AppendInt(append(b, `","Temperature":"36.`...), int64(i%10), 10), `","FaceMask":`...)
		b = append(strconv.AppendBool(b, i%2 == 0), `,"InputType":"Face","UserId":"`...)
		b = local(append(append(b, user...), `","LogTime":`...))
		b = append(b, "},"...)
	case loadPhoto:
		b = append(append(b, `"Log":{"UserID":"`...), user...)
		b = append(append(append(b, `","LogPhoto":"`...), m.photo...), `","LogTime":`...)
		b = append(local(b), "},"...)
	case loadUser:
		id := user + "-" + strconv.Itoa(i)
		fp := m.fingerprints[i%256]
		b = append(append(b, `"UserUpdated":{"UserID":"`...), id...)
		b = append(strconv.AppendInt(append(b, `","FirstName":"Load","LastName":"User `...), int64(i), 10), `","UserType":"User","OperationTime":`...)
		b = append(append(append(local(b), `,"Template":[{"Type":"Fingerprint","UserID":"`...), id...), `","Data":"`...)
		b = append(strconv.AppendInt(append(append(b, fp...), `","Size":"`...), int64(len(fp)*3/4), 10), `","Index":"`...)
		b = append(append(append(strconv.AppendInt(b, int64(i%10), 10), `"},{"Type":"Card","UserID":"`...), id...), `","Data":"41`...)
		b = append(fmt.Appendf(b, "%08d", i), `"}]},`...)
	}
	b = append(append(append(b, `"AuthToken":`...), m.token...), `,"Time":"`...)
	b = at.AppendFormat(b, "2006-01-02 15:04:05")
	return append(b, ` GMT +0000"}}`...)
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
func countStored(ctx context.Context, cfg loadConfig) (int64, error) {
	open, flag := func() (*data.Store, error) { return data.OpenDir(cfg.DataDir) }, "--data-dir"
	if cfg.DB != "" {
		open, flag = func() (*data.Store, error) { return data.Open(cfg.DB) }, "--db"
	}
	store, err := open()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", flag, err)
	}
	defer store.Close()
	switch cfg.Kind {
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
