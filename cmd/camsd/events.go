package main

import (
	"bufio"
	"encoding/csv"
	"time"

	"github.com/spf13/cobra"

	"github.com/camsdesk/camsdesk/data"
)

type eventJSON struct {
	Device        string `json:"device"`
	Kind          string `json:"kind"`
	UserID        string `json:"user_id"`
	Detail        string `json:"detail"`
	OperationTime string `json:"operation_time"`
	UTC           string `json:"utc"`
	LocalDate     string `json:"local_date"`
}

func newEventsCmd() *cobra.Command {
	var format, kind, from, to string
	cmd := &cobra.Command{
		Use:   "events [--format json|csv] [--kind date_modified|user_deleted] [--from DATE] [--to DATE]",
		Short: "Print the device events: clocks changed by hand (date_modified) and users deleted on a device",
		Long: `events prints the device events, newest first: date_modified (someone changed the device's clock by
hand; detail is the new time, check the punches around it) and user_deleted (a user removed on the device).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format, formatJSON, formatCSV); err != nil {
				return err
			}
			store, _, err := openListStore(cmd)
			if err != nil {
				return err
			}
			defer store.Close()
			names := map[uint]string{}
			if devs, err := store.Devices(cmd.Context()); err == nil {
				for _, d := range devs {
					names[d.ID] = d.Name
				}
			}
			out := bufio.NewWriterSize(cmd.OutOrStdout(), 64<<10)
			var (
				add   func(eventJSON) error
				close func() error
			)
			if format == formatCSV {
				w := csv.NewWriter(out)
				w.Write([]string{"device", "kind", "user_id", "detail", "operation_time", "utc", "local_date"})
				add = func(e eventJSON) error {
					return w.Write([]string{e.Device, e.Kind, e.UserID, e.Detail, e.OperationTime, e.UTC, e.LocalDate})
				}
				close = func() error { w.Flush(); return w.Error() }
			} else {
				arr := newJSONArray(out)
				add = func(e eventJSON) error { return arr.add(e) }
				close = arr.close
			}
			f := data.EventFilter{Kind: kind, FromDate: from, ToDate: to, Limit: data.MaxLimit}
			for {
				evs, err := store.Events(cmd.Context(), f)
				if err != nil {
					return failure(err)
				}
				for _, e := range evs {
					err := add(eventJSON{Device: names[e.DeviceID], Kind: e.Kind, UserID: e.UserID, Detail: e.Detail,
						OperationTime: e.OperationTime, UTC: e.UTC.UTC().Format(time.RFC3339), LocalDate: e.LocalDate})
					if err != nil {
						return failure(err)
					}
				}
				if len(evs) < f.Limit {
					break
				}
				f.Offset += len(evs)
			}
			if err := close(); err != nil {
				return failure(err)
			}
			if err := out.Flush(); err != nil {
				return failure(err)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&format, "format", formatJSON, "json (an array of objects) or csv (with a header)")
	fl.StringVar(&kind, "kind", "", "only date_modified or user_deleted")
	fl.StringVar(&from, "from", "", "first device-local day, 2006-01-02")
	fl.StringVar(&to, "to", "", "last device-local day, 2006-01-02")
	return cmd
}
