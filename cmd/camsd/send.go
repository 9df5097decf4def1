package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/device"
)

// newSendCmd is "camsd send": one RESTful operation to a device.
func newSendCmd() *cobra.Command {
	var deviceName, params, raw string
	var yes bool
	cmd := &cobra.Command{
		Use:   "send OP [--device NAME] [--params JSON|@file] [--json RAW|@file] [--yes]",
		Short: "Send one RESTful operation to a device and print its answer",
		Long: `send sends one operation (by number or name, any case; see 'camsd ops') to a device and prints the
device's answer as JSON. Without --params the operation's sample values are sent. --params takes a JSON
object of the operation's parameters; --json takes a whole request body, sent as written with only
OperationID, AuthToken and Time filled in (OP may then be left out). A value starting with @ names a file
to read it from (@- reads standard input). Operations that delete (DeleteUser, DeleteAllUser, DeleteLogAll,
DeleteAttendancePhoto) are sent only with --yes.

Every exchange is recorded in the database. Exit codes: 0 the device answered status 0; 1 it answered
another status, or the gateway could not be reached; 2 unknown operation, invalid parameters or settings.`,
		Example: `  camsd send LoadDeviceInformation
  camsd send 29 --params '{"UserID":"100"}' --yes
  camsd send adduserwithcard --device "Main Gate" --params @asha.json
  camsd send --json '{"Resend":{"User":"All"}}'`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSend(cmd, args, deviceName, params, raw, yes)
		},
	}
	f := cmd.Flags()
	f.StringVar(&deviceName, "device", "", "device name in the config, or its stgid (default: the default device)")
	f.StringVar(&params, "params", "", `parameters as a JSON object, e.g. '{"UserID":"100"}', or @file`)
	f.StringVar(&raw, "json", "", "a whole request body as JSON, or @file")
	f.BoolVarP(&yes, "yes", "y", false, "send an operation that deletes data on the device")
	return cmd
}

func runSend(cmd *cobra.Command, args []string, deviceName, paramsArg, rawArg string, yes bool) error {
	paramsSet, rawSet := cmd.Flags().Changed("params"), cmd.Flags().Changed("json")
	if paramsSet && rawSet {
		return usageError(errors.New("--params and --json: give one or the other"))
	}
	var op device.Operation
	if len(args) == 1 {
		var ok bool
		if op, ok = device.Lookup(args[0]); !ok {
			return usageError(fmt.Errorf("unknown operation %q: give a number from 12 to 38 or a name; 'camsd ops' lists them", args[0]))
		}
	} else if !rawSet {
		return usageError(errors.New("name the operation, e.g. 'camsd send LoadDeviceInformation'; 'camsd ops' lists them"))
	}

	var raw []byte
	params := op.Samples()
	switch {
	case rawSet:
		b, err := readArg(cmd, rawArg, "--json")
		if err != nil {
			return err
		}
		raw = b
		if req, err := device.DecodeRequest(raw); err == nil {
			shape, ok := device.Identify(req)
			switch {
			case ok && op.Name != "" && shape.Name != op.Name:
				return usageError(fmt.Errorf("--json: the body has the shape of %s (%d), not %s (%d)", shape.Name, shape.Number, op.Name, op.Number))
			case ok && op.Name == "":
				op = shape
			}
		}
	case paramsSet:
		b, err := readArg(cmd, paramsArg, "--params")
		if err != nil {
			return err
		}
		if params, err = parseParams(b); err != nil {
			return usageError(fmt.Errorf("--params: %w", err))
		}
	}
	if !rawSet {
		if _, err := op.Build(params); err != nil {
			return usageError(fmt.Errorf("invalid parameters for %s:\n  %s", op.Name, strings.ReplaceAll(err.Error(), "\n", "\n  ")))
		}
	}

	s, err := openSession(cmd, deviceName, 0)
	if err != nil {
		return err
	}
	defer s.close()
	if op.Destructive && !yes {
		return usageError(fmt.Errorf("%s deletes data on %q (stgid %s) and cannot be undone: add --yes to send it", op.Name, s.profile.Name, s.profile.STGID))
	}
	var res *device.Result
	if rawSet {
		res, err = s.client.SendRaw(cmd.Context(), raw)
	} else {
		res, err = s.client.Send(cmd.Context(), op, params)
	}
	if res != nil && json.Valid(res.RawResponse) {
		var out bytes.Buffer
		if json.Indent(&out, res.RawResponse, "", "  ") == nil {
			out.WriteByte('\n')
			cmd.OutOrStdout().Write(out.Bytes())
		}
	}
	return callFailure(err)
}

