package main

import (
	"bufio"

	"github.com/spf13/cobra"

	"github.com/camsdesk/camsdesk/data"
)

type userJSON struct {
	Device    string         `json:"device"`
	UserID    string         `json:"user_id"`
	FirstName string         `json:"first_name"`
	LastName  string         `json:"last_name"`
	UserType  string         `json:"user_type"`
	Access    string         `json:"access,omitempty"`
	Deleted   bool           `json:"deleted"`
	DeletedAt string         `json:"deleted_at,omitempty"`
	Templates []templateJSON `json:"templates"`
}

type templateJSON struct {
	Type  string `json:"type"`
	Index string `json:"index"`
	Size  int    `json:"size"`
	Data  string `json:"data"`
	Photo string `json:"photo,omitempty"`
}

func newUsersCmd() *cobra.Command {
	var format, deviceName string
	cmd := &cobra.Command{
		Use:   "users [--format json] [--device NAME]",
		Short: "Print the stored users with their templates (data verbatim), deleted ones included",
		Long: `users prints every stored user, deleted ones included (deleted: true), with their templates as the
device sent them: type, index, size and data (base64 for biometrics). The data can be sent back with AddUser
to enrol the same person on another device.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format, formatJSON); err != nil {
				return err
			}
			store, cfg, err := openListStore(cmd)
			if err != nil {
				return err
			}
			defer store.Close()
			f := data.UserFilter{IncludeDeleted: true, Limit: data.MaxLimit}
			if deviceName != "" {
				if f.DeviceID, err = deviceIDByName(cmd, store, cfg, deviceName); err != nil {
					return err
				}
			}
			out := bufio.NewWriterSize(cmd.OutOrStdout(), 64<<10)
			arr := newJSONArray(out)
			for {
				rows, err := store.Users(cmd.Context(), f)
				if err != nil {
					return failure(err)
				}
				for _, u := range rows {
					j, err := userOf(cmd, store, u)
					if err != nil {
						return failure(err)
					}
					if err := arr.add(j); err != nil {
						return failure(err)
					}
				}
				if len(rows) < f.Limit {
					break
				}
				f.Offset += len(rows)
			}
			if err := arr.close(); err != nil {
				return failure(err)
			}
			if err := out.Flush(); err != nil {
				return failure(err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", formatJSON, "json (an array of objects)")
	cmd.Flags().StringVar(&deviceName, "device", "", "only this device (name in the config, or stgid)")
	return cmd
}

func userOf(cmd *cobra.Command, store *data.Store, u data.UserRow) (userJSON, error) {
	j := userJSON{Device: u.DeviceName, UserID: u.UserID, FirstName: u.FirstName, LastName: u.LastName,
		UserType: u.UserType, Access: u.Access, Deleted: u.DeletedAt != nil, Templates: []templateJSON{}}
	if u.DeletedAt != nil {
		j.DeletedAt = u.DeletedAt.UTC().Format("2006-01-02T15:04:05Z07:00")
	}
	ts, err := store.Templates(cmd.Context(), u.DeviceID, u.UserID)
	if err != nil {
		return j, err
	}
	for _, t := range ts {
		j.Templates = append(j.Templates, templateJSON{Type: t.Type, Index: t.Idx, Size: t.Size, Data: t.Data, Photo: t.Path})
	}
	return j, nil
}