// callFailure turns a client error into camsd's exit: 2 for what the user must fix in the input, 1 otherwise,
// with the cause and the hint on separate lines.
func callFailure(err error) error {
	if err == nil {
		return nil
	}
	var ce *device.CallError
	if !errors.As(err, &ce) {
		return failure(err)
	}
	msg := ce.Error()
	if ce.Hint != "" {
		msg += "\n" + ce.Hint
	}
	if ce.Kind == device.OutcomeInvalid {
		return usageError(errors.New(msg))
	}
	return failure(errors.New(msg))
}

// readArg is a flag's value, or the file it names after @ (@- is standard input).
func readArg(cmd *cobra.Command, v, flag string) ([]byte, error) {
	name, isFile := strings.CutPrefix(v, "@")
	if !isFile {
		return []byte(v), nil
	}
	var b []byte
	var err error
	if name == "-" {
		b, err = io.ReadAll(cmd.InOrStdin())
	} else {
		b, err = os.ReadFile(name)
	}
	if err != nil {
		return nil, usageError(fmt.Errorf("%s: cannot read %s: %w", flag, v, err))
	}
	return b, nil
}

// parseParams reads a JSON object of parameter values: text, numbers, true/false or null (empty).
func parseParams(b []byte) (device.Params, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, errors.New(`give a JSON object such as {"UserID":"100","FirstName":"Asha"}`)
	}
	if dec.More() {
		return nil, errors.New("give one JSON object")
	}
	p := device.Params{}
	for k, v := range m {
		switch x := v.(type) {
		case nil:
			p[k] = ""
		case string:
			p[k] = x
		case json.Number:
			p[k] = x.String()
		case bool:
			p[k] = strconv.FormatBool(x)
		default:
			return nil, &device.FieldError{Field: k, Msg: "give text or a number, not a list or an object"}
		}
	}
	return p, nil
}

// session is one configured device opened for a command: its profile, its row in the store, and a client
// that records every exchange there.
type session struct {
	cfg     *data.Config
	profile device.Profile
	store   *data.Store
	row     data.Device
	client  *device.Client
}

func (s *session) close() { s.store.Close() }

// pickDevice is the device named (by name or stgid) or the default one.
func pickDevice(cmd *cobra.Command, name string) (*data.Config, device.Profile, error) {
	cfg, err := loadSettings(cmd)
	if err != nil {
		return nil, device.Profile{}, err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		p, ok := cfg.Default()
		if !ok {
			return nil, device.Profile{}, usageError(errors.New("no device configured: add one with 'camsd config set-device'"))
		}
		return cfg, p, nil
	}
	if p, ok := cfg.Device(name); ok {
		return cfg, p, nil
	}
	if p, ok := cfg.DeviceBySTGID(name); ok {
		return cfg, p, nil
	}
	return nil, device.Profile{}, usageError(fmt.Errorf("--device: no device named %q in the config; 'camsd config show' lists them", name))
}

// openSession opens the store and a client for the device. Stored exchange answers longer than maxResponse
// bytes (0: no limit) are replaced by a note of their size.
func openSession(cmd *cobra.Command, name string, maxResponse int) (*session, error) {
	cfg, p, err := pickDevice(cmd, name)
	if err != nil {
		return nil, err
	}
	s := &session{cfg: cfg, profile: p}
	// Check the device before touching the store, so bad settings leave nothing behind.
	if _, err := device.NewClient(p); err != nil {
		return nil, usageError(err)
	}
	if s.store, err = openStore(cfg); err != nil {
		return nil, failure(err)
	}
	if s.row, err = s.store.EnsureDevice(cmd.Context(), p.STGID, p.Name); err != nil {
		s.store.Close()
		return nil, failure(err)
	}
	stderr := cmd.ErrOrStderr()
	record := func(ex device.Exchange) {
		x := data.ExchangeOf(s.row.ID, ex)
		if maxResponse > 0 && len(ex.Response) > maxResponse {
			x.Response = fmt.Sprintf(`{"CamsDesk":"answer of %d bytes not kept"}`, len(ex.Response))
		}
		// Recorded even when the command is being cancelled.
		if err := s.store.AddExchange(context.WithoutCancel(cmd.Context()), x); err != nil {
			fmt.Fprintf(stderr, "camsd: warning: the exchange %s was not recorded: %v\n", ex.OperationID, err)
		}
	}
	s.client, err = device.NewClient(p, device.WithRecorder(record),
		device.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))) // the store keeps every exchange
	if err != nil {
		s.store.Close()
		return nil, usageError(err)
	}
	return s, nil
}
